package org.lowrank4j.compress.allocation;

import java.util.List;
import java.util.PriorityQueue;
import org.lowrank4j.compress.RankRules;

/**
 * Spends one parameter budget over all sites where the truncation loss falls most per parameter. Every site
 * starts at rank 1; each step takes the move with the largest loss reduction per parameter that still fits:
 * one more rank (gain s_r², cost m + n) or, once the next rank would reach the break-even point, keeping the
 * site dense (gain: the whole remaining tail, cost: the rest of m·n). With descending spectra the gains per
 * site shrink, so the greedy choice is optimal for the relaxed problem.
 *
 * <p>Losses are relative to each site's total energy by default, so sites with large activations do not take
 * the whole budget; {@code relative = false} compares absolute losses (meaningful for whitened spectra, which
 * are output errors in the same units when sites feed the same residual stream).
 */
public final class GlobalGreedyAllocator implements RankAllocator {
    private final boolean relative;

    public GlobalGreedyAllocator(boolean relative) {
        this.relative = relative;
    }

    public GlobalGreedyAllocator() {
        this(true);
    }

    @Override
    public String name() {
        return "global";
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        RankRules.requireRatio(ratio);
        int count = sites.size();
        int[] rank = new int[count];
        boolean[] dense = new boolean[count];
        double[] scale = new double[count];
        long dense0 = 0, spent = 0;
        for (int i = 0; i < count; i++) {
            SiteSpectrum s = sites.get(i);
            dense0 += s.denseParameters();
            rank[i] = 1;
            spent += s.m() + s.n();
            double total = s.totalEnergy();
            scale[i] = relative ? (total > 0 ? 1 / total : 0) : 1;
        }
        long budget = (long) Math.floor((1 - ratio) * dense0);
        PriorityQueue<Move> moves = new PriorityQueue<>((a, b) -> Double.compare(b.gainPerParameter, a.gainPerParameter));
        for (int i = 0; i < count; i++) {
            Move next = nextMove(sites.get(i), i, rank[i], scale[i]);
            if (next != null) {
                moves.add(next);
            }
        }
        while (!moves.isEmpty()) {
            Move move = moves.poll();
            if (spent + move.cost > budget) {
                continue; // does not fit; a cheaper move of another site may still fit
            }
            spent += move.cost;
            SiteSpectrum s = sites.get(move.site);
            if (move.toDense) {
                dense[move.site] = true;
                rank[move.site] = RankRules.breakEvenRank(s.m(), s.n());
                continue;
            }
            rank[move.site]++;
            Move next = nextMove(s, move.site, rank[move.site], scale[move.site]);
            if (next != null) {
                moves.add(next);
            }
        }
        return rank;
    }

    private static Move nextMove(SiteSpectrum s, int site, int rank, double scale) {
        int breakEven = RankRules.breakEvenRank(s.m(), s.n());
        if (rank + 1 < breakEven && rank < s.spectrum().length) {
            double sigma = s.spectrum()[rank];
            return new Move(site, false, s.m() + s.n(), sigma * sigma * scale / (s.m() + s.n()));
        }
        long cost = s.denseParameters() - (long) rank * (s.m() + s.n());
        if (cost <= 0) {
            return null;
        }
        return new Move(site, true, cost, s.tailEnergy(rank) * scale / cost);
    }

    private record Move(int site, boolean toDense, long cost, double gainPerParameter) {
    }
}
