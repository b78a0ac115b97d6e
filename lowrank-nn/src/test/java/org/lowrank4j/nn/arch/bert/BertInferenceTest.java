package org.lowrank4j.nn.arch.bert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

class BertInferenceTest {
    // odd sizes: head size 5, MLP width 37, three sequences of 7 tokens
    static final BertConfig ODD = new BertConfig(61, 20, 2, 4, 37, 9, 2, 1e-12, MlpActivation.GELU_ERF);
    static final int BATCH = 3, TIME = 7;

    static int[] random(Random r, int n, int bound) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(bound);
        }
        return out;
    }

    /** Sequence 0 unpadded, sequence 1 padded at the end and in the middle, sequence 2 all padding. */
    static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    static double maxDiff(Tensor a, Tensor b) {
        assertThat(a.shape()).containsExactly(b.shape());
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        return max;
    }

    @Test
    void fusedForwardEqualsTheLayerByLayerForwardWithPadding() {
        BertModel model = BertModel.zeros(ODD, Precision.FLOAT32);
        GradientCheck.randomize(model, new Random(4), 0.3);
        Random r = new Random(5);
        int[] ids = random(r, BATCH * TIME, 61), types = random(r, BATCH * TIME, 2);
        for (int[] mask : new int[][] {MASK, null}) {
            Tensor reference = model.forward(ids, types, mask, BATCH, TIME);
            Tensor fused = model.infer(ids, types, mask, BATCH, TIME);
            double diff = maxDiff(reference, fused);
            System.out.printf("BERT fused vs layer-by-layer (mask %s): max abs diff %.2e%n", mask == null ? "none" : "padded", diff);
            assertThat(diff).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void fusedForwardRunsLowRankWeightsThroughTheirOwnProduct() {
        BertModel model = BertModel.zeros(ODD, Precision.FLOAT32);
        GradientCheck.randomize(model, new Random(6), 0.3);
        Linear up = model.linears(1).get(4);
        LowRankWeight w = LowRankWeight.zeros(up.name() + ".weight", up.outFeatures(), up.inFeatures(), 3, Precision.FLOAT32);
        Random r = new Random(7);
        for (Tensor t : new Tensor[] {w.left().value(), w.right().value()}) {
            for (int i = 0; i < t.size(); i++) {
                t.set(i, 0.4 * r.nextGaussian());
            }
        }
        up.setWeight(w);
        int[] ids = random(r, BATCH * TIME, 61);
        Tensor reference = model.forward(ids, null, MASK, BATCH, TIME);
        assertThat(maxDiff(reference, model.infer(ids, null, MASK, BATCH, TIME))).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void inferenceKeepsNoActivations() {
        BertModel model = BertModel.zeros(ODD, Precision.FLOAT32);
        GradientCheck.randomize(model, new Random(8), 0.3);
        int[] ids = random(new Random(9), BATCH * TIME, 61);
        model.forward(ids, null, MASK, BATCH, TIME);
        Tensor kept = model.linears(0).get(0).lastInput();
        model.infer(new int[] {1, 2, 3}, null, null, 1, 3);
        assertThat(model.linears(0).get(0).lastInput()).isSameAs(kept);
    }

    @Test
    void float64ModelsRunTheLayerByLayerForward() {
        BertModel model = BertModel.zeros(ODD, Precision.FLOAT64);
        GradientCheck.randomize(model, new Random(10), 0.3);
        int[] ids = random(new Random(11), BATCH * TIME, 61);
        assertThat(model.infer(ids, null, MASK, BATCH, TIME).toDoubleArray())
                .containsExactly(model.forward(ids, null, MASK, BATCH, TIME).toDoubleArray());
    }
}
