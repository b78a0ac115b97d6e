package org.lowrank4j.adapt.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;

/** Combination: the concatenation is the weighted sum; the SVD of the sum errs by its spectrum's tail; misfits refused. */
class CombineTest {
    private static final int OUT = 40, IN = 32;
    private static final List<String> MODULES = List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj");

    private static PeftAdapter adapter(long seed, int rank, double alpha, boolean rslora, String base, int in) {
        Random random = new Random(seed);
        Map<String, LoraFactors> modules = new LinkedHashMap<>();
        for (String m : MODULES) {
            float[] a = new float[rank * in], b = new float[OUT * rank];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian();
            }
            modules.put(m, new LoraFactors(rank, in, OUT, a, b, alpha));
        }
        return new PeftAdapter(PeftConfig.lora(new LoraSettings(rank, alpha, 0, rslora), List.of("q_proj", "v_proj"), base, "CAUSAL_LM"), modules);
    }

    private static List<Combine.Term> terms() {
        return List.of(new Combine.Term("A", adapter(1, 4, 8, false, "tiny", IN), 0.7),
                new Combine.Term("B", adapter(2, 6, 12, true, "tiny", IN), -1.3));
    }

    private static DoubleMatrix weightedSum(List<Combine.Term> terms, String module) {
        DoubleMatrix sum = DoubleMatrix.zeros(OUT, IN);
        for (Combine.Term t : terms) {
            DoubleMatrix d = SqueezeTest.delta(t.adapter().modules().get(module), t.adapter().config().useRslora());
            for (int i = 0; i < OUT; i++) {
                for (int j = 0; j < IN; j++) {
                    sum.set(i, j, sum.get(i, j) + t.weight() * d.get(i, j));
                }
            }
        }
        return sum;
    }

    private static double difference(DoubleMatrix a, DoubleMatrix b) {
        double sum = 0, norm = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                double d = a.get(i, j) - b.get(i, j);
                sum += d * d;
                norm += b.get(i, j) * b.get(i, j);
            }
        }
        return Math.sqrt(sum / norm);
    }

    private static double frobenius(DoubleMatrix a, DoubleMatrix b) {
        double sum = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                double d = a.get(i, j) - b.get(i, j);
                sum += d * d;
            }
        }
        return Math.sqrt(sum);
    }

    @Test
    void concatenationIsTheWeightedSum(@TempDir Path dir) throws IOException {
        PeftAdapter sum = Combine.concatenate(terms());
        PeftFolder.write(dir, sum);
        PeftAdapter read = PeftFolder.read(dir);
        for (String m : MODULES) {
            LoraFactors f = read.modules().get(m);
            assertThat(f.rank()).isEqualTo(10);
            double rel = difference(SqueezeTest.delta(f, read.config().useRslora()), weightedSum(terms(), m));
            System.out.printf("concatenation vs weighted sum, %s: relative Frobenius difference %.2e%n", m, rel);
            assertThat(rel).isLessThan(1e-6); // float32 rounding of the scaled factors only
        }
    }

    @Test
    void svdOfTheSumErrsByTheTailOfItsSpectrum() {
        int k = 3;
        Squeeze.Result result = Combine.svd(terms(), k);
        for (String m : MODULES) {
            DoubleMatrix exact = weightedSum(terms(), m);
            SvdResult full = Linalg.backend().svd(exact);
            double tail = 0;
            for (int j = k; j < full.s().length; j++) {
                tail += full.s()[j] * full.s()[j];
            }
            tail = Math.sqrt(tail);
            LoraFactors f = result.adapter().modules().get(m);
            assertThat(f.rank()).isEqualTo(k);
            double error = frobenius(SqueezeTest.delta(f, result.adapter().config().useRslora()), exact);
            System.out.printf("SVD of the sum to rank %d, %s: error %.6f, spectrum tail %.6f%n", k, m, error, tail);
            assertThat(Math.abs(error - tail)).isLessThan(1e-4 * full.s()[0]);
        }
    }

    @Test
    void misfitsAreRefusedInOneLine() {
        PeftAdapter a = adapter(1, 4, 8, false, "tiny", IN);
        assertThatThrownBy(() -> Combine.concatenate(List.of(new Combine.Term("A", a, 1), new Combine.Term("C", adapter(3, 4, 8, false, "other", IN), 1))))
                .hasMessageContaining("base model other").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Combine.concatenate(List.of(new Combine.Term("A", a, 1), new Combine.Term("W", adapter(3, 4, 8, false, "tiny", IN + 1), 1))))
                .hasMessageContaining("q_proj.lora_B.weight").hasMessageContaining("different bases").hasMessageNotContaining("\n");
        Map<String, LoraFactors> one = new LinkedHashMap<>(a.modules());
        one.remove(MODULES.get(1));
        PeftAdapter fewer = new PeftAdapter(a.config(), one);
        assertThatThrownBy(() -> Combine.concatenate(List.of(new Combine.Term("A", a, 1), new Combine.Term("F", fewer, 1))))
                .hasMessageContaining("only A has " + MODULES.get(1)).hasMessageContaining("target modules differ");
        assertThatThrownBy(() -> Combine.concatenate(List.of(new Combine.Term("A", a, 1)))).hasMessageContaining("at least two");
    }
}
