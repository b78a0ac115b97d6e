package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.arch.llama.LlamaModel;

/** The sequential pass: ranks from the original statistics, prefixes built block by block through the compressed model. */
class RuntimeSequentialTest {

    /** Delegates to a method, asks for the given requirements and records the statistics each site was prepared with. */
    private static final class Recording implements CompressionMethod {
        final CompressionMethod inner;
        final Set<Requirement> requirements;
        final List<String> names = new ArrayList<>();
        final List<LayerStats> prefixes = new ArrayList<>();
        final List<DoubleMatrix> originalGrams = new ArrayList<>();

        Recording(CompressionMethod inner, Set<Requirement> requirements) {
            this.inner = inner;
            this.requirements = requirements;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Set<Requirement> requirements() {
            return requirements;
        }

        @Override
        public synchronized PreparedSite prepare(LinearWeight weight, LayerStats stats) {
            names.add(weight.name());
            prefixes.add(stats == null ? null : stats.compressedPrefix());
            originalGrams.add(stats == null ? null : stats.gram().copy());
            return inner.prepare(weight, stats);
        }
    }

    private static CompressionResult run(LlamaModel model, CompressionMethod method, double ratio) {
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(4), 2);
        RuntimeCompression job = new RuntimeCompression(runtime);
        job.calibrate(Progress.NONE); // Grams for every run
        return job.compress(method, new UniformAllocator(), ratio, Progress.NONE);
    }

    @Test
    void withPlainSvdTheSequentialPassEqualsTheOneShotResult() {
        LlamaModel model = TinyModels.decoder(11);
        CompressionResult oneShot = run(model, new PlainSvdMethod(), 0.4);
        Recording sequential = new Recording(new PlainSvdMethod(), EnumSet.of(CompressionMethod.Requirement.COMPRESSED_PREFIX));
        CompressionResult seq = run(TinyModels.decoder(11), sequential, 0.4);
        assertThat(seq.targetedParametersAfter()).isEqualTo(oneShot.targetedParametersAfter());
        assertThat(seq.targetedParametersBefore()).isEqualTo(oneShot.targetedParametersBefore());
        assertThat(seq.achievedRatio()).isEqualTo(oneShot.achievedRatio());
        for (int i = 0; i < seq.sites().size(); i++) {
            SiteResult a = oneShot.sites().get(i), b = seq.sites().get(i);
            assertThat(b.rank()).isEqualTo(a.rank());
            assertThat(b.factorization()).isInstanceOf(LowRank.class);
            assertThat(RuntimeCalibrationTest.maxDiff(b.factorization().toDense(), a.factorization().toDense())).isLessThan(1e-12);
        }
        // every site prepared twice, each time with a prefix: the uncompressed model's (pricing the ranks), then the sequential one
        assertThat(sequential.names).hasSize(2 * 14);
        assertThat(sequential.prefixes).doesNotContainNull();
    }

    @Test
    void withWhitenedTheFirstGroupsPrefixGramIsTheOriginalGram() {
        Recording whitened = new Recording(new WhitenedSvdMethod(WhitenedOptions.defaults()),
                EnumSet.of(CompressionMethod.Requirement.GRAM, CompressionMethod.Requirement.CROSS_MOMENT));
        run(TinyModels.decoder(12), whitened, 0.3);
        int checked = 0;
        for (int i = 0; i < whitened.names.size(); i++) {
            LayerStats prefix = whitened.prefixes.get(i);
            if (prefix == null || !whitened.names.get(i).startsWith("block 0 attention.")
                    || whitened.names.get(i).endsWith("output")) {
                continue;
            }
            // Nothing before block 0's query/key/value is compressed: x_c = x_f, so G_c = G and H = G.
            DoubleMatrix g = whitened.originalGrams.get(i);
            double tolerance = 1e-9 * (1 + RuntimeCalibrationTest.maxAbs(g));
            assertThat(RuntimeCalibrationTest.maxDiff(prefix.gram(), g)).isLessThan(tolerance);
            assertThat(RuntimeCalibrationTest.maxDiff(prefix.cross(), g)).isLessThan(tolerance);
            assertThat(prefix.tokens()).isEqualTo(prefix.crossTokens()).isEqualTo(4L * TinyModels.CONTEXT);
            checked++;
        }
        assertThat(checked).isEqualTo(6); // q, k, v: prepared for the ranks, then in the sequential pass
        // later groups see the compressed prefix: block 0's attention output already differs
        int o = whitened.names.lastIndexOf("block 0 attention.output");
        LayerStats prefix = whitened.prefixes.get(o);
        assertThat(RuntimeCalibrationTest.maxDiff(prefix.gram(), whitened.originalGrams.get(o))).isGreaterThan(1e-6);
    }

