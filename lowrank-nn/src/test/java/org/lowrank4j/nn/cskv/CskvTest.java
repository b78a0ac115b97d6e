package org.lowrank4j.nn.cskv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

class CskvTest {
    private static final Precision F64 = Precision.FLOAT64;

    /** C=16, 4 query heads of 4 over 2 key/value heads (dKv = 8), 2 layers, V=11, 24 positions; q/k/v biases (Qwen2). */
    static LlamaModel tinyModel(long seed, Precision precision) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).modelType("qwen2").hiddenSize(16).intermediateSize(20).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(24).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, precision);
        Random random = new Random(seed);
        model.initialize(random);
        for (var p : model.parameters()) { // biases and norms away from their defaults, so that both enter the check
            if (p.value().rank() == 1) {
                for (int i = 0; i < p.value().size(); i++) {
                    p.value().set(i, p.value().get(i) + 0.1 * random.nextGaussian());
                }
            }
        }
        for (var p : model.parameters()) { // a larger scale so attention is far from uniform
            if (p.value().rank() == 2) {
                for (int i = 0; i < p.value().size(); i++) {
                    p.value().set(i, p.value().get(i) * 15);
                }
            }
        }
        return model;
    }

    static int[] ids(int n, long seed) {
        Random random = new Random(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = random.nextInt(11);
        }
        return out;
    }

    static double[] weight(Attention a, boolean key) {
        return (key ? a.key() : a.value()).weight().toDense().toDoubleArray();
    }

    /** SVD-initialised layers at the given ranks (null meanAbs) or ASVD with the given per-channel means. */
    static List<CskvLayer> layers(LlamaModel model, int keyRank, int valueRank, double[] meanAbs) {
        List<CskvLayer> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Attention a = model.block(i).attention();
            out.add(new CskvLayer(CskvProjection.asvd(weight(a, true), 8, 16, keyRank, meanAbs),
                    CskvProjection.asvd(weight(a, false), 8, 16, valueRank, meanAbs)));
        }
        return out;
    }

    static double maxDiff(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        return max;
    }

    static double[] product(CskvProjection p) {
        double[] w = new double[p.out() * p.in()];
        for (int i = 0; i < p.out(); i++) {
            for (int j = 0; j < p.in(); j++) {
                for (int k = 0; k < p.rank(); k++) {
                    w[i * p.in() + j] += p.b()[i * p.rank() + k] * p.a()[k * p.in() + j];
                }
            }
        }
        return w;
    }

    @Test
    void fullRankSvdReconstructsTheProjectionAndTheModel() {
        LlamaModel model = tinyModel(1, F64);
        double[] w = weight(model.block(0).attention(), true);
        CskvProjection p = CskvProjection.svd(w, 8, 16, 8);
        double[] back = product(p);
        for (int i = 0; i < w.length; i++) {
            assertThat(back[i]).isCloseTo(w[i], org.assertj.core.data.Offset.offset(1e-9));
        }
        // window 1: every key but the query's own is reconstructed (and rotated after reconstruction)
        int[] ids = ids(20, 2);
        Tensor original = model.decode(ids, 1, 20, model.newCache(1, 20));
        CskvModel cskv = new CskvModel(model, layers(model, 8, 8, null), 1);
        assertThat(maxDiff(cskv.decode(ids, 1, 20, cskv.newCache(1, 20)), original)).isLessThan(1e-6);
    }

    @Test
    void everyTokenInTheFullPrecisionBranchIsTheOriginalModel() {
        LlamaModel model = tinyModel(3, F64);
        CskvModel cskv = new CskvModel(model, layers(model, 2, 2, null), 24); // rank 1 per head: poor reconstructions
        int[] ids = ids(2 * 20, 4);
        Tensor original = model.decode(ids, 2, 20, model.newCache(2, 20));
        assertThat(maxDiff(cskv.decode(ids, 2, 20, cskv.newCache(2, 20)), original)).isLessThan(1e-12);
        assertThat(maxDiff(original, model.forward(ids, 2, 20))).isLessThan(1e-10);
    }

    @Test
    void windowDecidesWhichKeysAreFullPrecision() {
        assertThat(CskvCache.fullPrecisionLength(10, 4)).isEqualTo(2);
        assertThat(CskvCache.firstFullPrecision(9, 4)).isEqualTo(8);  // query 9 reads 8, 9 in full precision
        assertThat(CskvCache.firstFullPrecision(7, 4)).isEqualTo(4);  // at a window's end, that whole window
        assertThat(CskvCache.firstFullPrecision(8, 4)).isEqualTo(8);
        LlamaModel model = tinyModel(5, F64);
        CskvModel cskv = new CskvModel(model, layers(model, 2, 2, null), 4);
        int[] ids = ids(10, 6);
        Tensor original = model.decode(ids, 1, 10, model.newCache(1, 10));
        Tensor shrunk = cskv.decode(ids, 1, 10, cskv.newCache(1, 10));
        int vocab = 11;
        for (int t = 0; t < 10; t++) {
            double diff = 0;
            for (int v = 0; v < vocab; v++) {
                diff = Math.max(diff, Math.abs(original.get(t * vocab + v) - shrunk.get(t * vocab + v)));
            }
            if (t < 4) {
                assertThat(diff).as("position %d sees only its own window", t).isLessThan(1e-12);
            } else {
                assertThat(diff).as("position %d reads reconstructed keys", t).isGreaterThan(1e-6);
            }
        }
        // one token at a time through the stored window equals the whole sequence at once
        DecoderCache cache = cskv.newCache(1, 10);
        Tensor first = cskv.decode(new int[] {ids[0], ids[1], ids[2]}, 1, 3, cache);
        assertThat(maxDiff(first, slice(shrunk, 0, 3))).isLessThan(1e-12);
        for (int t = 3; t < 10; t++) {
            Tensor step = cskv.decode(new int[] {ids[t]}, 1, 1, cache);
            assertThat(maxDiff(step, slice(shrunk, t, 1))).as("step %d", t).isLessThan(1e-12);
        }
        assertThat(cache.length()).isEqualTo(10);
    }

    private static Tensor slice(Tensor logits, int t0, int steps) {
        int vocab = logits.dim(2);
        double[] out = new double[steps * vocab];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits.get(t0 * vocab + i);
        }
        return Tensor.of(logits.precision(), out, 1, steps, vocab);
    }

    @Test
    void asvdWithConstantScaleIsSvd() {
        double[] w = weight(tinyModel(7, F64).block(1).attention(), false);
        double[] unit = new double[16], constant = new double[16];
        java.util.Arrays.fill(unit, 1 - 1e-6);  // s = 1 exactly
        java.util.Arrays.fill(constant, 3.7);
        CskvProjection svd = CskvProjection.svd(w, 8, 16, 3);
        CskvProjection ones = CskvProjection.asvd(w, 8, 16, 3, unit);
        for (int i = 0; i < svd.a().length; i++) {
            assertThat(ones.a()[i]).isCloseTo(svd.a()[i], org.assertj.core.data.Offset.offset(1e-9));
        }
        double[] a = product(svd), b = product(CskvProjection.asvd(w, 8, 16, 3, constant));
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-9));
        }
        // a non-constant scale changes the factors: the channels it weighs are reconstructed better
        double[] skewed = new double[16];
        for (int j = 0; j < 16; j++) {
            skewed[j] = j < 4 ? 100 : 0.01;
        }
        double[] c = product(CskvProjection.asvd(w, 8, 16, 3, skewed));
        double errSvd = 0, errAsvd = 0;
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 4; j++) {
                errSvd += Math.pow(a[i * 16 + j] - w[i * 16 + j], 2);
                errAsvd += Math.pow(c[i * 16 + j] - w[i * 16 + j], 2);
            }
        }
        assertThat(errAsvd).isLessThan(errSvd);
    }

    @Test
    void cacheBytesFollowTheFormula() {
        LlamaModel model = tinyModel(8, Precision.FLOAT32);
        int w = 4, batch = 2, rk = CskvProjection.rank(0.25, 4, 2), rv = CskvProjection.rank(0.75, 4, 2);
        assertThat(rk).isEqualTo(2);
        assertThat(rv).isEqualTo(6);
        CskvModel cskv = new CskvModel(model, layers(model, rk, rv, null), w);
        DecoderCache shrunk = cskv.newCache(batch, 20), full = model.newCache(batch, 20);
        for (int n : new int[] {7, 1, 4, 2}) { // lengths 7, 8, 12, 14
            int[] ids = ids(batch * n, n);
            cskv.decode(ids, batch, n, shrunk);
            model.decode(ids, batch, n, full);
            int length = shrunk.length();
            long expected = 4L * batch * (length * (rk + rv) + (length % w) * 2 * 8);
            assertThat(shrunk.layer(0).bytesInUse()).as("length %d", length).isEqualTo(expected);
            assertThat(full.layer(0).bytesInUse()).isEqualTo(4L * batch * length * 2 * 8);
        }
        assertThat(shrunk.layer(1).bytesAllocated()).isEqualTo(4L * batch * (20 * (rk + rv) + (w - 1) * 2 * 8));
        assertThat(full.layer(1).bytesAllocated()).isEqualTo(4L * batch * 20 * 2 * 8);
    }

    @Test
    void rejectsBadDensitiesRanksAndPlainCaches() {
        assertThatThrownBy(() -> CskvProjection.rank(0, 40, 4)).hasMessageContaining("density");
        assertThatThrownBy(() -> CskvProjection.rank(1.5, 40, 4)).hasMessageContaining("density");
        assertThat(CskvProjection.rank(0.25, 40, 4)).isEqualTo(40);
        assertThatThrownBy(() -> CskvProjection.svd(new double[128], 8, 16, 9)).hasMessageContaining("rank 9");
        double[] nan = new double[128];
        nan[5] = Double.NaN;
        assertThatThrownBy(() -> CskvProjection.svd(nan, 8, 16, 2)).hasMessageContaining("non-finite");
        LlamaModel model = tinyModel(9, F64);
        CskvModel cskv = new CskvModel(model, layers(model, 2, 2, null), 4);
        assertThatThrownBy(() -> cskv.decode(ids(3, 1), 1, 3, model.newCache(1, 3))).hasMessageContaining("own caches");
        assertThatThrownBy(() -> new CskvModel(model, layers(model, 2, 2, null).subList(0, 1), 4)).hasMessageContaining("1 CSKV layers");
    }

    @Test
    void folderRoundTrip(@TempDir Path dir) throws Exception {
        LlamaModel model = tinyModel(10, Precision.FLOAT32);
        Path source = dir.resolve("dense");
        model.save(source);
        Files.writeString(source.resolve("tokenizer.json"), "{}");
        List<CskvLayer> layers = layers(model, 4, 6, null);
        Path out = dir.resolve("cskv");
        CskvFolder.Manifest manifest = new CskvFolder.Manifest("dense", "svd", 0.5, 0.75, 4, 6, 4, "none", 0);
        CskvFolder.write(source, layers, manifest, out);
        assertThat(CskvFolder.readManifest(out)).contains(manifest);
        CskvModel loaded = CskvFolder.load(out, Precision.FLOAT32);
        CskvModel direct = new CskvModel(model, layers, 4);
        int[] ids = ids(2 * 15, 11);
        Tensor a = direct.decode(ids, 2, 15, direct.newCache(2, 15)), b = loaded.decode(ids, 2, 15, loaded.newCache(2, 15));
        assertThat(maxDiff(a, b)).isLessThan(1e-4);
        assertThat(maxDiff(a, model.decode(ids, 2, 15, model.newCache(2, 15)))).isGreaterThan(1e-4); // the cache is shrunk
        CskvFolder.write(source, layers, manifest, out); // an earlier output is replaced
        assertThatThrownBy(() -> CskvFolder.write(out, layers, manifest, dir.resolve("again"))).hasMessageContaining("already a compressed");
        Files.writeString(out.resolve(CskvFolder.MANIFEST), "{\"format\": \"lowrank4j-cskv-decoder\", \"format_version\": 9}");
        assertThatThrownBy(() -> CskvFolder.load(out, Precision.FLOAT32)).hasMessageContaining("format_version 9");
    }
}
