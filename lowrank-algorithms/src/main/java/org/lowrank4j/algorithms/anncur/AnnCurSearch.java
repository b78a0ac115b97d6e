package org.lowrank4j.algorithms.anncur;

/**
 * ANNCUR's query-time search at a fixed budget of cross-encoder calls: the query is scored exactly against the k_i
 * anchor items of the index (k_i calls), the index turns those scores into approximate scores of every item, and the
 * {@code budget − k_i} best non-anchor items by approximate score are scored exactly; the top-k by exact score among
 * all exactly scored items (anchors included: their scores are already paid for) is the answer. Total calls = budget.
 */
public final class AnnCurSearch {
    private final CurIndex index;

    public AnnCurSearch(CurIndex index) {
        this.index = index;
    }

    /**
     * @throws IllegalArgumentException when k < 1, or the budget is below the anchor count or above the item count
     */
    public SearchResult search(CrossEncoder crossEncoder, int query, int budget, int k) {
        int ki = index.anchorItems().length, n = index.items();
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (budget < ki || budget > n) {
            throw new IllegalArgumentException("a budget of " + budget + " cross-encoder calls cannot pay for the index's " + ki
                    + " anchor items and stay within the " + n + " items: give a budget in [" + ki + ", " + n + "] (or fewer anchor items)");
        }
        CountingCrossEncoder counted = new CountingCrossEncoder(crossEncoder);
        double[] anchorScores = counted.score(query, index.anchorItems());
        double[] approximate = index.approximate(anchorScores);
        boolean[] isAnchor = new boolean[n];
        for (int a : index.anchorItems()) {
            isAnchor[a] = true;
        }
        int[] others = new int[n - ki];
        int m = 0;
        for (int j = 0; j < n; j++) {
            if (!isAnchor[j]) {
                others[m++] = j;
            }
        }
        int[] shortlist = TopK.among(approximate, others, budget - ki);
        double[] exact = new double[n];
        java.util.Arrays.fill(exact, Double.NEGATIVE_INFINITY);
        for (int a = 0; a < ki; a++) {
            exact[index.anchorItems()[a]] = anchorScores[a];
        }
        double[] shortlistScores = counted.score(query, shortlist);
        for (int j = 0; j < shortlist.length; j++) {
            exact[shortlist[j]] = shortlistScores[j];
        }
        int[] scored = new int[ki + shortlist.length];
        System.arraycopy(index.anchorItems(), 0, scored, 0, ki);
        System.arraycopy(shortlist, 0, scored, ki, shortlist.length);
        return new SearchResult(TopK.among(exact, scored, k), counted.calls());
    }
}
