package org.lowrank4j.compress.runtime;

import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * The empirical Fisher of every site's weight for a decoder (spec c02, per-sample variant): for each calibration
 * window d alone, the gradient of its mean next-token cross-entropy {@code L_d} with respect to each W (out × in),
 * squared elementwise and added with {@link LayerStats#accumulateFisher}, so {@code F = Σ_d (∂L_d/∂W)²}. Gradients
 * are zeroed before each window and after the last; weights are not touched.
 */
public final class FisherStatistics {
    private FisherStatistics() {
    }

    /**
     * @param stats statistics per site name, one object per site (as {@link RuntimeCalibration#collect} returns)
     * @throws IllegalStateException when a site's weight is not dense (Fisher is taken on the original model)
     */
    public static void accumulate(DecoderRuntime runtime, Map<String, LayerStats> stats, Progress progress) {
        CausalLanguageModel model = runtime.model();
        requireDenseWithStatistics(runtime.sites(), stats);
        int[][] windows = runtime.windows();
        int time = runtime.windowLength();
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        try {
            for (int d = 0; d < windows.length; d++) {
                progress.update("fisher", d, windows.length, "");
                model.zeroGradients();
                Tensor logits = model.forward(java.util.Arrays.copyOfRange(windows[d], 0, time), 1, time); // (1,T,V)
                loss.forward(logits, java.util.Arrays.copyOfRange(windows[d], 1, time + 1));
                model.backward(loss.backward(1.0));
                addSquaredGradients(runtime.sites(), stats);
            }
            progress.update("fisher", windows.length, windows.length, "");
        } finally {
            model.zeroGradients();
        }
    }

    /** Every site holds a dense weight (Fisher is taken on the original model) and has statistics of its input width. */
    static void requireDenseWithStatistics(List<RuntimeSite> sites, Map<String, LayerStats> stats) {
        for (RuntimeSite site : sites) {
            if (!(site.linear().weight() instanceof DenseWeight)) {
                throw new IllegalStateException("Fisher statistics are taken on the original model, but " + site.name() + " holds "
                        + site.linear().weight().getClass().getSimpleName());
            }
            LayerStats s = stats.get(site.name());
            if (s == null || s.features() != site.inFeatures()) {
                throw new IllegalArgumentException("no statistics of " + site.inFeatures() + " features for " + site.name());
            }
        }
    }

    /** Adds each site's squared weight gradient of the latest backward into its statistics. */
    static void addSquaredGradients(List<RuntimeSite> sites, Map<String, LayerStats> stats) {
        for (RuntimeSite site : sites) {
            Tensor g = ((DenseWeight) site.linear().weight()).weight().gradient(); // (out, in)
            stats.get(site.name()).accumulateFisher(floats(g), site.outFeatures());
        }
    }

    private static float[] floats(Tensor t) {
        if (t instanceof FloatTensor f) {
            return f.data();
        }
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }
}
