package org.lowrank4j.compress.methods;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.RankAllocator;

/**
 * A compression method whose factors cross sites, such as one input-side basis shared by the same matrix in several
 * layers: it sees every site at once instead of one {@link CompressionMethod#prepare} per site. It is listed in
 * {@link Methods} beside the per-site methods and named on the command line the same way ({@code NAME[:KEY=VALUE…]}).
 * Its results may hold one factor object in several sites ({@link org.lowrank4j.compress.LowRank} by identity), which
 * writers store once.
 */
public interface CrossLayerMethod {

    /** The name, or the spec it was configured with, as rows and caches carry it. */
    String name();

    /** The calibration statistics it reads (per site, as for a per-site method). */
    Set<CompressionMethod.Requirement> requirements();

    /**
     * The expensive part, once per configuration: groups the sites and decomposes each group. {@code ratio} may steer
     * how groups are formed; {@link Prepared#build} can then be called at any ratio.
     */
    Prepared prepare(List<LinearWeight> weights, Map<String, LayerStats> stats, double ratio, Progress progress);

    /**
     * Whether its results can be written as a decoder model folder ({@code LowRankFolder}), which stores every
     * projection's factors apart: false for methods whose sites share factors.
     */
    default boolean writesDecoderFolders() {
        return false;
    }

    /** Decomposed groups, from which results at any ratio are built cheaply. */
    interface Prepared {
        CompressionResult build(double ratio, RankAllocator allocator);

        /** The site names of each group that shares one basis, in group order (a site alone is a group of one). */
        default List<List<String>> groupNames() {
            return List.of();
        }

        /**
         * The groups as {@code role {blocks} {blocks} …} per role, e.g. {@code attention.query {0,3} {1,2}} (site names
         * {@code block N ROLE}); empty for a method without groups.
         */
        default String describeGroups() {
            java.util.Map<String, StringBuilder> byRole = new java.util.LinkedHashMap<>();
            for (List<String> group : groupNames()) {
                String role = group.get(0).replaceFirst("^block \\d+ ", "");
                StringBuilder line = byRole.computeIfAbsent(role, k -> new StringBuilder(k));
                line.append(" {").append(String.join(",", group.stream().map(n -> n.replaceFirst("^block (\\d+) .*$", "$1")).toList())).append('}');
            }
            return String.join("; ", byRole.values().stream().map(StringBuilder::toString).toList());
        }
    }
}
