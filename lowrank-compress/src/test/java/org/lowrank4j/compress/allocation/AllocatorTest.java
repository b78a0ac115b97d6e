package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.RankRules;

class AllocatorTest {

    /** Sites with very different spectra: fast decay, slow decay, flat. */
    private static List<SiteSpectrum> sites() {
        List<SiteSpectrum> out = new ArrayList<>();
        int[][] shapes = {{64, 64}, {128, 64}, {64, 128}, {64, 64}};
        double[] decay = {0.02, 0.2, 0.05, 0.0};
        for (int i = 0; i < shapes.length; i++) {
            int k = Math.min(shapes[i][0], shapes[i][1]);
            double[] s = new double[k];
            for (int j = 0; j < k; j++) {
                s[j] = Math.exp(-decay[i] * j);
            }
            out.add(new SiteSpectrum("site " + i, "ffn.up", shapes[i][0], shapes[i][1], s));
        }
        return out;
    }

    private static long kept(List<SiteSpectrum> sites, int[] ranks) {
        long total = 0;
        for (int i = 0; i < ranks.length; i++) {
            total += RankRules.parametersAt(sites.get(i).m(), sites.get(i).n(), ranks[i]);
        }
        return total;
    }

    private static double relativeLoss(List<SiteSpectrum> sites, int[] ranks) {
        double loss = 0;
        for (int i = 0; i < ranks.length; i++) {
            SiteSpectrum s = sites.get(i);
            loss += RankRules.saves(s.m(), s.n(), ranks[i]) ? s.tailEnergy(ranks[i]) / s.totalEnergy() : 0;
        }
        return loss;
    }

    @Test
    void bothAllocatorsStayWithinTheBudget() {
        List<SiteSpectrum> sites = sites();
        long dense = sites.stream().mapToLong(SiteSpectrum::denseParameters).sum();
        for (double ratio : new double[] {0.1, 0.3, 0.5, 0.8}) {
            for (RankAllocator allocator : Allocators.all()) {
                int[] ranks = allocator.allocate(sites, ratio);
                assertThat(kept(sites, ranks)).as("%s at %.1f", allocator.name(), ratio).isLessThanOrEqualTo((long) Math.floor((1 - ratio) * dense));
            }
        }
    }

    @Test
    void globalSpendsTheBudgetWhereLossFallsMost() {
        List<SiteSpectrum> sites = sites();
        for (double ratio : new double[] {0.2, 0.4, 0.6}) {
            int[] uniform = new UniformAllocator().allocate(sites, ratio);
            int[] global = new GlobalGreedyAllocator().allocate(sites, ratio);
            assertThat(relativeLoss(sites, global)).as("ratio %.1f", ratio).isLessThan(relativeLoss(sites, uniform));
            // The fast-decaying site (index 1) needs few ranks; the flat one (index 3) gets more.
            assertThat(global[3]).isGreaterThan(global[1]);
        }
    }

    @Test
    void globalOnIdenticalSitesMatchesUniformWithinOneStep() {
        double[] s = new double[32];
        for (int j = 0; j < 32; j++) {
            s[j] = 1.0 / (1 + j);
        }
        List<SiteSpectrum> same = List.of(new SiteSpectrum("a", "x", 32, 32, s), new SiteSpectrum("b", "x", 32, 32, s));
        int[] global = new GlobalGreedyAllocator().allocate(same, 0.5);
        int[] uniform = new UniformAllocator().allocate(same, 0.5);
        assertThat(Math.abs(global[0] - global[1])).isLessThanOrEqualTo(1);
        assertThat(Math.abs(global[0] - uniform[0])).isLessThanOrEqualTo(1);
    }
}
