package org.lowrank4j.compress.methods;

import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;

/**
 * A post-training method whose result is stored in fewer bits: every targeted weight becomes a quantized base, and
 * methods with a low-rank branch ({@code eora}) add a float rank-r correction whose ranks a byte budget can set.
 * Budgets are bytes, not removed parameters. Listed in {@link Methods} beside the low-rank methods.
 */
public interface QuantizedMethod {

    /** The name on the command line and in reports (with options, the spec). */
    String name();

    /** The calibration statistics this method reads. */
    Set<Requirement> requirements();

    /** The storage it writes: bits, group, grid, embeddings. */
    QuantizedBase storage();

    /**
     * The rank of every site's branch when the method's options fix it; -1 when a byte budget decides (or the
     * method's default applies); 0 for methods without a branch.
     */
    int fixedRank();

    /** The branch rank of every site when no byte budget sets ranks. */
    default int rankWithoutBudget() {
        return Math.max(0, fixedRank());
    }

    /** Whether the method adds a low-rank branch to the quantized base. */
    default boolean hasBranch() {
        return fixedRank() != 0;
    }

    /**
     * @param stats the site's input statistics, or null when {@link #requirements()} is empty
     * @throws IllegalArgumentException when a required statistic is missing or does not match the weight, or the
     *     group size does not divide the weight's input features
     */
    QuantizedSite prepare(LinearWeight weight, LayerStats stats);
}
