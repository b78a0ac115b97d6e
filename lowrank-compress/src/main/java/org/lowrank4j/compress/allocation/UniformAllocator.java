package org.lowrank4j.compress.allocation;

import java.util.List;
import org.lowrank4j.compress.RankRules;

/** The same ratio at every site: r = floor((1 − ratio)·m·n/(m + n)). */
public final class UniformAllocator implements RankAllocator {

    @Override
    public String name() {
        return "uniform";
    }

    @Override
    public int[] allocate(List<SiteSpectrum> sites, double ratio) {
        RankRules.requireRatio(ratio);
        return sites.stream().mapToInt(s -> RankRules.rankForRatio(s.m(), s.n(), ratio)).toArray();
    }
}
