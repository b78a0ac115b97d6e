package org.lowrank4j.algorithms.anncur;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Top-k recall against the exact cross-encoder at equal budgets of cross-encoder calls: ANNCUR (for each anchor-item
 * count k_i below the budget, anchors drawn with several seeds) against re-ranking a dual encoder's shortlist, a random
 * shortlist, and the items with the highest mean score over the anchor queries (the index's rank-one "item prior", the
 * same shortlist for every query: what ANNCUR gains beyond it is the query-specific part). The exact top-k of a test query is the top-k of its full exact score row; the searches read their
 * exact scores from the same rows through a counting {@link CrossEncoder}, so every call they make is counted.
 *
 * @param exact      the exact scores of the test queries (t × |I|)
 * @param anchorRows the exact scores of the anchor queries (k_q × |I|), the index's R
 * @param cheap      the dual encoder's scores of the test queries (t × |I|), e.g. cosine of mean-pooled embeddings
 */
public record AnnCurEvaluation(double[][] exact, double[][] anchorRows, double[][] cheap) {

    /**
     * One line of the comparison: recall@k averaged over the test queries, then over the seeds.
     *
     * @param method       {@code anncur}, {@code dual-encoder+rerank}, {@code random+rerank} or {@code anchor-mean+rerank}
     * @param anchorItems  k_i (0 for the shortlist methods)
     * @param recallSpread the standard deviation of the per-seed means (0 for one seed or the deterministic baseline)
     * @param callsPerQuery cross-encoder calls each query spent (always the budget)
     */
    public record Row(String method, int budget, int anchorItems, int k, double recall, double recallSpread, double callsPerQuery) {
    }

    public AnnCurEvaluation {
        int n = check("exact", exact, -1);
        check("anchor", anchorRows, n);
        check("dual-encoder", cheap, n);
        if (cheap.length != exact.length) {
            throw new IllegalArgumentException(cheap.length + " dual-encoder score rows for " + exact.length + " test queries");
        }
    }

    public int items() {
        return exact[0].length;
    }

    /**
     * @param budgets      cross-encoder calls per query
     * @param anchorCounts k_i values tried; those not below a budget are skipped
     * @param ks           the k of recall@k; those above a budget are skipped
     * @param seeds        anchor draws (and random shortlists) per setting
     */
    public List<Row> run(int[] budgets, int[] anchorCounts, int[] ks, int seeds) {
        checkSettings(items(), budgets, anchorCounts, ks, seeds);
        int n = items();
        int[][][] truth = new int[ks.length][exact.length][];
        for (int x = 0; x < ks.length; x++) {
            for (int q = 0; q < exact.length; q++) {
                truth[x][q] = TopK.of(exact[q], ks[x]);
            }
        }
        CrossEncoder oracle = CountingCrossEncoder.of(exact);
        double[] itemPrior = new double[n]; // each item's mean score over the anchor queries: one shortlist for every query
        for (double[] row : anchorRows) {
            for (int j = 0; j < n; j++) {
                itemPrior[j] += row[j] / anchorRows.length;
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int budget : budgets) {
            for (int x = 0; x < ks.length; x++) {
                if (ks[x] > budget) {
                    continue;
                }
                double de = 0, calls = 0;
                for (int q = 0; q < exact.length; q++) {
                    SearchResult r = ShortlistSearch.search(oracle, q, cheap[q], budget, ks[x]);
                    de += TopK.recall(truth[x][q], r.top());
                    calls += r.calls();
                }
                rows.add(new Row("dual-encoder+rerank", budget, 0, ks[x], de / exact.length, 0, calls / exact.length));
                double[] random = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    Random rng = new Random(1000 + s);
                    for (int q = 0; q < exact.length; q++) {
                        double[] noise = new double[n];
                        for (int j = 0; j < n; j++) {
                            noise[j] = rng.nextDouble();
                        }
                        random[s] += TopK.recall(truth[x][q], ShortlistSearch.search(oracle, q, noise, budget, ks[x]).top()) / exact.length;
                    }
                }
                rows.add(new Row("random+rerank", budget, 0, ks[x], mean(random), spread(random), budget));
                double prior = 0;
                for (int q = 0; q < exact.length; q++) {
                    prior += TopK.recall(truth[x][q], ShortlistSearch.search(oracle, q, itemPrior, budget, ks[x]).top()) / exact.length;
                }
                rows.add(new Row("anchor-mean+rerank", budget, 0, ks[x], prior, 0, budget));
            }
            for (int ki : anchorCounts) {
                if (ki >= budget) {
                    continue;
                }
                double[][] perSeed = new double[ks.length][seeds];
                double calls = 0;
                for (int s = 0; s < seeds; s++) {
                    AnnCurSearch search = new AnnCurSearch(CurIndex.build(anchorRows, CurIndex.randomAnchors(n, ki, s)));
                    int kmax = 0;
                    for (int k : ks) {
                        kmax = Math.max(kmax, k <= budget ? k : 0);
                    }
                    for (int q = 0; q < exact.length; q++) {
                        SearchResult r = search.search(oracle, q, budget, Math.max(kmax, 1));
                        calls += r.calls();
                        for (int x = 0; x < ks.length; x++) {
                            if (ks[x] <= budget) {
                                perSeed[x][s] += TopK.recall(truth[x][q], java.util.Arrays.copyOf(r.top(), ks[x])) / exact.length;
                            }
                        }
                    }
                }
                for (int x = 0; x < ks.length; x++) {
                    if (ks[x] <= budget) {
                        rows.add(new Row("anncur", budget, ki, ks[x], mean(perSeed[x]), spread(perSeed[x]), calls / (seeds * (double) exact.length)));
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Refuses settings that cannot run over {@code n} items, before any cross-encoder work.
     *
     * @throws IllegalArgumentException naming the option and its range
     */
    public static void checkSettings(int n, int[] budgets, int[] anchorCounts, int[] ks, int seeds) {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        if (budgets.length == 0 || anchorCounts.length == 0 || ks.length == 0) {
            throw new IllegalArgumentException("--budgets, --anchor-items and --k each need at least one value");
        }
        for (int b : budgets) {
            if (b < 1 || b > n) {
                throw new IllegalArgumentException("--budgets: " + b + " calls per query must be in [1, " + n + "] (the item count)");
            }
        }
        for (int ki : anchorCounts) {
            if (ki < 1 || ki > n) {
                throw new IllegalArgumentException("--anchor-items: " + ki + " anchor items must be in [1, " + n + "] (the item count)");
            }
        }
        for (int k : ks) {
            if (k < 1 || k > n) {
                throw new IllegalArgumentException("--k: recall@" + k + " needs k in [1, " + n + "] (the item count)");
            }
        }
    }

    private static int check(String what, double[][] m, int n) {
        if (m.length == 0) {
            throw new IllegalArgumentException("no " + what + " query scores: give at least one query");
        }
        int width = n < 0 ? m[0].length : n;
        if (width == 0) {
            throw new IllegalArgumentException("the " + what + " scores cover no item: the item list is empty");
        }
        for (int q = 0; q < m.length; q++) {
            if (m[q].length != width) {
                throw new IllegalArgumentException(what + " query " + q + " has " + m[q].length + " item scores, expected " + width);
            }
            for (double v : m[q]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(what + " query " + q + " has a non-finite score " + v);
                }
            }
        }
        return width;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double spread(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v), s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
