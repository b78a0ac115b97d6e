package org.lowrank4j.algorithms.anncur;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * The comparison of issue 18 on real text: exact cross-encoder rows of the test queries (cached on disk), a dual
 * encoder's cosine scores of the same pairs, then {@link AnnCurEvaluation} at each budget; the record (JSON) also holds
 * how low-rank the test queries' score matrix is (the share of its energy in the top singular values).
 *
 * @param index        the anchor queries' exact scores ({@code lowrank anncur index})
 * @param items        the items the index was built over
 * @param testQueries  held-out queries (none of them an anchor query)
 * @param crossEncoder the cross-encoder the index was built with
 * @param exactCache   where the test queries' exact rows are kept (computed, continued or reused)
 * @param dualEncoder  the dual encoder's ONNX model (mean pooling, normalised) and its tokenizer.json
 */
public record AnnCurExperiment(Path index, Path items, Path testQueries, CrossEncoderFiles crossEncoder, Path exactCache, Path dualEncoder,
        Path dualTokenizer, int[] budgets, int[] anchorCounts, int[] ks, int seeds, Path out) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@link #run} found. */
    public record Outcome(List<AnnCurEvaluation.Row> rows, double[] energy, int items, int anchorQueries, int testQueries, double exactSeconds,
            double dualSeconds) {
    }

    /**
     * @throws IllegalArgumentException when the index was built over other items or with another cross-encoder, or a test
     *                                  query is also an anchor query
     */
    public Outcome run(IntConsumer exactProgress) throws IOException {
        List<String> itemList = TextList.read(items, "--items");
        List<String> queries = TextList.read(testQueries, "--queries");
        AnnCurEvaluation.checkSettings(itemList.size(), budgets, anchorCounts, ks, seeds);
        crossEncoder.requireFiles();
        // both encoders with their tokenizers, before the exact rows, which may take hours
        CrossEncoderFiles.requireTokenizerFits(crossEncoder.tokenizer(), crossEncoder.model());
        CrossEncoderFiles.requireTokenizerFits(dualTokenizer, dualEncoder);
        java.util.Set<String> anchors = new java.util.HashSet<>(AnnCurIndexing.anchorQueries(index));
        for (String q : queries) {
            if (anchors.contains(q)) {
                throw new IllegalArgumentException("--queries: \"" + q + "\" is also an anchor query of " + index + "; test queries must be held out");
            }
        }
        long t0 = System.nanoTime();
        double[][] exact = crossEncoder.scores(queries, itemList, exactCache, exactProgress);
        long t1 = System.nanoTime();
        double[][] anchorRows = AnnCurIndexing.load(index, itemList, crossEncoder); // after the exact rows: both may be computed side by side
        double[][] cheap = dualScores(queries, itemList);
        long t2 = System.nanoTime();
        List<AnnCurEvaluation.Row> rows = new AnnCurEvaluation(exact, anchorRows, cheap).run(budgets, anchorCounts, ks, seeds);
        Outcome outcome = new Outcome(rows, energy(exact), itemList.size(), anchorRows.length, queries.size(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        AtomicFiles.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record(outcome)) + "\n");
        return outcome;
    }

    /** Cosine similarity of the dual encoder's normalised mean-pooled embeddings, queries × items. */
    private double[][] dualScores(List<String> queries, List<String> itemList) {
        float[][] q, d;
        try (HfTokenizer tok = HfTokenizer.load(dualTokenizer, 128); EmbeddingRunner runner = EmbeddingRunner.open(dualEncoder,
                new EmbeddingRunner.Options(1, 32))) {
            runner.requireMatches(tok);
            q = runner.embed(tok, queries, Pooling.MEAN, true);
            d = runner.embed(tok, itemList, Pooling.MEAN, true);
        }
        double[][] out = new double[q.length][d.length];
        for (int i = 0; i < q.length; i++) {
            for (int j = 0; j < d.length; j++) {
                double s = 0;
                for (int c = 0; c < q[i].length; c++) {
                    s += q[i][c] * d[j][c];
                }
                out[i][j] = s;
            }
        }
        return out;
    }

    /** Cumulative share of ‖M‖²_F in the top 1, 2, … singular values of M. */
    static double[] energy(double[][] m) {
        DoubleMatrix a = DoubleMatrix.zeros(m.length, m[0].length);
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                a.set(i, j, m[i][j]);
            }
        }
        double[] s = new ExactSvd().decompose(a).s();
        double total = 0;
        for (double v : s) {
            total += v * v;
        }
        double[] out = new double[s.length];
        double run = 0;
        for (int r = 0; r < s.length; r++) {
            run += s[r] * s[r];
            out[r] = total == 0 ? 1 : run / total;
        }
        return out;
    }

    private ObjectNode record(Outcome o) {
        ObjectNode root = JSON.createObjectNode();
        root.put("items", o.items());
        root.put("anchor_queries", o.anchorQueries());
        root.put("test_queries", o.testQueries());
        root.put("anchor_item_seeds", seeds);
        root.put("exact_rows_seconds_this_run", o.exactSeconds());
        root.put("dual_encoder_seconds", o.dualSeconds());
        ObjectNode spectrum = root.putObject("test_score_matrix_energy_top_r");
        for (int r : new int[] {1, 2, 5, 10, 20, 50}) {
            if (r <= o.energy().length) {
                spectrum.put(Integer.toString(r), o.energy()[r - 1]);
            }
        }
        ArrayNode rows = root.putArray("rows");
        for (AnnCurEvaluation.Row r : o.rows()) {
            ObjectNode n = rows.addObject();
            n.put("method", r.method());
            n.put("budget", r.budget());
            n.put("anchor_items", r.anchorItems());
            n.put("k", r.k());
            n.put("recall", r.recall());
            n.put("recall_sd_over_seeds", r.recallSpread());
            n.put("calls_per_query", r.callsPerQuery());
        }
        return root;
    }
}
