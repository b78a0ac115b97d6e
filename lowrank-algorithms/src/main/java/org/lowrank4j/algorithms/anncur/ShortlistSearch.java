package org.lowrank4j.algorithms.anncur;

/**
 * The baseline at the same budget: retrieve the {@code budget} best items by a cheap score (a dual encoder's cosine),
 * score them with the cross-encoder, return the top-k by exact score.
 */
public final class ShortlistSearch {
    private ShortlistSearch() {
    }

    /**
     * @param cheapScores the retriever's score of every item for this query
     * @throws IllegalArgumentException when k < 1 or the budget is outside [1, item count]
     */
    public static SearchResult search(CrossEncoder crossEncoder, int query, double[] cheapScores, int budget, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (budget < 1 || budget > cheapScores.length) {
            throw new IllegalArgumentException("a budget of " + budget + " cross-encoder calls must be in [1, " + cheapScores.length + "] (the items)");
        }
        CountingCrossEncoder counted = new CountingCrossEncoder(crossEncoder);
        int[] shortlist = TopK.of(cheapScores, budget);
        double[] scores = counted.score(query, shortlist);
        double[] exact = new double[cheapScores.length];
        for (int j = 0; j < shortlist.length; j++) {
            exact[shortlist[j]] = scores[j];
        }
        return new SearchResult(TopK.among(exact, shortlist, k), counted.calls());
    }
}
