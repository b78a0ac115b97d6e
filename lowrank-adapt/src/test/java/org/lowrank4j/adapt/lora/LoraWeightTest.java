package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/** The LoRA layer (spec 01 "How to test it"): zero start, gradients by finite differences, merge/unmerge, adapters. */
class LoraWeightTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int IN = 7, OUT = 5, R = 3;

    private static Tensor random(long seed, int... shape) {
        return Tensor.gaussian(F64, new Random(seed), 1, shape);
    }

    private static DenseWeight dense(long seed) {
        return new DenseWeight(new Parameter("fc.weight", random(seed, OUT, IN)));
    }

    /** A layer with one adapter whose A and B are both random (so every gradient is non-zero). */
    private static LoraWeight layer(WeightFactorization base, double dropout, boolean rslora, Dropout source) {
        LoraWeight w = new LoraWeight("fc", base, source);
        LoraAdapter a = new LoraAdapter("default", new Parameter("fc.lora_A.default.weight", random(11, R, IN)),
                new Parameter("fc.lora_B.default.weight", random(12, OUT, R)), 6, rslora, dropout);
        w.addAdapter(a);
        return w;
    }

    @Test
    void freshAdapterLeavesTheOutputBitForBit() {
        DenseWeight base = new DenseWeight(new Parameter("fc.weight", Tensor.gaussian(Precision.FLOAT32, new Random(1), 1, OUT, IN)));
        LoraWeight w = new LoraWeight("fc", base, null);
        w.addAdapter(LoraAdapter.initialized("fc", "default", IN, OUT, LoraSettings.of(R, 16), Precision.FLOAT32, new Random(2)));
        Tensor x = Tensor.gaussian(Precision.FLOAT32, new Random(3), 1, 2, 4, IN);
        assertThat(w.forward(x).toDoubleArray()).containsExactly(base.forward(x).toDoubleArray());
        assertThat(w.parameters()).extracting(Parameter::name)
                .containsExactly("fc.lora_A.default.weight", "fc.lora_B.default.weight");
        double bound = 1 / Math.sqrt(IN);
        for (double v : w.adapter("default").a().value().toDoubleArray()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
        }
    }

    @ParameterizedTest(name = "base={0} dropout={1} rslora={2}")
    @CsvSource({"dense,0,false", "dense,0.3,false", "dense,0,true", "lowrank,0.2,false"})
    void gradientsMatchFiniteDifferences(String baseKind, double p, boolean rslora) {
        WeightFactorization base = baseKind.equals("dense") ? dense(1) : lowRank();
        Dropout source = new Dropout(5);
        source.setTraining(true);
        LoraWeight w = layer(base, p, rslora, source);
        Linear linear = new Linear("fc", w, new Parameter("fc.bias", random(4, OUT)));
        Tensor x = random(6, 2, 3, IN);
        Tensor r = random(7, 2, 3, OUT);
        for (Parameter q : linear.parameters()) {
            q.zeroGradient();
        }
        linear.forward(x);
        Tensor dx = linear.backward(r);
        // the same mask on every evaluation: the pass number does not change
        java.util.function.DoubleSupplier loss = () -> dot(linear.forward(x), r);
        assertThat(relativeError(dx, gradient(loss, x))).as("dx").isLessThan(1e-6);
        LoraAdapter a = w.adapter("default");
        assertThat(relativeError(a.a().gradient(), gradient(loss, a.a().value()))).as("dA").isLessThan(1e-6);
        assertThat(relativeError(a.b().gradient(), gradient(loss, a.b().value()))).as("dB").isLessThan(1e-6);
        // gradients only for the adapter (and the bias the Linear owns): the base weight is not a parameter
        assertThat(linear.parameters()).extracting(Parameter::name)
                .containsExactly("fc.lora_A.default.weight", "fc.lora_B.default.weight", "fc.bias");
        for (Parameter q : base.parameters()) {
            assertThat(q.gradient().norm()).as("frozen %s", q.name()).isZero();
        }
    }

    private static LowRankWeight lowRank() {
        return new LowRankWeight(new Parameter("fc.U", random(21, OUT, 2)), new Parameter("fc.V", random(22, 2, IN)));
    }

    @Test
    void dropoutMasksDependOnThePassOnly() {
        Dropout source = new Dropout(9);
        source.setTraining(true);
        LoraWeight w = layer(dense(1), 0.5, false, source);
        Tensor x = random(6, 4, IN);
        source.setPass(3);
        double[] first = w.forward(x).toDoubleArray();
        source.setPass(4);
        double[] other = w.forward(x).toDoubleArray();
        source.setPass(3);
        assertThat(w.forward(x).toDoubleArray()).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
        source.setTraining(false);
        Tensor plain = w.forward(x);
        assertThat(maxDifference(plain, expected(w, x))).isLessThan(1e-12);
    }

    /** x·(W0 + s·B·A)ᵀ computed densely. */
    private static Tensor expected(LoraWeight w, Tensor x) {
        Tensor dense = w.base().toDense();
        MatMul.gemm(w.adapter("default").scale(), w.adapter("default").b().value().matrix(), w.adapter("default").a().value().matrix(), 1,
                dense.matrix());
        Tensor y = Tensor.zeros(F64, x.size() / IN, OUT);
        MatMul.timesTransposed(y, x, dense, 0);
        return y;
    }

    @Test
    void scalingIsAlphaOverRankOrOverItsRoot() {
        assertThat(layer(dense(1), 0, false, null).adapter("default").scale()).isEqualTo(2.0);
        assertThat(layer(dense(1), 0, true, null).adapter("default").scale()).isEqualTo(6 / Math.sqrt(3));
    }

    @Test
    void mergeAgreesWithTheBranchAndUnmergeRestoresTheBaseExactly() {
        DenseWeight base = dense(1);
        double[] original = base.weight().value().toDoubleArray();
        LoraWeight w = layer(base, 0, false, null);
        Tensor x = random(6, 3, IN);
        Tensor unmerged = w.forward(x);
        w.merge("default");
        assertThat(w.parameters()).isEmpty();
        Tensor merged = w.forward(x);
        System.out.printf("merge vs branch: max |difference| %.2e%n", maxDifference(unmerged, merged));
        assertThat(maxDifference(unmerged, merged)).isLessThan(1e-12);
        assertThat(maxDifference(w.toDense(), expectedDense(w))).isLessThan(1e-12);
        w.unmerge();
        assertThat(w.base().toDense().toDoubleArray()).containsExactly(original);
        assertThat(base.weight().value().toDoubleArray()).containsExactly(original);
        assertThat(w.forward(x).toDoubleArray()).containsExactly(unmerged.toDoubleArray());
    }

    private static Tensor expectedDense(LoraWeight w) {
        Tensor d = w.base().toDense();
        Tensor delta = w.delta("default");
        for (int i = 0; i < d.size(); i++) {
            d.set(i, d.get(i) + delta.get(i));
        }
        return d;
    }

    @Test
    void mergeRefusesANonFiniteResult() {
        LoraWeight w = layer(dense(1), 0, false, null);
        w.adapter("default").b().value().set(0, Double.POSITIVE_INFINITY);
        assertThatThrownBy(() -> w.merge("default")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite").hasMessageContaining("left unmerged");
        assertThat(w.mergedAdapters()).isEmpty();
        assertThat(w.mergedBase()).isSameAs(w.base());
    }

    @Test
    void namedAdaptersCanBeSwitchedAndDisabled() {
        LoraWeight w = layer(dense(1), 0, false, null);
        w.addAdapter(new LoraAdapter("other", new Parameter("fc.lora_A.other.weight", random(31, 2, IN)),
                new Parameter("fc.lora_B.other.weight", random(32, OUT, 2)), 2, false, 0));
        Tensor x = random(6, 3, IN);
        Tensor both = w.forward(x);
        w.setActive(Set.of("default"));
        Tensor one = w.forward(x);
        assertThat(maxDifference(one, expected(w, x))).isLessThan(1e-12);
        assertThat(maxDifference(both, one)).isGreaterThan(1e-3);
        assertThat(w.parameters()).hasSize(2);
        w.setEnabled(false);
        assertThat(w.forward(x).toDoubleArray()).containsExactly(w.base().forward(x).toDoubleArray());
        w.setEnabled(true);
        assertThatThrownBy(() -> w.setActive(Set.of("missing"))).hasMessageContaining("no adapter named missing");
    }

    @Test
    void routedSequencesEachGetWhatTheirAdapterGivesAlone() {
        LoraWeight w = layer(dense(1), 0, false, null);
        w.addAdapter(new LoraAdapter("other", new Parameter("fc.lora_A.other.weight", random(31, 2, IN)),
                new Parameter("fc.lora_B.other.weight", random(32, OUT, 2)), 2, false, 0));
        String[] routes = {"other", null, "default", "default", "missing-here"}; // five sequences of two rows
        Tensor x = random(7, 5, 2, IN);
        w.route(routes);
        Tensor routed = w.forward(x);
        w.route(null);
        for (int b = 0; b < routes.length; b++) {
            Tensor rows = Tensor.zeros(F64, 2, IN);
            for (int i = 0; i < rows.size(); i++) {
                rows.set(i, x.get(b * rows.size() + i));
            }
            boolean runs = "other".equals(routes[b]) || "default".equals(routes[b]);
            w.setEnabled(runs);
            if (runs) {
                w.setActive(Set.of(routes[b]));
            }
            Tensor alone = w.forward(rows);
            for (int i = 0; i < alone.size(); i++) {
                assertThat(routed.get(b * alone.size() + i)).as("sequence %d, value %d", b, i).isCloseTo(alone.get(i),
                        org.assertj.core.data.Offset.offset(1e-12));
            }
        }
        w.setEnabled(true);
        w.route(routes);
        assertThatThrownBy(() -> w.forward(random(8, 3, 2, IN))).hasMessageContaining("6 input rows do not split into the 5 sequences");
        assertThatThrownBy(() -> w.backward(random(9, 5, 2, OUT), x)).hasMessageContaining("route(null) before training");
        assertThatThrownBy(() -> w.merge("default")).hasMessageContaining("route(null) before merging");
        w.route(null);
        w.merge("default");
        assertThatThrownBy(() -> w.route(routes)).hasMessageContaining("unmerge before routing");
    }

    @Test
    void shapesAndRanksAreChecked() {
        LoraWeight w = new LoraWeight("fc", dense(1), null);
        assertThatThrownBy(() -> w.addAdapter(new LoraAdapter("x", new Parameter("a", random(1, 2, IN + 1)),
                new Parameter("b", random(1, OUT, 2)), 2, false, 0))).hasMessageContaining("lora_A must be (r, 7)");
        assertThatThrownBy(() -> w.addAdapter(new LoraAdapter("x", new Parameter("a", random(1, 6, IN)),
                new Parameter("b", random(1, OUT, 6)), 2, false, 0))).hasMessageContaining("above min(in, out) = 5");
        assertThat(List.of(w.adapters().size())).containsExactly(0);
    }
}
