package org.lowrank4j.compress.allocation;

import java.util.List;

/**
 * Chooses a rank per site so that the targeted layers lose the requested fraction of their parameters
 * ({@link org.lowrank4j.compress.RankRules}). A returned rank at or above the site's break-even rank means the
 * site stays dense.
 */
public interface RankAllocator {

    String name();

    /** Ranks in the order of {@code sites}. */
    int[] allocate(List<SiteSpectrum> sites, double ratio);
}
