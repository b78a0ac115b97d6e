package org.lowrank4j.adapt.rmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;

/** RMM (spec 03): exact reversal at k = n, the error of the closed form, and better reversal than task arithmetic. */
class ReversibleMergeTest {
    private static final String[] MODULES = {"model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj"};
    private static final int OUT = 10, IN = 7;

    private static PeftAdapter adapter(int rank, double alpha, Map<String, LoraFactors> modules) {
        return new PeftAdapter(PeftConfig.lora(LoraSettings.of(rank, alpha), List.of("q_proj", "v_proj"), "tiny", "CAUSAL_LM"), modules);
    }

    private static float[] gaussian(Random random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * random.nextGaussian());
        }
        return v;
    }

    /** Independent random adapters of rank 3 with different α (the scaling must be folded in before stacking). */
    private static List<PeftAdapter> randomTasks(int n, long seed) {
        Random random = new Random(seed);
        List<PeftAdapter> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            Map<String, LoraFactors> m = new LinkedHashMap<>();
            for (String path : MODULES) {
                m.put(path, new LoraFactors(3, IN, OUT, gaussian(random, 3 * IN, 1), gaussian(random, OUT * 3, 1), 3 * (t + 1)));
            }
            out.add(adapter(3, 3 * (t + 1), m));
        }
        return out;
    }

    /** ΔW = s·B·A (out, in) in float64. */
    private static double[] delta(PeftAdapter adapter, String path) {
        LoraFactors f = adapter.modules().get(path);
        double s = LoraAdapter.scale(f.alpha(), f.rank(), adapter.config().useRslora());
        double[] d = new double[f.out() * f.in()];
        for (int i = 0; i < f.out(); i++) {
            for (int j = 0; j < f.in(); j++) {
                double v = 0;
                for (int k = 0; k < f.rank(); k++) {
                    v += (double) f.b()[i * f.rank() + k] * f.a()[k * f.in() + j];
                }
                d[i * f.in() + j] = s * v;
            }
        }
        return d;
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }

    private static double norm(double[] a) {
        return distance(a, new double[a.length]);
    }

    @Test
    void keepingAsManyBasesAsTasksRevertsEveryTaskExactly() {
        List<PeftAdapter> tasks = randomTasks(4, 1);
        ReversibleMerge merge = ReversibleMerge.of(tasks, 4);
        for (int t = 0; t < 4; t++) {
            PeftAdapter reverted = merge.revert(t);
            assertThat(reverted.config().rank()).isEqualTo(3);
            for (String path : MODULES) {
                double[] want = delta(tasks.get(t), path);
                assertThat(distance(delta(reverted, path), want) / norm(want)).as("task %d %s", t, path).isLessThan(1e-6);
            }
        }
        assertThat(merge.discardedEnergy().values()).allSatisfy(e -> assertThat(e).containsExactly(new double[] {0, 0},
                org.assertj.core.data.Offset.offset(1e-9)));
    }

    @Test
    void aTaskComesBackAtItsOwnRankOnItsOwnModules() {
        // task 0: r = 2 on q_proj only; task 1: r = 4 on q_proj and v_proj
        Random random = new Random(8);
        Map<String, LoraFactors> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        first.put(MODULES[0], new LoraFactors(2, IN, OUT, gaussian(random, 2 * IN, 1), gaussian(random, OUT * 2, 1), 4));
        for (String path : MODULES) {
            second.put(path, new LoraFactors(4, IN, OUT, gaussian(random, 4 * IN, 1), gaussian(random, OUT * 4, 1), 8));
        }
        List<PeftAdapter> tasks = List.of(adapter(2, 4, first), adapter(4, 8, second));
        ReversibleMerge merge = ReversibleMerge.of(tasks, 2);
        PeftAdapter zero = merge.revert(0), one = merge.revert(1);
        assertThat(zero.modules().keySet()).containsExactly(MODULES[0]);
        assertThat(zero.modules().get(MODULES[0]).rank()).isEqualTo(2);
        assertThat(one.modules().keySet()).containsExactly(MODULES);
        assertThat(one.modules().values()).allSatisfy(f -> assertThat(f.rank()).isEqualTo(4));
        double[] want = delta(tasks.get(0), MODULES[0]);
        assertThat(distance(delta(zero, MODULES[0]), want) / norm(want)).isLessThan(1e-6);
        // apart, the two hold 2·(10 + 7) + 2·4·(10 + 7) values, not both at the padded rank 4 on both modules
        assertThat(merge.separateValues()).isEqualTo(2L * (OUT + IN) + 2L * 4 * (OUT + IN));
    }

    @Test
    void theErrorOfTheFactorsIsTheSumOfTheDiscardedEigenvalues() {
        List<PeftAdapter> tasks = randomTasks(5, 2);
        ReversibleMerge merge = ReversibleMerge.of(tasks, 2);
        for (String path : MODULES) {
            ReversibleMerge.FactorBasis b = merge.modules().get(path).b();
            double squared = 0;
            for (int t = 0; t < 5; t++) {
                LoraFactors f = tasks.get(t).modules().get(path);
                double s = LoraAdapter.scale(f.alpha(), f.rank(), false);
                double[] rebuilt = b.reconstruct(t);
                for (int e = 0; e < rebuilt.length; e++) {
                    double d = s * f.b()[e] - rebuilt[e];
                    squared += d * d;
                }
            }
            assertThat(squared).isCloseTo(b.discardedEnergy(), org.assertj.core.data.Offset.offset(1e-9 * b.eigenvalues()[0]));
            assertThat(b.discardedEnergy()).isPositive();
        }
        assertThat(merge.storedValues()).isLessThan(merge.separateValues());
    }

    @Test
    void tasksSharingAGaugeRevertFarBetterThanTaskArithmetic() {
        // four tasks trained from one start: each factor is a mix of two shared directions plus a little noise of its own
        Random random = new Random(3);
        int n = 4;
        Map<String, float[][]> sharedB = new LinkedHashMap<>(), sharedA = new LinkedHashMap<>();
        for (String path : MODULES) {
            sharedB.put(path, new float[][] {gaussian(random, OUT * 3, 1), gaussian(random, OUT * 3, 1)});
            sharedA.put(path, new float[][] {gaussian(random, 3 * IN, 1), gaussian(random, 3 * IN, 1)});
        }
        List<PeftAdapter> tasks = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            double w0 = random.nextGaussian(), w1 = random.nextGaussian();
            Map<String, LoraFactors> m = new LinkedHashMap<>();
            for (String path : MODULES) {
                float[] b = gaussian(random, OUT * 3, 0.01), a = gaussian(random, 3 * IN, 0.01);
                for (int e = 0; e < b.length; e++) {
                    b[e] += (float) (w0 * sharedB.get(path)[0][e] + w1 * sharedB.get(path)[1][e]);
                }
                for (int e = 0; e < a.length; e++) {
                    a[e] += (float) (w1 * sharedA.get(path)[0][e] - w0 * sharedA.get(path)[1][e]);
                }
                m.put(path, new LoraFactors(3, IN, OUT, a, b, 3));
            }
            tasks.add(adapter(3, 3, m));
        }
        ReversibleMerge merge = ReversibleMerge.of(tasks, 2);
        for (int t = 0; t < n; t++) {
            for (String path : MODULES) {
                double[] want = delta(tasks.get(t), path);
                double rmm = distance(delta(merge.revert(t), path), want);
                double arithmetic = distance(meanMerge(tasks, path), want);
                System.out.printf("task %d %s: relative error RMM(k=2) %.2e, task arithmetic %.2e%n", t, path.substring(path.lastIndexOf('.') + 1),
                        rmm / norm(want), arithmetic / norm(want));
                assertThat(rmm).isLessThan(0.1 * arithmetic);
            }
        }
    }

    /** Task arithmetic on factors: mean(s·B)·mean(A). */
    private static double[] meanMerge(List<PeftAdapter> tasks, String path) {
        double[] b = new double[OUT * 3], a = new double[3 * IN];
        for (PeftAdapter t : tasks) {
            LoraFactors f = t.modules().get(path);
            double s = LoraAdapter.scale(f.alpha(), f.rank(), false);
            for (int e = 0; e < b.length; e++) {
                b[e] += s * f.b()[e] / tasks.size();
            }
            for (int e = 0; e < a.length; e++) {
                a[e] += f.a()[e] / tasks.size();
            }
        }
        double[] d = new double[OUT * IN];
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < IN; j++) {
                for (int k = 0; k < 3; k++) {
                    d[i * IN + j] += b[i * 3 + k] * a[k * IN + j];
                }
            }
        }
        return d;
    }

    @Test
    void badInputsAreOneLine() {
        List<PeftAdapter> tasks = new ArrayList<>(randomTasks(2, 4));
        assertThatThrownBy(() -> ReversibleMerge.of(tasks, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..2");
        Map<String, LoraFactors> other = new LinkedHashMap<>();
        other.put(MODULES[0], new LoraFactors(2, IN + 1, OUT, new float[2 * (IN + 1)], new float[OUT * 2], 2));
        tasks.add(adapter(2, 2, other));
        assertThatThrownBy(() -> ReversibleMerge.of(tasks, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(MODULES[0]).hasMessageContaining("different base models");
        assertThatThrownBy(() -> ReversibleMerge.of(randomTasks(2, 5), 1).revert(2)).hasMessageContaining("0..1");
    }
}
