package org.lowrank4j.compress.embeddings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.onnx.EmbeddingTables;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.LowRankEmbedding;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;

/**
 * {@code compress --embeddings NAME:rank=R} on an ONNX encoder: the word-embedding table (the one the {@code input_ids}
 * Gather reads) is fitted once with an {@link EmbeddingMethod} and then written into every model the compression
 * writes ({@link #apply}): {@code Gather(E, ids)} becomes {@code Gather(rows, ids) · expansion (+ offset)}
 * ({@link LowRankEmbedding}). The position and token-type tables are small (a few hundred rows) and stay as they are.
 *
 * <pre>
 *   EmbeddingCompression.Spec spec = EmbeddingCompression.parse("afm:rank=128");
 *   EmbeddingCompression fit = EmbeddingCompression.fit(modelPath, spec, tokenizer, texts, progress);
 *   fit.apply(copyOfTheModel);          // before writing it
 * </pre>
 */
public final class EmbeddingCompression {
    private final String table;
    private final EmbeddingFactors factors;
    private final EmbeddingChange change;

    private EmbeddingCompression(String table, EmbeddingFactors factors, EmbeddingChange change) {
        this.table = table;
        this.factors = factors;
        this.change = change;
    }

    /**
     * A parsed {@code --embeddings} value.
     *
     * @param uniformWeights every row weighs 1 instead of its count in the calibration text (AFM's {@code weights=uniform}:
     *                       mean-centred PCA of the whole table, the ablation between plain SVD and AFM)
     */
    public record Spec(EmbeddingMethod method, int rank, boolean uniformWeights, String label) {
        /** Whether the fit reads how often rows are looked up in the calibration text. */
        public boolean readsCalibration() {
            return !(method instanceof SvdEmbedding) && !uniformWeights;
        }
    }

    /** How AFM weighs the rows: by their counts in the calibration text (the paper's statistics) or all alike. */
    public enum Weights { CALIBRATION, UNIFORM }

    /**
     * @throws IllegalArgumentException for an unknown method, a missing or non-positive rank, or an unknown key, in one
     *                                  line naming {@code --embeddings}
     */
    public static Spec parse(String value) {
        MethodSpec spec;
        try {
            spec = MethodSpec.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--embeddings " + value + ": give NAME:rank=R, as afm:rank=128 or svd:rank=128");
        }
        EmbeddingMethod method = EmbeddingMethods.byName(spec.name());
        int rank = spec.integer("rank", 0);
        if (rank < 1) {
            throw new IllegalArgumentException("--embeddings " + value + ": give the table's rank as " + method.name() + ":rank=R with R >= 1");
        }
        boolean uniform = false;
        if (!(method instanceof SvdEmbedding)) {
            try {
                uniform = spec.choice("weights", Weights.class, Weights.CALIBRATION) == Weights.UNIFORM;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--embeddings " + value + ": weights takes calibration or uniform");
            }
        }
        try {
            spec.requireAllRead();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--embeddings " + value + ": " + method.name() + " takes rank=R"
                    + (method instanceof SvdEmbedding ? " only" : " and weights=calibration|uniform"));
        }
        return new Spec(method, rank, uniform, spec.label());
    }

    /**
     * Checks, before any long work, that the model has a word-embedding table and the rank is below min(V, d).
     *
     * @return the table's name
     */
    public static String check(OnnxModel model, String modelName, Spec spec) {
        String table = EmbeddingTables.wordTable(model, modelName);
        long[] dims = model.initializerShape(table);
        long full = Math.min(dims[0], dims[1]);
        if (spec.rank() >= full) {
            throw new IllegalArgumentException("--embeddings " + spec.label() + ": the word-embedding table '" + table + "' is " + dims[0] + "x"
                    + dims[1] + ", so rank " + spec.rank() + " removes nothing; give a rank below " + full);
        }
        return table;
    }

    /**
     * Fits the table of the model at {@code modelPath}.
     *
     * @param tokenizer the model's tokenizer (null for a method that reads no calibration)
     * @param texts     the calibration pieces whose tokens are counted
     */
    public static EmbeddingCompression fit(Path modelPath, Spec spec, HfTokenizer tokenizer, List<String> texts, Progress progress) throws IOException {
        OnnxModel model = OnnxModel.read(modelPath);
        String table = check(model, String.valueOf(modelPath), spec);
        long[] dims = model.initializerShape(table);
        int v = (int) dims[0], d = (int) dims[1];
        DoubleMatrix values = FloatMatrix.wrap(model.initializerFloats(table), v, d).toDouble();
        long[] counts = new long[v];
        long tokens = 0;
        if (spec.uniformWeights()) {
            java.util.Arrays.fill(counts, 1);
        }
        if (spec.readsCalibration()) {
            if (tokenizer == null || texts == null || texts.isEmpty()) {
                throw new IllegalArgumentException("--embeddings " + spec.label() + " counts the rows looked up in the calibration text; give --tokenizer and --calib");
            }
            for (int i = 0; i < texts.size(); i++) {
                for (long id : tokenizer.ids(texts.get(i))) {
                    if (id < 0 || id >= v) {
                        throw new IllegalArgumentException("--tokenizer " + tokenizer.path() + " gave token id " + id + ", outside the " + v
                                + " rows of '" + table + "'; use the tokenizer.json that came with the model");
                    }
                    counts[(int) id]++;
                    tokens++;
                }
                progress.update("embedding tokens", i + 1, texts.size(), table);
            }
        }
        progress.update("embedding fit", 0, 1, spec.label());
        EmbeddingFactors factors = spec.method().fit(values, counts, spec.rank());
        progress.update("embedding fit", 1, 1, spec.label());
        return new EmbeddingCompression(table, factors, measure(table, spec, values, factors, spec.readsCalibration() ? counts : new long[v], tokens));
    }

    private static EmbeddingChange measure(String table, Spec spec, DoubleMatrix values, EmbeddingFactors factors, long[] counts, long tokens) {
        DoubleMatrix approx = factors.reconstruct();
        int v = values.rows(), d = values.cols(), seen = 0;
        double tableError = 0, tableNorm = 0, calibError = 0, calibNorm = 0;
        for (int i = 0; i < v; i++) {
            double err = 0, norm = 0;
            for (int j = 0; j < d; j++) {
                double e = values.get(i, j), diff = e - approx.get(i, j);
                err += diff * diff;
                norm += e * e;
            }
            tableError += err;
            tableNorm += norm;
            if (counts[i] > 0) {
                seen++;
                calibError += counts[i] * err;
                calibNorm += counts[i] * norm;
            }
        }
        return new EmbeddingChange(table, v, d, spec.label(), spec.rank(), (long) v * d, factors.parameters(), tokens, seen,
                tokens == 0 ? Double.NaN : calibError / calibNorm, tableError / tableNorm);
    }

    /** Rewrites the table in {@code model} (a copy about to be written). */
    public void apply(OnnxModel model) {
        LowRankEmbedding.rewrite(model, table, factors.rank(), factors.rows().toFloat().data(), factors.expansion().toFloat().data(),
                factors.offset() == null ? null : toFloats(factors.offset()));
    }

    /** What the rewrite does, for the record. */
    public EmbeddingChange change() {
        return change;
    }

    /** Parameters the rewrite removes from the model. */
    public long parametersRemoved() {
        return change.parametersBefore() - change.parametersAfter();
    }

    public EmbeddingFactors factors() {
        return factors;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