    @Test
    void theProjectsSequentialMethodsRunEndToEnd() {
        for (String name : new String[] {"svd-llm", "saes"}) {
            LlamaModel model = TinyModels.decoder(14);
            DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(4), 2);
            RuntimeCompression job = new RuntimeCompression(runtime);
            CompressionMethod method = org.lowrank4j.compress.methods.Methods.byName(name);
            assertThat(SequentialCompressor.isSequential(method)).as(name).isTrue();
            CompressionResult seq = job.compress(method, new UniformAllocator(), 0.3, Progress.NONE);
            double[] logits = model.forward(runtime.windows()[0], 1, runtime.windows()[0].length).toDoubleArray();
            assertThat(java.util.Arrays.stream(logits).allMatch(Double::isFinite)).as(name).isTrue();
            CompressionResult plain = job.compress(new PlainSvdMethod(), new UniformAllocator(), 0.3, Progress.NONE);
            assertThat(seq.targetedParametersAfter()).as(name).isEqualTo(plain.targetedParametersAfter());
            job.restore();
        }
    }

    @Test
    void keptOriginalInputsGiveTheSameSaesFactorsAsRecomputingThem() {
        // SAES's cross moment pairs compressed-prefix inputs with the original model's: kept from one pass, or recomputed
        // under the original weights for every group when they would not fit the heap share; both must agree exactly
        CompressionResult kept = run(TinyModels.decoder(15), org.lowrank4j.compress.methods.Methods.byName("saes"), 0.4);
        double share = SequentialCompressor.originalInputsHeapShare;
        CompressionResult recomputed;
        try {
            SequentialCompressor.originalInputsHeapShare = 0;
            recomputed = run(TinyModels.decoder(15), org.lowrank4j.compress.methods.Methods.byName("saes"), 0.4);
        } finally {
            SequentialCompressor.originalInputsHeapShare = share;
        }
        int lowRank = 0;
        for (int i = 0; i < kept.sites().size(); i++) {
            SiteResult a = kept.sites().get(i), b = recomputed.sites().get(i);
            assertThat(b.rank()).isEqualTo(a.rank());
            if (a.factorization() instanceof LowRank) {
                lowRank++;
            }
            assertThat(RuntimeCalibrationTest.maxDiff(b.factorization().toDense(), a.factorization().toDense())).as(a.weight().name()).isEqualTo(0.0);
        }
        assertThat(lowRank).isPositive();
    }

    @Test
    void prefixesAreDetachedAfterThePass() {
        LlamaModel model = TinyModels.decoder(13);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(2), 2);
        RuntimeCompression job = new RuntimeCompression(runtime);
        job.compress(new Recording(new WhitenedSvdMethod(WhitenedOptions.defaults()),
                EnumSet.of(CompressionMethod.Requirement.GRAM, CompressionMethod.Requirement.COMPRESSED_PREFIX)), new UniformAllocator(), 0.3, Progress.NONE);
        for (Map.Entry<String, LayerStats> e : job.stats().entrySet()) {
            assertThat(e.getValue().compressedPrefix()).as(e.getKey()).isNull();
        }
    }
}
