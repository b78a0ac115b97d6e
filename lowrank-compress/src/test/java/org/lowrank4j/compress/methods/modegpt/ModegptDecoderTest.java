package org.lowrank4j.compress.methods.modegpt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.route.CompressionRun;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.BlockShape;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.StructuredFolder;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** MoDeGPT on a small random LLaMA decoder: shapes, exactness at ratio 0, the folder round trip and the compress route. */
class ModegptDecoderTest {

    private static HfConfig config() {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(40).numHiddenLayers(3).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
    }

    private static LlamaModel model() {
        LlamaModel m = LlamaModel.create(config(), Precision.FLOAT32);
        m.initialize(new Random(3));
        return m;
    }

    private static int[][] windows(int count, int length, long seed) {
        Random r = new Random(seed);
        int[][] out = new int[count][length + 1];
        for (int[] w : out) {
            for (int i = 0; i < w.length; i++) {
                w[i] = 32 + r.nextInt(90);
            }
        }
        return out;
    }

    private static double maxDifference(Tensor a, Tensor b) {
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            worst = Math.max(worst, Math.abs(a.get(i) - b.get(i)));
        }
        return worst;
    }

    @Test
    void ratioZeroKeepsEveryModuleAndTheLogits() {
        LlamaModel original = model();
        List<ModuleStatistics> stats = ModuleStatistics.collect(original, windows(4, 24, 1), 24, 2, Listener.NONE);
        ModegptDecoder.Outcome out = ModegptDecoder.compress(original, stats, 0, ModegptOptions.defaults());
        assertThat(out.targetedAfter()).isEqualTo(out.targetedBefore());
        int[] ids = windows(2, 15, 2)[0];
        assertThat(maxDifference(original.forward(ids, 1, 16), out.model().forward(ids, 1, 16))).isLessThan(1e-6);
    }

    @Test
    void narrowedModelHasTheAllocatedShapesAndIsWrittenAndReloadedWithTheSameLogits(@TempDir Path dir) throws Exception {
        LlamaModel original = model();
        List<ModuleStatistics> stats = ModuleStatistics.collect(original, windows(6, 24, 4), 24, 4, Listener.NONE);
        assertThat(stats).hasSize(3).allSatisfy(s -> assertThat(s.influence()).isBetween(0.0, 2.0));
        ModegptDecoder.Outcome out = ModegptDecoder.compress(original, stats, 0.3, ModegptOptions.defaults());
        LlamaModel narrowed = out.model();
        long after = 0;
        for (int l = 0; l < 3; l++) {
            BlockShape s = narrowed.blockShapes().get(l);
            double keep = 1 - out.sparsity()[l];
            assertThat(s.intermediateSize()).isEqualTo(Math.max(1, (int) (40 * keep)));
            assertThat(s.valueSize()).isEqualTo(Math.max(1, (int) (8 * keep)));
            assertThat(s.queryKeySize() % 2).isZero();
        }
        for (Linear linear : narrowed.linearSites().values()) {
            after += (long) linear.inFeatures() * linear.outFeatures();
        }
        assertThat(after).isEqualTo(out.targetedAfter());
        assertThat(out.achievedRatio()).isGreaterThanOrEqualTo(0.3 - 1e-9).isLessThan(0.45);

        int[] ids = windows(1, 20, 5)[0];
        Path folder = dir.resolve("narrow");
        StructuredFolder.write(narrowed, folder, null, new StructuredFolder.Manifest(1, "test", "modegpt", narrowed.blockShapes()));
        LlamaModel loaded = LlamaModel.load(folder, Precision.FLOAT32);
        assertThat(loaded.forward(ids, 1, 21).toDoubleArray()).containsExactly(narrowed.forward(ids, 1, 21).toDoubleArray());
        assertThat(Perplexity.evaluate(loaded, ids, 20, ids.length).perplexity()).isFinite();

        assertThatThrownBy(() -> ModegptDecoder.compress(loaded, stats, 0.3, ModegptOptions.defaults())).hasMessageContaining("already narrowed");
        assertThatThrownBy(() -> ModegptDecoder.compress(original, stats, 0.9, ModegptOptions.defaults())).hasMessageContaining("cap=0.8");
    }

    @Test
    void compressRouteWritesAStructuredFolderThatLoads(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("decoder"));
        model().save(model);
        ByteTokenizer.writeJson(model);
        Path calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(40)));
        Path out = dir.resolve("narrow");
        CompressionRun run = Compression.run(CompressionRequest.builder().model(model).calibration(calib).method("modegpt:allocation=uniform")
                .ratio(0.25).calibrationWindows(4).out(out).build(), Listener.NONE);
        assertThat(StructuredFolder.readManifest(out)).isPresent();
        LlamaModel loaded = LlamaModel.load(out, Precision.FLOAT32);
        assertThat(run.outcome().modelParametersAfter()).isEqualTo(loaded.parameterCount());
        assertThat(loaded.blockShapes()).allSatisfy(s -> assertThat(s.intermediateSize()).isEqualTo(30));
        assertThat((double) run.outcome().details().get("achieved_targeted_ratio")).isGreaterThanOrEqualTo(0.25);

        assertThatThrownBy(() -> Compression.run(CompressionRequest.builder().model(model).calibration(calib).method("modegpt").targetSize("1MB")
                .out(dir.resolve("x")).build(), Listener.NONE)).hasMessageContaining("takes --ratio");
        assertThatThrownBy(() -> Compression.run(CompressionRequest.builder().model(model).calibration(calib).method("modegpt:eps=1").ratio(0.2)
                .out(dir.resolve("y")).build(), Listener.NONE)).hasMessageContaining("no option 'eps'");
        assertThatThrownBy(() -> Compression.run(CompressionRequest.builder().model(out).calibration(calib).method("modegpt").ratio(0.2)
                .out(dir.resolve("z")).build(), Listener.NONE)).hasMessageContaining("already a compressed model folder");
    }
}
