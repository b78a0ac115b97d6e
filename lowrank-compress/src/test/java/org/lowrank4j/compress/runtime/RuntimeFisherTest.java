package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** Fisher statistics: Σ over windows of the squared per-window gradient, model left untouched. */
class RuntimeFisherTest {

    @Test
    void fisherIsTheSumOfSquaredPerWindowGradients() {
        LlamaModel model = TinyModels.decoder(4);
        int[][] windows = TinyModels.windows(3);
        DecoderRuntime runtime = new DecoderRuntime(model, windows, 2);
        double[] before = values(model);
        Map<String, LayerStats> stats = RuntimeCalibration.collect(runtime, Progress.NONE);
        FisherStatistics.accumulate(runtime, stats, Progress.NONE);
        assertThat(values(model)).containsExactly(before);
        for (Parameter p : model.parameters()) {
            assertThat(p.gradient().norm()).as(p.name()).isZero();
        }

        // The oracle: each window's gradient on its own, squared in float64 and summed.
        int t = TinyModels.CONTEXT;
        Map<String, double[]> expected = new java.util.HashMap<>();
        for (int[] w : windows) {
            model.zeroGradients();
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.forward(model.forward(Arrays.copyOfRange(w, 0, t), 1, t), Arrays.copyOfRange(w, 1, t + 1));
            model.backward(loss.backward(1.0));
            for (RuntimeSite s : runtime.sites()) {
                Tensor g = ((DenseWeight) s.linear().weight()).weight().gradient();
                double[] sum = expected.computeIfAbsent(s.name(), k -> new double[g.size()]);
                for (int i = 0; i < g.size(); i++) {
                    sum[i] += g.get(i) * g.get(i);
                }
            }
        }
        model.zeroGradients();
        for (RuntimeSite s : runtime.sites()) {
            LayerStats st = stats.get(s.name());
            assertThat(st.fisherSamples()).isEqualTo(3);
            assertThat(st.fisher().rows()).isEqualTo(s.outFeatures());
            double[] want = expected.get(s.name());
            double scale = Arrays.stream(want).max().orElse(0);
            assertThat(scale).as(s.name()).isPositive();
            for (int i = 0; i < want.length; i++) {
                assertThat(Math.abs(st.fisher().get(i / s.inFeatures(), i % s.inFeatures()) - want[i])).as(s.name()).isLessThan(1e-9 * scale);
            }
        }
    }

    @Test
    void aMethodThatNeedsGradientsGetsTheFisherOnTheRuntimePath() {
        LlamaModel model = TinyModels.decoder(5);
        RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(model, TinyModels.windows(3), 3));
        var result = job.compress(org.lowrank4j.compress.methods.Methods.byName("fwsvd"), new org.lowrank4j.compress.allocation.UniformAllocator(),
                0.3, Progress.NONE);
        assertThat(result.achievedRatio()).isPositive();
        assertThat(job.stats().values()).allSatisfy(s -> assertThat(s.fisherSamples()).isEqualTo(3));
        job.restore();
    }

    private static double[] values(LlamaModel model) {
        return model.parameters().stream().flatMapToDouble(p -> Arrays.stream(p.value().toDoubleArray())).toArray();
    }
}
