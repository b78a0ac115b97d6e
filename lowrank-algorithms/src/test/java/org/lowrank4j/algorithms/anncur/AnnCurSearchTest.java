package org.lowrank4j.algorithms.anncur;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Budget accounting, recall on noisy low-rank scores (spec 16's tests 2 and 3) and the baselines' shape. */
class AnnCurSearchTest {

    @Test
    void everySearchSpendsExactlyItsBudget() {
        double[][] m = CurIndexTest.planted(30, 150, 4, 0.1, 3);
        CurIndex index = CurIndex.build(CurIndexTest.rows(m, 0, 20), CurIndex.randomAnchors(150, 15, 1));
        for (int budget : new int[] {15, 16, 40, 150}) {
            CountingCrossEncoder counted = new CountingCrossEncoder(CountingCrossEncoder.of(m));
            SearchResult r = new AnnCurSearch(index).search(counted, 25, budget, 10);
            assertThat(counted.calls()).isEqualTo(budget);
            assertThat(r.calls()).isEqualTo(budget);
            assertThat(r.top()).hasSize(Math.min(10, budget)).doesNotHaveDuplicates();
        }
        CountingCrossEncoder counted = new CountingCrossEncoder(CountingCrossEncoder.of(m));
        ShortlistSearch.search(counted, 25, m[0], 33, 10);
        assertThat(counted.calls()).isEqualTo(33);
    }

    @Test
    void theWholeBudgetFindsTheExactTopK() {
        double[][] m = CurIndexTest.planted(30, 120, 4, 0.5, 4);
        CurIndex index = CurIndex.build(CurIndexTest.rows(m, 0, 20), CurIndex.randomAnchors(120, 10, 1));
        SearchResult r = new AnnCurSearch(index).search(CountingCrossEncoder.of(m), 27, 120, 10);
        assertThat(r.top()).containsExactly(TopK.of(m[27], 10));
    }

    @Test
    void recallGrowsWithTheBudgetAndTheAnchorsAndBeatsARandomShortlist() {
        double[][] m = CurIndexTest.planted(140, 600, 8, 1.0, 5); // rank 8 + noise; 100 anchor queries, 40 test queries
        double[][] anchors = CurIndexTest.rows(m, 0, 100), test = CurIndexTest.rows(m, 100, 140);
        double[][] random = new double[test.length][600];
        java.util.Random r = new java.util.Random(9);
        for (double[] row : random) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextDouble();
            }
        }
        List<AnnCurEvaluation.Row> rows = new AnnCurEvaluation(test, anchors, random).run(new int[] {30, 60, 120}, new int[] {10, 20}, new int[] {10}, 3);
        double previous = 0;
        for (int budget : new int[] {30, 60, 120}) {
            double anncur = recall(rows, "anncur", budget, 20), shortlist = recall(rows, "dual-encoder+rerank", budget, 0);
            System.out.printf("budget %d: anncur(k_i 20) %.3f, k_i 10 %.3f, random shortlist %.3f%n", budget, anncur, recall(rows, "anncur", budget, 10),
                    shortlist);
            assertThat(anncur).isGreaterThanOrEqualTo(previous).isGreaterThan(shortlist + 0.2);
            previous = anncur;
        }
        assertThat(recall(rows, "anncur", 60, 20)).isGreaterThan(recall(rows, "anncur", 60, 10));
        // zero-mean planted factors: no item prior, so the anchors' mean row is no better than a random shortlist
        assertThat(recall(rows, "anchor-mean+rerank", 60, 0)).isLessThan(recall(rows, "anncur", 60, 20) - 0.3);
        assertThat(rows).allSatisfy(row -> assertThat(row.callsPerQuery()).isEqualTo(row.budget()));
    }

    private static double recall(List<AnnCurEvaluation.Row> rows, String method, int budget, int anchorItems) {
        return rows.stream().filter(r -> r.method().equals(method) && r.budget() == budget && r.anchorItems() == anchorItems && r.k() == 10)
                .findFirst().orElseThrow().recall();
    }

    @Test
    void recallIsTheShareOfTheExactTopKFound() {
        assertThat(TopK.recall(new int[] {4, 2, 9}, new int[] {9, 1, 4})).isEqualTo(2 / 3.0);
        assertThat(TopK.recall(new int[] {4, 2, 9}, new int[] {9, 1, 7, 4})).isEqualTo(1 / 3.0); // only found[:k] counts
        assertThat(TopK.recall(new int[] {1}, new int[] {1})).isEqualTo(1);
        assertThat(TopK.of(new double[] {0.5, 2, 2, -1}, 3)).containsExactly(1, 2, 0); // ties to the lower index
        assertThatThrownBy(() -> TopK.recall(new int[0], new int[] {1})).hasMessageContaining("k must be at least 1");
    }

    @Test
    void budgetsOutsideTheirRangeAreRefused() {
        double[][] m = CurIndexTest.planted(10, 50, 2, 0, 6);
        AnnCurSearch search = new AnnCurSearch(CurIndex.build(CurIndexTest.rows(m, 0, 5), CurIndex.randomAnchors(50, 20, 1)));
        assertThatThrownBy(() -> search.search(CountingCrossEncoder.of(m), 7, 19, 10))
                .hasMessageContaining("a budget of 19 cross-encoder calls cannot pay for the index's 20 anchor items");
        assertThatThrownBy(() -> search.search(CountingCrossEncoder.of(m), 7, 51, 10)).hasMessageContaining("in [20, 50]");
        assertThatThrownBy(() -> ShortlistSearch.search(CountingCrossEncoder.of(m), 7, m[0], 0, 10)).hasMessageContaining("must be in [1, 50]");
        AnnCurEvaluation eval = new AnnCurEvaluation(CurIndexTest.rows(m, 5, 10), CurIndexTest.rows(m, 0, 5), CurIndexTest.rows(m, 5, 10));
        assertThatThrownBy(() -> eval.run(new int[] {60}, new int[] {5}, new int[] {10}, 1)).hasMessageContaining("--budgets: 60 calls per query must be in [1, 50]");
        assertThatThrownBy(() -> eval.run(new int[] {20}, new int[] {51}, new int[] {10}, 1)).hasMessageContaining("--anchor-items: 51 anchor items must be in [1, 50]");
        assertThatThrownBy(() -> new AnnCurEvaluation(new double[][] {{}}, m, m)).hasMessageContaining("the item list is empty");
    }
}
