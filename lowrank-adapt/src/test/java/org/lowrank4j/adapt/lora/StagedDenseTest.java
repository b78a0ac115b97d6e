package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Frozen dense weights read a staged copy of W: the products equal the plain ones, merge and unmerge restage, and a write
 * to W is seen after {@code invalidateStaged} (and caught by the assertion check when it was not called).
 */
class StagedDenseTest {
    private static final Precision F32 = Precision.FLOAT32;
    private static final int IN = 9, OUT = 6;

    private static boolean assertionsOn() {
        boolean on = false;
        assert on = true;
        return on;
    }

    private static Tensor random(long seed, int... shape) {
        return Tensor.gaussian(F32, new Random(seed), 1, shape);
    }

    private static LoraWeight layer(DenseWeight base) {
        LoraWeight w = new LoraWeight("fc", base, null);
        w.addAdapter(new LoraAdapter("default", new Parameter("fc.lora_A.default.weight", random(11, 3, IN)),
                new Parameter("fc.lora_B.default.weight", random(12, OUT, 3)), 6, false, 0));
        return w;
    }

    @Test
    void frozenProductsEqualThePlainOnesAndSeeWritesAfterInvalidation() {
        DenseWeight dense = new DenseWeight(new Parameter("fc.weight", random(1, OUT, IN)));
        FrozenWeight frozen = new FrozenWeight(dense);
        Tensor x = random(2, 2, 5, IN), dy = random(3, 2, 5, OUT);
        assertThat(frozen.forward(x).toDoubleArray()).containsExactly(dense.forward(x).toDoubleArray());
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dy, dense.weight().value(), 0);
        assertThat(frozen.backward(dy, x).toDoubleArray()).containsExactly(dx.toDoubleArray());

        dense.weight().value().set(7, 2.5);                      // W changes: the staged copy must go
        frozen.invalidateStaged();
        assertThat(frozen.forward(x).toDoubleArray()).containsExactly(dense.forward(x).toDoubleArray());
        MatMul.times(dx, dy, dense.weight().value(), 0);
        assertThat(frozen.backward(dy, x).toDoubleArray()).containsExactly(dx.toDoubleArray());
    }

    @Test
    void mergeAndUnmergeRestageTheBase() {
        DenseWeight dense = new DenseWeight(new Parameter("fc.weight", random(1, OUT, IN)));
        LoraWeight w = layer(dense);
        Tensor x = random(2, 4, IN);
        Tensor branched = w.forward(x);                          // stages W0
        w.merge("default");
        Tensor merged = w.forward(x);                            // W0 + s·B·A, staged anew
        DenseWeight reference = new DenseWeight(new Parameter("ref", w.mergedBase().toDense()));
        assertThat(merged.toDoubleArray()).containsExactly(reference.forward(x).toDoubleArray());
        assertThat(merged.toDoubleArray()).isNotEqualTo(dense.forward(x).toDoubleArray());
        w.unmerge();
        assertThat(w.forward(x).toDoubleArray()).containsExactly(branched.toDoubleArray());
    }

    @Test
    void aWriteToTheBaseIsSeenAfterInvalidation() {
        DenseWeight dense = new DenseWeight(new Parameter("fc.weight", random(1, OUT, IN)));
        LoraWeight w = layer(dense);
        Tensor x = random(2, 4, IN);
        Tensor before = w.forward(x);
        dense.weight().value().set(0, dense.weight().value().get(0) + 1);
        w.invalidateStaged();
        Tensor after = w.forward(x);
        LoraWeight fresh = layer(dense);
        assertThat(after.toDoubleArray()).containsExactly(fresh.forward(x).toDoubleArray()).isNotEqualTo(before.toDoubleArray());
    }

    @Test
    void aWriteWithoutInvalidationFailsTheAssertionCheck() {
        assumeTrue(assertionsOn(), "the check runs only with assertions on");
        DenseWeight dense = new DenseWeight(new Parameter("fc.weight", random(1, OUT, IN)));
        LoraWeight w = layer(dense);
        Tensor x = random(2, 4, IN);
        w.forward(x);
        dense.weight().value().set(3, 9.0);
        assertThatThrownBy(() -> w.forward(x)).isInstanceOf(AssertionError.class).hasMessageContaining("fc.weight changed while frozen");
        FrozenWeight frozen = new FrozenWeight(dense);
        frozen.forward(x);
        dense.weight().value().set(3, 8.0);
        assertThatThrownBy(() -> frozen.forward(x)).isInstanceOf(AssertionError.class).hasMessageContaining("changed while frozen");
    }
}
