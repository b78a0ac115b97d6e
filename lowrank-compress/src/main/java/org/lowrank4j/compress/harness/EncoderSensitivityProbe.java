package org.lowrank4j.compress.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.lowrank4j.compress.allocation.SensitivityProbe;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.StatsCache;
import org.lowrank4j.compress.runtime.EncoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * ASVD's end-to-end sensitivity (spec c03, algorithm B) for an encoder: the loss is the mean of
 * {@code 1 − cos(e_original, e_truncated)} over a few calibration sentences (64 in {@code lowrank compare}), where
 * {@code e} is the pooled last_hidden_state (the model's {@link Pooling}) of the JVM runtime's BERT. Each
 * {@link #evaluate} installs one site's factors at the asked rank into the runtime model, runs the probe sentences,
 * and restores the original weights; the original embeddings are computed once. The baseline (nothing truncated)
 * is 0 by construction.
 *
 * <p>The factors come from the caller's prepared sites, so the sensitivities are those of the factorizations the row
 * will really use: the ONNX path's (statistics from ONNX Runtime) for per-site methods, the runtime's for sequential
 * methods. Wrap the probe in {@link org.lowrank4j.compress.allocation.MeasuredSensitivities} with {@link #cacheKey}
 * to keep the measurements across runs. Sites that the runtime BERT does not hold (a pooler outside the encoder
 * blocks) do not reach last_hidden_state; they measure the baseline.
 */
public final class EncoderSensitivityProbe implements SensitivityProbe {
    /** Probe sentences {@code lowrank compare} and {@code lowrank compress} use: the first 64 calibration sentences. */
    public static final int DEFAULT_SENTENCES = 64;

    private final RuntimeCompression job;
    private final BertModel model;
    private final EncoderRuntime probeSet;
    private final Pooling pooling;
    private final Supplier<List<PreparedSite>> prepared;
    private final Map<String, Integer> index = new HashMap<>();
    private final java.util.Set<String> runtimeSites = new java.util.HashSet<>();
    private List<PreparedSite> sites;
    private float[][] reference;

    /**
     * @param job       the runtime compression over the BERT that the probe installs into and restores
     * @param probeSet  the probe sentences as runtime batches of the same model ({@link EncoderRuntime#of})
     * @param siteNames the names of the prepared sites, in order (the allocator's site names)
     * @param prepared  the method's prepared sites in {@code siteNames} order, asked for on the first measurement
     */
    public EncoderSensitivityProbe(RuntimeCompression job, EncoderRuntime probeSet, Pooling pooling, List<String> siteNames,
                                   Supplier<List<PreparedSite>> prepared) {
        if (!(job.model() instanceof EncoderRuntime runtime) || runtime.model() != probeSet.model()) {
            throw new IllegalArgumentException("the sensitivity probe needs a runtime job over the same BERT as its probe sentences");
        }
        this.job = job;
        this.model = probeSet.model();
        this.probeSet = probeSet;
        this.pooling = pooling;
        this.prepared = prepared;
        for (int i = 0; i < siteNames.size(); i++) {
            index.put(siteNames.get(i), i);
        }
        job.model().sites().forEach(s -> runtimeSites.add(s.name()));
    }

    @Override
    public double baseline() {
        job.restore();
        return loss();
    }

    @Override
    public double evaluate(String site, int rank) {
        Integer i = index.get(site);
        if (i == null) {
            throw new IllegalArgumentException("sensitivity probe: no site named " + site);
        }
        if (!runtimeSites.contains(site)) {
            return baseline();
        }
        if (sites == null) {
            sites = prepared.get();
        }
        job.restore();
        job.installSite(site, sites.get(i).factorAt(rank));
        try {
            return loss();
        } finally {
            job.restore();
        }
    }

    /** Mean 1 − cosine of the current model's pooled embeddings to the original's. */
    private double loss() {
        if (reference == null) {
            job.restore();
            reference = embed();
        }
        float[][] current = embed();
        double total = 0;
        for (int i = 0; i < current.length; i++) {
            total += 1 - EmbeddingMetrics.cosine(reference[i], current[i]);
        }
        return total / current.length;
    }

    private float[][] embed() {
        List<float[]> out = new ArrayList<>();
        for (int k = 0; k < probeSet.batchCount(); k++) {
            EncoderRuntime.Batch b = probeSet.batch(k);
            Tensor h = model.forward(b.ids(), b.types(), b.mask(), b.batch(), b.time());
            float[] values = h instanceof FloatTensor f && f.data().length == h.size() ? f.data() : floats(h);
            long[][] mask = new long[b.batch()][b.time()];
            for (int r = 0; r < b.batch(); r++) {
                for (int t = 0; t < b.time(); t++) {
                    mask[r][t] = b.mask()[r * b.time() + t];
                }
            }
            out.addAll(List.of(pooling.pool(values, b.batch(), b.time(), h.dim(-1), mask)));
        }
        return out.toArray(new float[0][]);
    }

    private static float[] floats(Tensor t) {
        double[] d = t.toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * A key for {@link org.lowrank4j.compress.allocation.MeasuredSensitivities}: a hash of the model and tokenizer
     * files, the method, the pooling, where the factors' statistics came from, the calibration text they were fitted
     * on, and the probe sentences. A cache written under another key is refused, never reused.
     */
    public static String cacheKey(Path model, Path tokenizer, String method, Pooling pooling, String statistics, List<String> calibration,
                                  List<String> probeSentences) throws IOException {
        MessageDigest digest = Sha256.digest();
        Sha256.addFile(digest, model);
        Sha256.addFile(digest, tokenizer);
        digest.update(("encoder-embedding-cosine\u0000" + method + "\u0000" + pooling + "\u0000" + statistics + "\u0000")
                .getBytes(StandardCharsets.UTF_8));
        for (List<String> texts : List.of(calibration, probeSentences)) {
            digest.update(("texts " + texts.size() + "\n").getBytes(StandardCharsets.UTF_8));
            for (String text : texts) {
                digest.update(text.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
        }
        return HexFormat.of().formatHex(digest.digest(), 0, 16);
    }
}
