package org.lowrank4j.compress.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/** End to end on the real all-MiniLM-L6-v2: calibrate, compress with each method, load the result, compare. */
class OnnxCompressionTest {
    private static HfTokenizer tokenizer;
    private static OnnxCompression job;
    private static List<String> heldOut;
    private static float[][] reference;

    @BeforeAll
    static void calibrateOnce() throws Exception {
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
        job = OnnxCompression.open(RealModels.miniLmModel());
        job.calibrate(tokenizer, TextCorpus.calibration().first(64), 16, 2, Progress.NONE);
        heldOut = TextCorpus.heldOut().first(48);
        try (EmbeddingRunner runner = EmbeddingRunner.open(RealModels.miniLmModel())) {
            reference = runner.embed(tokenizer, heldOut, Pooling.MEAN, true);
        }
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static double meanCosine(Path model) {
        try (EmbeddingRunner runner = EmbeddingRunner.open(model)) {
            float[][] candidate = runner.embed(tokenizer, heldOut, Pooling.MEAN, true);
            double sum = 0;
            for (int i = 0; i < candidate.length; i++) {
                sum += EmbeddingMetrics.cosine(reference[i], candidate[i]);
            }
            return sum / candidate.length;
        }
    }

    @Test
    void findsAndCalibratesTheThirtySixSites() {
        assertThat(job.sites()).hasSize(36);
        // query, key and value read the same tensor and share statistics; padding never enters them
        LayerStats q = job.stats().get("block 0 attention.query"), v = job.stats().get("block 0 attention.value");
        assertThat(q).isSameAs(v);
        int realTokens = 0;
        for (long[] mask : tokenizer.encode(TextCorpus.calibration().first(64)).attentionMask()) {
            for (long m : mask) {
                realTokens += (int) m;
            }
        }
        assertThat(q.tokens()).isEqualTo(realTokens);
        assertThat(job.stats().get("block 5 ffn.down").features()).isEqualTo(1536);
    }

    @Test
    void everyMethodWritesALoadableSmallerModelAndWhitenedIsMostFaithful(@TempDir Path dir) throws Exception {
        double[] cosine = new double[3];
        String[] methods = {"svd", "asvd", "whitened"};
        for (int i = 0; i < 3; i++) {
            Path out = dir.resolve(methods[i] + ".onnx");
            CompressionOutcome o = job.compress(methods[i], "uniform", 0.2, out, Progress.NONE);
            assertThat(o.result().achievedRatio()).isBetween(0.195, 0.21);
            long removed = o.result().targetedParametersBefore() - o.result().targetedParametersAfter();
            assertThat(o.bytesOut()).isLessThan(o.bytesIn() - (long) (0.95 * 4 * removed)); // fp32: 4 bytes a parameter
            assertThat(o.modelParametersAfter()).isLessThan(o.modelParametersBefore());
            cosine[i] = meanCosine(out);
        }
        assertThat(cosine[2]).as("whitened vs svd").isGreaterThan(cosine[0]);
        assertThat(cosine[2]).as("whitened vs asvd").isGreaterThanOrEqualTo(cosine[1] - 0.01);
        assertThat(cosine[2]).isGreaterThan(0.7);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).allMatch(name -> name.endsWith(".onnx"));
        }
    }

    @Test
    void globalAllocationSpendsTheSameBudget(@TempDir Path dir) throws Exception {
        CompressionOutcome uniform = job.compress("whitened", "uniform", 0.3, dir.resolve("u.onnx"), Progress.NONE);
        CompressionOutcome global = job.compress("whitened", "global", 0.3, dir.resolve("g.onnx"), Progress.NONE);
        assertThat(global.result().achievedRatio()).isGreaterThanOrEqualTo(0.299);
        long budget = (long) Math.floor(0.7 * global.result().targetedParametersBefore());
        assertThat(global.result().targetedParametersAfter()).isLessThanOrEqualTo(budget);
        assertThat(uniform.result().targetedParametersAfter()).isLessThanOrEqualTo(budget);
        assertThat(global.result().sites().stream().mapToInt(s -> s.rank()).distinct().count()).isGreaterThan(3);
    }

    @Test
    void cachedStatisticsReloadBitForBitAndSkipTheModel(@TempDir Path dir) throws Exception {
        StatsCache cache = new StatsCache(dir.resolve("stats"));
        List<String> texts = TextCorpus.calibration().first(12);
        OnnxCompression first = OnnxCompression.open(RealModels.miniLmModel()).calibrate(tokenizer, texts, 4, 2, cache, Progress.NONE);
        List<String> phases = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        OnnxCompression second = OnnxCompression.open(RealModels.miniLmModel())
                .calibrate(tokenizer, texts, 4, 2, cache, (phase, done, total, detail) -> phases.add(phase));
        assertThat(phases).containsOnly("calibrate (cached)");
        for (String site : List.of("block 0 attention.query", "block 5 ffn.down")) {
            assertThat(java.util.Arrays.equals(second.stats().get(site).gram().toArray(), first.stats().get(site).gram().toArray())).isTrue();
            assertThat(second.stats().get(site).tokens()).isEqualTo(first.stats().get(site).tokens());
        }
        assertThat(second.stats().get("block 2 attention.key")).isSameAs(second.stats().get("block 2 attention.value"));
        // different text, different key: no stale reuse
        phases.clear();
        OnnxCompression.open(RealModels.miniLmModel()).calibrate(tokenizer, TextCorpus.calibration().first(13), 4, 2, cache,
                (phase, done, total, detail) -> phases.add(phase));
        assertThat(phases).contains("calibrate").doesNotContain("calibrate (cached)");
    }

    @Test
    void refusesToOverwriteItsInput() {
        assertThatThrownBy(() -> job.compress("svd", "uniform", 0.2, RealModels.miniLmModel(), Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the input model");
    }

    @Test
    void refusesBadFilesAndRatios(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.onnx"), "this is not a model");
        assertThatThrownBy(() -> OnnxCompression.open(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notes.onnx");
        assertThatThrownBy(() -> OnnxCompression.open(dir.resolve("missing.onnx"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> job.compress("whitened", "uniform", 1.2, dir.resolve("x.onnx"), Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(0, 1)");
        assertThat(dir.resolve("x.onnx")).doesNotExist();
    }
}
