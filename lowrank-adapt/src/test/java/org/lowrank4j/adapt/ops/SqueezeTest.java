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

    /** ‖a − b‖_F. */
    static double frobenius(DoubleMatrix a, DoubleMatrix b) {
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
    void theResultsKeptEnergyIsTheShareOfAllModulesSigmaSquaredKept() {
        Squeeze.Result result = Squeeze.apply(adapter(false), Squeeze.Target.rank(3));
        double kept = 0, total = 0;
        for (Squeeze.ModuleReport m : result.modules().values()) { // per module keptEnergy × its total
            double moduleTotal = head(m.singular(), m.singular().length);
            total += moduleTotal;
            kept += m.keptEnergy() * moduleTotal;
        }
        assertThat(result.keptEnergy()).isCloseTo(kept / total, org.assertj.core.data.Offset.offset(1e-12)).isLessThan(1);
        assertThat(Squeeze.apply(adapter(false), Squeeze.Target.energy(1.0)).keptEnergy()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
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

    @Test
    void aBudgetKeepsTheMostEnergyThatFitsAcrossModules() {
        PeftAdapter adapter = adapter(false);
        Squeeze.Result everything = Squeeze.apply(adapter, Squeeze.Target.energy(1.0));
        double[] q = everything.modules().get("model.layers.0.self_attn.q_proj").singular();
        double[] v = everything.modules().get("model.layers.0.self_attn.v_proj").singular();
        int perRank = IN + OUT;
        for (int total = 2; total <= 2 * R; total++) {
            Squeeze.Result result = Squeeze.apply(adapter, Squeeze.Target.budget((long) total * perRank + perRank / 2));
            int kq = result.modules().get("model.layers.0.self_attn.q_proj").toRank();
            int kv = result.modules().get("model.layers.0.self_attn.v_proj").toRank();
            assertThat(result.adapter().parameterCount()).isEqualTo((long) (kq + kv) * perRank);
            assertThat(kq + kv).isEqualTo(total);
            double best = 0; // every split of the ranks, one at least per module: the greedy choice must be the best
            for (int a = 1; a <= Math.min(R, total - 1); a++) {
                if (total - a <= R) {
                    best = Math.max(best, head(q, a) + head(v, total - a));
                }
            }
            assertThat(head(q, kq) + head(v, kv)).isCloseTo(best, org.assertj.core.data.Offset.offset(1e-9 * best));
        }
        // the fast-decaying v update gets fewer directions than q at a middle budget
        Squeeze.Result middle = Squeeze.apply(adapter, Squeeze.Target.budget(8L * perRank));
        assertThat(middle.modules().get("model.layers.0.self_attn.v_proj").toRank())
                .isLessThan(middle.modules().get("model.layers.0.self_attn.q_proj").toRank());
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Squeeze.apply(adapter, Squeeze.Target.budget(perRank))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least " + 2 * perRank);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Squeeze.Target.budget(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--budget");
    }

    /** σ_1² + … + σ_k². */
    private static double head(double[] sigma, int k) {
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += sigma[i] * sigma[i];
        }
        return sum;
    }

    @Test
    void theActivationAwareSqueezeMinimisesTheOutputErrorOverItsInputs() {
        PeftAdapter adapter = adapter(false);
        Random random = new Random(3);
        int n = 400;
        DoubleMatrix x = correlatedRows(n, IN, random);
        DoubleMatrix gram = Linalg.multiply(x.transpose(), x);
        double meanDiag = 0;
        for (int i = 0; i < IN; i++) {
            meanDiag += gram.get(i, i) / n / IN;
        }
        for (int i = 0; i < IN * IN; i++) {
            gram.data()[i] /= n;
        }
        Map<String, DoubleMatrix> grams = new LinkedHashMap<>();
        for (String m : adapter.modules().keySet()) {
            grams.put(m, gram);
        }
        double lambda = Squeeze.DAMPING * meanDiag;
        for (String m : adapter.modules().keySet()) {
            DoubleMatrix dense = delta(adapter.modules().get(m), false);
            Squeeze.Result aware = Squeeze.apply(adapter, Squeeze.Target.rank(3), grams);
            DoubleMatrix plainDelta = delta(Squeeze.apply(adapter, Squeeze.Target.rank(3)).adapter().modules().get(m), false);
            DoubleMatrix awareDelta = delta(aware.adapter().modules().get(m), false);
            // the damped objective ‖X(ΔW − ΔW')ᵀ‖²/n + λ‖ΔW − ΔW'‖² equals the tail of the whitened spectrum, and no other rank-3 update does better
            double awareObjective = outputError(x, dense, awareDelta) + lambda * Math.pow(frobenius(dense, awareDelta), 2);
            double plainObjective = outputError(x, dense, plainDelta) + lambda * Math.pow(frobenius(dense, plainDelta), 2);
            double[] sigma = aware.modules().get(m).singular();
            double tail = 0;
            for (int i = 3; i < sigma.length; i++) {
                tail += sigma[i] * sigma[i];
            }
            System.out.printf("%s squeeze 8 -> 3: output error %.5f activation-aware, %.5f plain%n", m, outputError(x, dense, awareDelta),
                    outputError(x, dense, plainDelta));
            assertThat(awareObjective).isCloseTo(tail, org.assertj.core.data.Percentage.withPercentage(0.1));
            assertThat(awareObjective).isLessThan(plainObjective);
        }
        Map<String, DoubleMatrix> missing = new LinkedHashMap<>(grams);
        missing.remove("model.layers.0.self_attn.v_proj");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Squeeze.apply(adapter, Squeeze.Target.rank(3), missing)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.layers.0.self_attn.v_proj")
                .hasMessageContaining("input Gram matrix");
    }

    @Test
    void theFisherWeightedSqueezeMinimisesTheKfacEstimateOfTheLossRise() {
        PeftAdapter adapter = adapter(false);
        Random random = new Random(11);
        DoubleMatrix inputs = scaledGram(IN, 300, random), gradients = scaledGram(OUT, 300, random);
        Map<String, DoubleMatrix> in = new LinkedHashMap<>(), out = new LinkedHashMap<>();
        for (String m : adapter.modules().keySet()) {
            in.put(m, inputs);
            out.put(m, gradients);
        }
        DoubleMatrix g = damped(inputs), d = damped(gradients);
        Squeeze.Result fisher = Squeeze.apply(adapter, Squeeze.Target.rank(3), in, out);
        Squeeze.Result aware = Squeeze.apply(adapter, Squeeze.Target.rank(3), in);
        for (String m : adapter.modules().keySet()) {
            DoubleMatrix dense = delta(adapter.modules().get(m), false);
            // tr(E·G·Eᵀ·D) over the damped matrices is the tail of the doubly whitened spectrum, below the activation-aware error
            double fisherRise = kfac(dense, delta(fisher.adapter().modules().get(m), false), g, d);
            double awareRise = kfac(dense, delta(aware.adapter().modules().get(m), false), g, d);
            double[] sigma = fisher.modules().get(m).singular();
            double tail = 0;
            for (int i = 3; i < sigma.length; i++) {
                tail += sigma[i] * sigma[i];
            }
            System.out.printf("%s squeeze 8 -> 3: K-FAC loss rise %.5f Fisher-weighted, %.5f activation-aware%n", m, fisherRise, awareRise);
            assertThat(fisherRise).isCloseTo(tail, org.assertj.core.data.Percentage.withPercentage(0.1));
            assertThat(fisherRise).isLessThan(awareRise);
            // the factors come out balanced, each direction's column of B' as long as its row of A', as after a plain squeeze
            for (Squeeze.Result result : List.of(fisher, aware)) {
                LoraFactors f = result.adapter().modules().get(m);
                for (int j = 0; j < f.rank(); j++) {
                    double column = 0, row = 0;
                    for (int i = 0; i < f.out(); i++) {
                        column += f.b()[i * f.rank() + j] * f.b()[i * f.rank() + j];
                    }
                    for (int i = 0; i < f.in(); i++) {
                        row += f.a()[j * f.in() + i] * f.a()[j * f.in() + i];
                    }
                    assertThat(Math.sqrt(column)).isCloseTo(Math.sqrt(row), org.assertj.core.data.Percentage.withPercentage(1e-3));
                }
            }
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Squeeze.apply(adapter, Squeeze.Target.rank(3), null, out)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input Gram matrices");
        Map<String, DoubleMatrix> wrong = new LinkedHashMap<>(out);
        wrong.put("model.layers.0.self_attn.q_proj", inputs);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Squeeze.apply(adapter, Squeeze.Target.rank(3), in, wrong)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.layers.0.self_attn.q_proj")
                .hasMessageContaining("output-gradient Gram matrix");
    }

    /** n rows of correlated values whose columns have very unequal scales (n × size). */
    static DoubleMatrix correlatedRows(int n, int size, Random random) {
        DoubleMatrix mix = DoubleMatrix.gaussian(size, size, random);
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < size; i++) {
                mix.set(i, j, mix.get(i, j) * Math.pow(0.85, j));
            }
        }
        return Linalg.multiply(DoubleMatrix.gaussian(n, size, random), mix);
    }

    /** XᵀX/n of {@link #correlatedRows}. */
    private static DoubleMatrix scaledGram(int size, int n, Random random) {
        DoubleMatrix x = correlatedRows(n, size, random);
        DoubleMatrix gram = Linalg.multiply(x.transpose(), x);
        for (int i = 0; i < size * size; i++) {
            gram.data()[i] /= n;
        }
        return gram;
    }

    /** G + λI with λ the squeeze's damping share of G's mean diagonal. */
    static DoubleMatrix damped(DoubleMatrix gram) {
        double meanDiag = 0;
        for (int i = 0; i < gram.rows(); i++) {
            meanDiag += gram.get(i, i) / gram.rows();
        }
        DoubleMatrix out = gram.copy();
        for (int i = 0; i < gram.rows(); i++) {
            out.set(i, i, out.get(i, i) + Squeeze.DAMPING * meanDiag);
        }
        return out;
    }

    /** tr(E·G·Eᵀ·D) for E = a − b. */
    private static double kfac(DoubleMatrix a, DoubleMatrix b, DoubleMatrix g, DoubleMatrix d) {
        DoubleMatrix e = a.copy();
        for (int i = 0; i < e.rows(); i++) {
            for (int j = 0; j < e.cols(); j++) {
                e.set(i, j, a.get(i, j) - b.get(i, j));
            }
        }
        DoubleMatrix m = Linalg.multiply(Linalg.multiply(Linalg.multiply(e, g), e.transpose().compact()), d);
        double trace = 0;
        for (int i = 0; i < m.rows(); i++) {
            trace += m.get(i, i);
        }
        return trace;
    }

    /** ‖X(a − b)ᵀ‖²_F / n. */
    private static double outputError(DoubleMatrix x, DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix d = a.copy();
        for (int i = 0; i < d.rows(); i++) {
            for (int j = 0; j < d.cols(); j++) {
                d.set(i, j, a.get(i, j) - b.get(i, j));
            }
        }
        DoubleMatrix y = Linalg.multiply(x, d.transpose().compact());
        double sum = 0;
        for (double v : y.toArray()) {
            sum += v * v;
        }
        return sum / x.rows();
    }
}
