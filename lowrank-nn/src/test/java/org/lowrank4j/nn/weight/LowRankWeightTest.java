package org.lowrank4j.nn.weight;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** A low-rank Linear with A·B = W behaves exactly like the dense Linear holding W. */
class LowRankWeightTest {

    @ParameterizedTest
    @EnumSource(Precision.class)
    void lowRankEqualsDenseWithTheProductWeight(Precision p) {
        int out = 13, in = 7, rank = 3;
        Random random = new Random(42);
        Tensor a = Tensor.gaussian(p, random, 1, out, rank), b = Tensor.gaussian(p, random, 1, rank, in);
        LowRankWeight lowRank = new LowRankWeight(new Parameter("w.A", a), new Parameter("w.B", b));
        DenseWeight dense = new DenseWeight(new Parameter("w", lowRank.toDense()));
        Tensor bias = Tensor.gaussian(p, random, 1, out);
        Linear lr = new Linear("lr", lowRank, new Parameter("lr.bias", bias.copy()));
        Linear dn = new Linear("dn", dense, new Parameter("dn.bias", bias.copy()));
        double tol = p == Precision.FLOAT64 ? 1e-13 : 2e-6;

        Tensor x = Tensor.gaussian(p, random, 1, 2, 5, in);
        assertThat(GradientCheck.compare(lr.forward(x), dn.forward(x))).isLessThan(tol);
        Tensor dy = Tensor.gaussian(p, random, 1, 2, 5, out);
        assertThat(GradientCheck.compare(lr.backward(dy), dn.backward(dy))).as("input gradient").isLessThan(tol);
        assertThat(GradientCheck.compare(lr.bias().gradient(), dn.bias().gradient())).isLessThan(tol);

        // chain rule through W = A B: dA = dW Bᵀ and dB = Aᵀ dW
        Tensor dW = dense.weight().gradient();
        Tensor expectedDA = Tensor.zeros(p, out, rank), expectedDB = Tensor.zeros(p, rank, in);
        MatMul.timesTransposed(expectedDA, dW, b, 0);
        MatMul.gemm(1, a.matrix().transpose(), dW.matrix(), 0, expectedDB.matrix());
        assertThat(GradientCheck.compare(lowRank.left().gradient(), expectedDA)).as("dA").isLessThan(tol);
        assertThat(GradientCheck.compare(lowRank.right().gradient(), expectedDB)).as("dB").isLessThan(tol);
        assertThat(lowRank.parameterCount()).isEqualTo((long) rank * (out + in));
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void swappingTheWeightOfALinearKeepsItsFunction(Precision p) {
        Random random = new Random(3);
        Tensor a = Tensor.gaussian(p, random, 1, 6, 2), b = Tensor.gaussian(p, random, 1, 2, 4);
        LowRankWeight lowRank = new LowRankWeight(new Parameter("A", a), new Parameter("B", b));
        Linear linear = new Linear("fc", new DenseWeight(new Parameter("fc.weight", lowRank.toDense())), null);
        Tensor x = Tensor.gaussian(p, random, 1, 3, 4);
        Tensor before = linear.forward(x);
        linear.setWeight(lowRank);
        assertThat(GradientCheck.compare(linear.forward(x), before)).isLessThan(p == Precision.FLOAT64 ? 1e-14 : 1e-6);
        assertThat(linear.parameters()).containsExactly(lowRank.left(), lowRank.right());
    }
}
