package org.lowrank4j.adapt.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The compensated squeeze: each module's truncation minimises the weighted output error against the original adapter's
 * outputs from the inputs it now sees; with no shift in its inputs it is the one-module squeeze; in a decoder the first
 * group of modules is squeezed exactly as the one-module squeeze does and later ones differ.
 */
class CompensatedSqueezeTest {
    private static final int N = 300, IN = 12, OUT = 10, R = 6, K = 2;

    @Test
    void eachModulesTruncationMinimisesItsWeightedOutputErrorAgainstTheOriginalOutputs() {
        Random random = new Random(3);
        DoubleMatrix x = SqueezeTest.correlatedRows(N, IN, random);                       // what the original adapter's modules gave this one
        DoubleMatrix shifted = x.copy();                            // what it sees once the modules before it are squeezed
        DoubleMatrix noise = SqueezeTest.correlatedRows(N, IN, random);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < IN; j++) {
                shifted.set(i, j, x.get(i, j) + 0.3 * noise.get(i, j));
            }
        }
        DoubleMatrix gram = scaled(Linalg.multiply(shifted.transpose(), shifted), 1.0 / N);
        DoubleMatrix cross = scaled(Linalg.multiply(x.transpose(), shifted), 1.0 / N);
        DoubleMatrix gradients = SqueezeTest.correlatedRows(N, OUT, random);
        DoubleMatrix fisher = scaled(Linalg.multiply(gradients.transpose(), gradients), 1.0 / N);
        DoubleMatrix w0 = DoubleMatrix.gaussian(OUT, IN, random);
        LoraFactors f = new LoraFactors(R, IN, OUT, floats(R * IN, random), floats(OUT * R, random), 2 * R);
        Objective objective = new Objective(x, shifted, w0, SqueezeTest.delta(f, false), fisher, gram);

        DoubleMatrix l = Squeeze.whitener("m", gram, IN, "input");
        CompensatedSqueeze.Module squeezed = CompensatedSqueeze.squeezeModule("m", w0, f, false, K, gram, l, cross, fisher);
        CompensatedSqueeze.Module unconstrained = CompensatedSqueeze.squeezeModule("m", w0, f, false, IN, gram, l, cross, fisher);
        CompensatedSqueeze.Module uncompensated = CompensatedSqueeze.squeezeModule("m", w0, f, false, K, gram, l, gram, fisher);
        assertThat(squeezed.factors().rank()).isEqualTo(K);
        DoubleMatrix best = SqueezeTest.delta(squeezed.factors(), false);
        double error = objective.at(best);
        // the rise over the full-rank optimum is the tail of the whitened spectrum
        double[] sigma = squeezed.report().singular();
        double tail = 0;
        for (int i = K; i < sigma.length; i++) {
            tail += sigma[i] * sigma[i];
        }
        double floor = objective.at(SqueezeTest.delta(unconstrained.factors(), false));
        assertThat(error - floor).isCloseTo(tail, Percentage.withPercentage(1e-4));
        // below the update truncated for the shifted inputs alone, and below the original update itself
        double alone = objective.at(SqueezeTest.delta(uncompensated.factors(), false));
        System.out.printf("weighted output error: compensated %.5f, uncompensated %.5f, full-rank optimum %.5f, unsqueezed %.5f%n", error,
                alone, floor, objective.at(objective.delta));
        assertThat(error).isLessThan(alone);
        assertThat(floor).isLessThan(objective.at(objective.delta));
        // and below every nearby rank-K update
        LoraFactors kept = squeezed.factors();
        for (int trial = 0; trial < 20; trial++) {
            float[] a = kept.a().clone(), b = kept.b().clone();
            for (int i = 0; i < a.length; i++) {
                a[i] += (float) (1e-2 * random.nextGaussian());
            }
            for (int i = 0; i < b.length; i++) {
                b[i] += (float) (1e-2 * random.nextGaussian());
            }
            assertThat(objective.at(SqueezeTest.delta(new LoraFactors(K, IN, OUT, a, b, kept.alpha()), false))).isGreaterThan(error);
        }
    }

    @Test
    void withoutAShiftInItsInputsAModuleIsSqueezedAsTheOneModuleSqueezeDoes() {
        Random random = new Random(5);
        DoubleMatrix x = SqueezeTest.correlatedRows(N, IN, random);
        DoubleMatrix gram = scaled(Linalg.multiply(x.transpose(), x), 1.0 / N);
        DoubleMatrix gradients = SqueezeTest.correlatedRows(N, OUT, random);
        DoubleMatrix fisher = scaled(Linalg.multiply(gradients.transpose(), gradients), 1.0 / N);
        LoraFactors f = new LoraFactors(R, IN, OUT, floats(R * IN, random), floats(OUT * R, random), 2 * R);
        String module = "model.layers.0.self_attn.q_proj";
        PeftAdapter adapter = new PeftAdapter(PeftConfig.lora(LoraSettings.of(R, 2 * R), List.of("q_proj"), "tiny", "CAUSAL_LM"), Map.of(module, f));
        for (DoubleMatrix weights : new DoubleMatrix[] {fisher, null}) {
            LoraFactors one = Squeeze.apply(adapter, Squeeze.Target.rank(K), Map.of(module, gram), weights == null ? null : Map.of(module, weights))
                    .adapter().modules().get(module);
            LoraFactors compensated = CompensatedSqueeze.squeezeModule(module, DoubleMatrix.gaussian(OUT, IN, random), f, false, K, gram,
                    Squeeze.whitener(module, gram, IN, "input"), gram, weights).factors();
            assertClose(SqueezeTest.delta(compensated, false), SqueezeTest.delta(one, false), 1e-5);
        }
    }

    @Test
    void inADecoderTheFirstGroupIsSqueezedAsAloneAndLaterModulesCompensate() {
        PeftAdapter adapter = SqueezeCalibrationTest.adapter(TinyModels.llama(Precision.FLOAT32, 5));
        int[] tokens = tokens(TinyModels.llama(Precision.FLOAT32, 5).maxPositions() * 3 + 1, new Random(2));
        SqueezeCalibration.Grams grams = SqueezeCalibration.grams(TinyModels.llama(Precision.FLOAT32, 5), adapter, tokens, 3, true);
        Squeeze.Result alone = Squeeze.apply(adapter, Squeeze.Target.rank(2), grams.inputs(), grams.outputGradients());
        List<String> progress = new ArrayList<>();
        Squeeze.Result compensated = CompensatedSqueeze.apply(TinyModels.llama(Precision.FLOAT32, 5), adapter, Squeeze.Target.rank(2), tokens, 3,
                true, (phase, done, all) -> progress.add(phase + " " + done + "/" + all));
        assertThat(compensated.adapter().modules().keySet()).containsExactlyElementsOf(adapter.modules().keySet());
        assertThat(compensated.adapter().modules().values()).allSatisfy(f -> assertThat(f.rank()).isEqualTo(2));
        assertThat(progress).containsExactly("calibration windows 1/3", "calibration windows 2/3", "calibration windows 3/3",
                "module groups 1/4", "module groups 2/4", "module groups 3/4", "module groups 4/4"); // (q, k, v) and o in each of two layers
        for (String m : adapter.modules().keySet()) {
            DoubleMatrix c = SqueezeTest.delta(compensated.adapter().modules().get(m), false);
            DoubleMatrix a = SqueezeTest.delta(alone.adapter().modules().get(m), false);
            if (m.startsWith("model.layers.0.self_attn.") && !m.endsWith("o_proj")) {
                assertClose(c, a, 1e-4);  // nothing before them was squeezed
            } else {
                assertThat(SqueezeTest.frobenius(c, a)).isGreaterThan(1e-3 * norm(a));
            }
        }
        // a budget is spent as the one-module squeeze spends it
        long budget = adapter.parameterCount() / 3;
        Squeeze.Result byBudget = CompensatedSqueeze.apply(TinyModels.llama(Precision.FLOAT32, 5), adapter, Squeeze.Target.budget(budget), tokens,
                3, false, null);
        Squeeze.Result aloneByBudget = Squeeze.apply(adapter, Squeeze.Target.budget(budget), grams.inputs());
        for (String m : adapter.modules().keySet()) {
            assertThat(byBudget.modules().get(m).toRank()).isEqualTo(aloneByBudget.modules().get(m).toRank());
        }
        assertThat(byBudget.adapter().parameterCount()).isLessThanOrEqualTo(budget);
        assertThatThrownBy(() -> CompensatedSqueeze.apply(TinyModels.llama(Precision.FLOAT32, 5), adapter, Squeeze.Target.rank(2), new int[10], 1,
                true, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("calibration text has 10 tokens");
    }

    @Test
    void theLastModuleIsFittedToTheInputsAWholeForwardOfTheSqueezedModulesGivesIt() {
        // The squeeze keeps each window's state between blocks instead of running the model from its embedding for every
        // group; here the last module's X and X̃ come from whole forwards, and its squeeze must be the same.
        PeftAdapter adapter = SqueezeCalibrationTest.adapter(TinyModels.llama(Precision.FLOAT32, 5));
        int[] tokens = tokens(TinyModels.llama(Precision.FLOAT32, 5).maxPositions() * 3 + 1, new Random(4));
        Squeeze.Result compensated = CompensatedSqueeze.apply(TinyModels.llama(Precision.FLOAT32, 5), adapter, Squeeze.Target.rank(2), tokens, 3,
                true, null);
        String last = "model.layers.1.self_attn.o_proj";
        assertThat(adapter.modules()).containsKey(last);

        SqueezeCalibration.Grams grams = SqueezeCalibration.grams(TinyModels.llama(Precision.FLOAT32, 5), adapter, tokens, 3, true);
        org.lowrank4j.nn.arch.llama.LlamaModel model = TinyModels.llama(Precision.FLOAT32, 5);
        org.lowrank4j.adapt.lora.LoraModel lora = org.lowrank4j.adapt.lora.LoraModel.over(org.lowrank4j.adapt.lora.ModulePaths.decoder(model), 0);
        org.lowrank4j.adapt.peft.PeftFolder.apply(adapter, lora, "original", Precision.FLOAT32);
        org.lowrank4j.adapt.peft.PeftFolder.apply(compensated.adapter(), lora, "squeezed", Precision.FLOAT32);
        Map<String, org.lowrank4j.adapt.lora.LoraWeight> layers = lora.adaptedLayers();
        org.lowrank4j.adapt.lora.LoraWeight target = layers.get(last);
        int in = target.inFeatures();
        DoubleMatrix gram = DoubleMatrix.zeros(in, in), cross = DoubleMatrix.zeros(in, in);
        DoubleMatrix[] seen = new DoubleMatrix[1];
        target.observeInputs(x -> seen[0] = x.matrix(x.size() / in, in).toDouble().copy());
        long n = 0;
        for (org.lowrank4j.nn.train.TokenWindows.Batch b : SqueezeCalibration.windows(model, tokens, 3)) {
            int[] ids = b.inputs()[0];
            layers.values().forEach(w -> w.setActive(java.util.Set.of("original")));
            model.forward(ids, 1, ids.length);
            DoubleMatrix x = seen[0];
            // every module before it squeezed (its own adapter does not change its input)
            layers.forEach((m, w) -> w.setActive(java.util.Set.of(m.equals(last) ? "original" : "squeezed")));
            model.forward(ids, 1, ids.length);
            DoubleMatrix shifted = seen[0];
            gram = sum(gram, Linalg.multiply(shifted.transpose(), shifted), 1);
            cross = sum(cross, Linalg.multiply(x.transpose(), shifted), 1);
            n += ids.length;
        }
        gram = scaled(gram, 1.0 / n);
        cross = scaled(cross, 1.0 / n);
        CompensatedSqueeze.Module expected = CompensatedSqueeze.squeezeModule(last, target.base().toDense().matrix().toDouble(),
                adapter.modules().get(last), adapter.config().useRslora(), 2, gram, Squeeze.whitener(last, gram, in, "input"), cross,
                grams.outputGradients().get(last));
        assertClose(SqueezeTest.delta(compensated.adapter().modules().get(last), false), SqueezeTest.delta(expected.factors(), false), 1e-4);
        assertThatThrownBy(() -> CompensatedSqueeze.blockOf("lm_head")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lm_head is not a module of a decoder block");
    }

    /** J(P) = tr(Z·D·Zᵀ)/n + λ·tr((P − ΔW)ᵀ·D·(P − ΔW)), Z = X·Wᵀ − X̃·(W0 + P)ᵀ, D and λ damped as the squeeze damps them. */
    private record Objective(DoubleMatrix x, DoubleMatrix shifted, DoubleMatrix w0, DoubleMatrix delta, DoubleMatrix fisher, DoubleMatrix gram) {
        double at(DoubleMatrix p) {
            DoubleMatrix d = SqueezeTest.damped(fisher);
            double lambda = Squeeze.DAMPING * meanDiagonal(gram);
            DoubleMatrix w = sum(w0, delta, 1), mine = sum(w0, p, 1);
            DoubleMatrix z = sum(Linalg.multiply(x, w.transpose().compact()), Linalg.multiply(shifted, mine.transpose().compact()), -1);
            DoubleMatrix e = sum(p, delta, -1);
            return trace(Linalg.multiply(Linalg.multiply(z, d), z.transpose().compact())) / x.rows()
                    + lambda * trace(Linalg.multiply(Linalg.multiply(e.transpose().compact(), d), e));
        }
    }

    static int[] tokens(int n, Random random) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = 32 + random.nextInt(90);
        }
        return tokens;
    }

    private static float[] floats(int n, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 * random.nextGaussian());
        }
        return v;
    }

    private static DoubleMatrix scaled(DoubleMatrix m, double by) {
        DoubleMatrix out = m.copy();
        for (int i = 0; i < out.data().length; i++) {
            out.data()[i] *= by;
        }
        return out;
    }

    private static DoubleMatrix sum(DoubleMatrix a, DoubleMatrix b, double by) {
        DoubleMatrix out = DoubleMatrix.zeros(a.rows(), a.cols());
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                out.set(i, j, a.get(i, j) + by * b.get(i, j));
            }
        }
        return out;
    }

    private static double meanDiagonal(DoubleMatrix m) {
        double sum = 0;
        for (int i = 0; i < m.rows(); i++) {
            sum += m.get(i, i);
        }
        return sum / m.rows();
    }

    private static double trace(DoubleMatrix m) {
        double sum = 0;
        for (int i = 0; i < m.rows(); i++) {
            sum += m.get(i, i);
        }
        return sum;
    }

    private static double norm(DoubleMatrix m) {
        return SqueezeTest.frobenius(m, DoubleMatrix.zeros(m.rows(), m.cols()));
    }

    private static void assertClose(DoubleMatrix actual, DoubleMatrix expected, double relative) {
        assertThat(SqueezeTest.frobenius(actual, expected)).isCloseTo(0, Offset.offset(relative * norm(expected)));
    }
}
