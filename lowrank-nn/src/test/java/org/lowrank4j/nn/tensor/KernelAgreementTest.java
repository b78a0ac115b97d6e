package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.nn.GradientCheck;

/**
 * The float32 kernels against the float64 ones at odd sizes, kernel by kernel: the two are separate copies of the
 * same code, and only the float64 one is checked by finite differences.
 */
class KernelAgreementTest {

    /** Runs {@code kernel} on float64 inputs and on their float32 copies and compares every tensor afterwards. */
    private static void agree(String what, List<Tensor> inputs, Consumer<List<Tensor>> kernel) {
        List<Tensor> wide = new ArrayList<>(), narrow = new ArrayList<>();
        for (Tensor t : inputs) {
            wide.add(t.copy());
            narrow.add(t.to(Precision.FLOAT32));
        }
        kernel.accept(wide);
        kernel.accept(narrow);
        for (int i = 0; i < wide.size(); i++) {
            assertThat(GradientCheck.compare(narrow.get(i), wide.get(i))).as("%s, tensor %d", what, i).isLessThan(2e-6);
        }
    }

    private static Tensor random(Random r, int... shape) {
        return Tensor.gaussian(Precision.FLOAT64, r, 1, shape);
    }

    private static Kernels k(List<Tensor> ts) {
        return Kernels.of(ts.get(0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 13})
    void rowKernelsAgree(int c) {
        Random r = new Random(c);
        int n = 5;
        agree("layerNorm", List.of(random(r, n, c), random(r, n), random(r, n), random(r, n, c), random(r, c), random(r, c),
                random(r, n, c), random(r, c), random(r, c)), t -> {
                    k(t).layerNormForward(t.get(0), t.get(1), t.get(2), t.get(3), t.get(4), t.get(5), 1e-5);
                    k(t).layerNormBackward(t.get(6), t.get(7), t.get(8), t.get(0), t.get(3), t.get(1), t.get(2), t.get(4));
                });
        agree("rmsNorm", List.of(random(r, n, c), random(r, n), random(r, n, c), random(r, c), random(r, n, c), random(r, c)), t -> {
            k(t).rmsNormForward(t.get(0), t.get(1), t.get(2), t.get(3), 1e-6);
            k(t).rmsNormBackward(t.get(4), t.get(5), t.get(0), t.get(2), t.get(1), t.get(3));
        });
        for (MlpActivation v : MlpActivation.values()) {
            agree("gelu " + v, List.of(random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
                k(t).activationForward(t.get(1), t.get(0), v);
                k(t).activationBackward(t.get(2), t.get(1), t.get(0), v);
            });
        }
        agree("swiglu", List.of(random(r, n, c), random(r, n, c), random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
            k(t).swigluForward(t.get(2), t.get(0), t.get(1));
            k(t).swigluBackward(t.get(3), t.get(4), t.get(2), t.get(0), t.get(1));
        });
        agree("swiglu in place", List.of(random(r, n, c), random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
            k(t).swigluBackward(t.get(3), t.get(2), t.get(2), t.get(0), t.get(1)); // dup over dout
            k(t).swigluForward(t.get(0), t.get(0), t.get(1));                       // out over gate, as streaming does
            k(t).swigluForward(t.get(1), t.get(0), t.get(1));                       // out over up
        });
        for (MlpActivation v : MlpActivation.values()) {
            Tensor wide = random(r, n, c); // gates out to ±60, where the tanh form's e^−z over- or underflows
            for (int i = 0; i < wide.size(); i++) {
                wide.set(i, wide.get(i) * (i % 3 == 0 ? 20 : 1));
            }
            agree("geglu " + v, List.of(wide, random(r, n, c), random(r, n, c), random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
                k(t).gegluForward(t.get(2), t.get(0), t.get(1), v);
                k(t).gegluBackward(t.get(3), t.get(4), t.get(5), t.get(0), t.get(1), v);
            });
            agree("geglu in place " + v, List.of(random(r, n, c), random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
                k(t).gegluBackward(t.get(3), t.get(2), t.get(2), t.get(0), t.get(1), v); // dup over dout
                k(t).gegluBackward(t.get(0), t.get(2), t.get(3), t.get(0), t.get(1), v); // dgate over gate
                k(t).gegluForward(t.get(0), t.get(0), t.get(1), v);                      // out over gate, as streaming does
                k(t).gegluForward(t.get(1), t.get(0), t.get(1), v);                      // out over up
            });
        }
        agree("soft-cap", List.of(random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
            k(t).softcap(t.get(0), 0.7);
            k(t).softcapBackward(t.get(2), t.get(1), t.get(0), 0.7);
            k(t).softcapBackward(t.get(1), t.get(1), t.get(0), 0.7); // in place
            k(t).scale(t.get(2), -1.7);
        });
        agree("bias", List.of(random(r, n, c), random(r, c), random(r, c)), t -> {
            k(t).addBias(t.get(0), t.get(1));
            k(t).addColumnSums(t.get(2), t.get(0));
            k(t).add(t.get(0), t.get(0), t.get(0));
            k(t).addInPlace(t.get(0), t.get(0));
        });
        int[] ids = {2, 0, 2, 3, 1};
        agree("embedding", List.of(random(r, 4, c), random(r, n, c), random(r, 4, c)), t -> {
            k(t).gatherRows(t.get(1), t.get(0), ids, true);
            k(t).scatterAddRows(t.get(2), t.get(1), ids);
        });
        int[] targets = {c - 1, -100, 0, c / 2, -100};
        agree("cross-entropy", List.of(random(r, n, c), random(r, n, c), random(r, n, c)), t -> {
            double loss = k(t).crossEntropyForward(t.get(1), t.get(0), targets, -100);
            k(t).crossEntropyBackward(t.get(2), t.get(1), targets, -100, 0.3);
            t.get(0).set(0, loss);
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void attentionKernelsAgree(int time) {
        Random r = new Random(time);
        int batch = 2, heads = 3, keys = time + 2, dim = 4;
        int[] mask = new int[batch * keys];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 4 == 3 ? 0 : 1;
        }
        agree("attention softmax", List.of(random(r, batch, heads, time, keys), random(r, batch, heads, time, keys),
                random(r, batch, heads, time, keys)), t -> {
                    k(t).attentionSoftmax(t.get(0), mask, true, 2);
                    k(t).softmaxBackward(t.get(2), t.get(0), t.get(1));
                });
        for (boolean causal : new boolean[] {true, false}) { // no key mask: the row maximum's own loop
            agree("attention softmax without a mask, causal " + causal, List.of(random(r, batch, heads, time, keys)),
                    t -> k(t).attentionSoftmax(t.get(0), null, causal, 2));
        }
        for (int window : new int[] {1, 2, 4}) { // sliding windows, with and without a key mask
            agree("attention softmax, window " + window, List.of(random(r, batch, heads, time, keys), random(r, batch, heads, time, keys)), t -> {
                k(t).attentionSoftmax(t.get(0), null, true, 2, window);
                k(t).attentionSoftmax(t.get(1), mask, true, 2, window);
            });
        }
        // the window's edge in float64: query t (position 2 + t) sees keys 2 + t − 1 and 2 + t when the window is 2
        Tensor scores = random(r, 1, 1, time, keys);
        Kernels.of(scores).attentionSoftmax(scores, null, true, 2, 2);
        for (int t = 0; t < time; t++) {
            for (int s = 0; s < keys; s++) {
                boolean seen = s == 2 + t || s == 1 + t;
                assertThat(scores.get(t * keys + s) > 0).as("query %d, key %d", t, s).isEqualTo(seen);
            }
        }
        double[] cos = new double[16 * dim / 2], sin = new double[cos.length];
        for (int i = 0; i < cos.length; i++) {
            cos[i] = Math.cos(0.37 * i);
            sin[i] = Math.sin(0.37 * i);
        }
        int[] positions = new int[time];
        for (int t = 0; t < time; t++) {
            positions[t] = 2 * t + 1;
        }
        agree("rope + split/merge heads", List.of(random(r, batch, time, heads * dim), Tensor.zeros(Precision.FLOAT64, batch, heads, keys, dim),
                Tensor.zeros(Precision.FLOAT64, batch, time, heads * dim)), t -> {
                    k(t).rotate(t.get(0).reshape(batch, time, heads, dim), positions, cos, sin, false);
                    k(t).splitHeads(t.get(1), t.get(0), 1);
                    k(t).mergeHeads(t.get(2), t.get(1), 1);
                    k(t).rotate(t.get(2).reshape(batch, time, heads, dim), positions, cos, sin, true);
                });
    }

    /** A NaN score spoils its own row (the maximum passes over it, its exponential and the row's sum do not) and no other. */
    @org.junit.jupiter.api.Test
    void aNanScoreGivesANanRowAndLeavesTheOthers() {
        for (Precision precision : Precision.values()) {
            Tensor scores = Tensor.gaussian(precision, new Random(3), 1, 1, 1, 4, 9);
            scores.set(2 * 9 + 1, Double.NaN); // row 2, key 1
            Kernels.of(scores).attentionSoftmax(scores, null, false, 0);
            for (int i = 0; i < scores.size(); i++) {
                assertThat(Double.isNaN(scores.get(i))).as("%s entry %d", precision, i).isEqualTo(i / 9 == 2);
            }
        }
    }
}
