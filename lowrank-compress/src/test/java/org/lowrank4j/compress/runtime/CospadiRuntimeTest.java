package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.Dictionary;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.weight.DictionaryWeight;

/** CoSpaDi results in the JVM runtime: sparse dictionary weights that compute what their dense form computes. */
class CospadiRuntimeTest {
    private static final int[] IDS = java.util.Arrays.copyOf(TinyModels.text(64), 2 * TinyModels.CONTEXT);

    @Test
    void dictionaryWeightsGiveTheLogitsOfTheirDenseFormAndShareOneDictionaryPerGroup() {
        LlamaModel model = TinyModels.decoder(11);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(2), 2);
        double[] original = model.forward(IDS, 2, TinyModels.CONTEXT).toDoubleArray();
        RuntimeCompression job = new RuntimeCompression(runtime);
        job.calibrate(Progress.NONE);
        CompressionResult result = Methods.crossLayerByName("cospadi:group=2:iterations=2").prepare(job.weights(), job.stats(), 0.3, Progress.NONE)
                .build(0.3, new UniformAllocator());
        assertThat(result.sites()).allMatch(s -> s.factorization() instanceof Dictionary);
        assertThat(result.achievedRatio()).isGreaterThanOrEqualTo(0.3);
        job.install(result);
        assertThat(runtime.sites()).allMatch(s -> s.linear().weight() instanceof DictionaryWeight);
        DictionaryWeight first = (DictionaryWeight) runtime.sites().get(0).linear().weight();
        long sharing = runtime.sites().stream().filter(s -> ((DictionaryWeight) s.linear().weight()).dictionary() == first.dictionary()).count();
        assertThat(sharing).isEqualTo(2); // block 0 and block 1 of the same role
        double[] sparse = model.forward(IDS, 2, TinyModels.CONTEXT).toDoubleArray();

        List<SiteResult> dense = new ArrayList<>();
        for (SiteResult s : result.sites()) {
            dense.add(new SiteResult(s.weight(), s.rank(), new Dense(s.factorization().toDense()), s.spectrum(), s.relativeLoss()));
        }
        new WeightInstaller(runtime.sites()).install(new CompressionResult("dense", "none", 0.3, dense, 0, 0));
        double[] merged = model.forward(IDS, 2, TinyModels.CONTEXT).toDoubleArray();
        double max = 0, moved = 0;
        for (int i = 0; i < merged.length; i++) {
            max = Math.max(max, Math.abs(sparse[i] - merged[i]));
            moved = Math.max(moved, Math.abs(sparse[i] - original[i]));
        }
        assertThat(max).isLessThan(1e-4);
        assertThat(moved).isGreaterThan(1e-3);
    }
}
