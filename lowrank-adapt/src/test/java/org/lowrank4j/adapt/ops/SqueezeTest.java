package org.lowrank4j.adapt.ops;

import static org.assertj.core.api.Assertions.assertThat;

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

/** LoRA-Squeeze (spec 02 "How to test it"): Eckart–Young error identity, k = r exact, energy ranks, PEFT round trip. */
class SqueezeTest {
    private static final int OUT = 64, IN = 48, R = 8;

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** Two modules; the second's update has a fast-decaying spectrum (columns of B scaled by 2^-j). */
    private static PeftAdapter adapter(boolean rslora) {
        Random random = new Random(1);
        Map<String, LoraFactors> modules = new LinkedHashMap<>();
        modules.put("model.layers.0.self_attn.q_proj", new LoraFactors(R, IN, OUT, gaussian(random, R * IN), gaussian(random, OUT * R), 16));
        float[] b = gaussian(random, OUT * R);
        for (int i = 0; i < OUT; i++) {
            for (int j = 0; j < R; j++) {
                b[i * R + j] *= (float) Math.pow(0.1, j);
            }
        }
        modules.put("model.layers.0.self_attn.v_proj", new LoraFactors(R, IN, OUT, gaussian(random, R * IN), b, 16));
        PeftConfig config = PeftConfig.lora(new LoraSettings(R, 16, 0, rslora), List.of("q_proj", "v_proj"), "tiny", "CAUSAL_LM");
        return new PeftAdapter(config, modules);
    }

    /** s·B·A in float64 from the stored floats. */
    static DoubleMatrix delta(LoraFactors f, boolean rslora) {
        double s = rslora ? f.alpha() / Math.sqrt(f.rank()) : f.alpha() / f.rank();
        DoubleMatrix d = DoubleMatrix.zeros(f.out(), f.in());
        for (int i = 0; i < f.out(); i++) {
            for (int j = 0; j < f.in(); j++) {
                double v = 0;
                for (int k = 0; k < f.rank(); k++) {
                    v += (double) f.b()[i * f.rank() + k] * f.a()[k * f.in() + j];
                }
                d.set(i, j, s * v);
            }
        }
        return d;
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
    void truncationErrorIsTheTailOfTheSpectrum() {
        for (boolean rslora : new boolean[] {false, true}) {
            PeftAdapter adapter = adapter(rslora);
            LoraFactors f = adapter.modules().get("model.layers.0.self_attn.q_proj");
            DoubleMatrix dense = delta(f, rslora);
            SvdResult reference = Linalg.backend().svd(dense);
            Squeeze.Result result = Squeeze.apply(adapter, Squeeze.Target.rank(3));
            LoraFactors g = result.adapter().modules().get("model.layers.0.self_attn.q_proj");
            assertThat(g.rank()).isEqualTo(3);
            assertThat(g.alpha()).isEqualTo(rslora ? 16 * Math.sqrt(3.0 / 8) : 6.0);
            double error = frobenius(dense, delta(g, rslora));
            double tail = Math.sqrt(reference.tailEnergy(3));
            System.out.printf("squeeze 8 -> 3 (rslora=%s): |dW - dW'| %.6f, spectral tail %.6f%n", rslora, error, tail);
            assertThat(error).isCloseTo(tail, org.assertj.core.data.Percentage.withPercentage(0.1));
            // k = r keeps the update (float32 factors)
            LoraFactors same = Squeeze.apply(adapter, Squeeze.Target.rank(R)).adapter().modules().get("model.layers.0.self_attn.q_proj");
            assertThat(frobenius(dense, delta(same, rslora)) / Math.sqrt(reference.tailEnergy(0))).isLessThan(1e-6);
        }
    }

    @Test
    void energyThresholdChoosesRanksPerModuleAndTheFolderRoundTrips(@TempDir Path dir) throws IOException {
        Squeeze.Result result = Squeeze.apply(adapter(false), Squeeze.Target.energy(0.9));
        int q = result.modules().get("model.layers.0.self_attn.q_proj").toRank();
        int v = result.modules().get("model.layers.0.self_attn.v_proj").toRank();
        assertThat(v).isLessThan(q);
        assertThat(result.modules().values()).allSatisfy(m -> assertThat(m.keptEnergy()).isGreaterThanOrEqualTo(0.9));
        PeftFolder.write(dir, result.adapter());
        PeftAdapter back = PeftFolder.read(dir);
        assertThat(back.modules().get("model.layers.0.self_attn.q_proj").rank()).isEqualTo(q);
        assertThat(back.modules().get("model.layers.0.self_attn.v_proj").rank()).isEqualTo(v);
        assertThat(back.config().rankPattern()).hasSize(1);
        // per-module α keeps each module's scaling s = 16/8 = 2
        for (LoraFactors f : back.modules().values()) {
            assertThat(f.alpha() / f.rank()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-12));
        }
    }
}
