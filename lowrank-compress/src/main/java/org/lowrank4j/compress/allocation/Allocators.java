package org.lowrank4j.compress.allocation;

import java.util.List;
import java.util.stream.Collectors;

/** The single list of rank allocators. */
public final class Allocators {
    private Allocators() {
    }

    public static List<RankAllocator> all() {
        return List.of(new UniformAllocator(), new GlobalGreedyAllocator(), new EnergyAllocator(), new EffectiveRankAllocator(), new WeLoreAllocator(),
                new SvdLlmV2Allocator());
    }

    public static RankAllocator byName(String name) {
        return all().stream().filter(a -> a.name().equalsIgnoreCase(name.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown allocation '" + name + "'; choose one of "
                        + all().stream().map(RankAllocator::name).collect(Collectors.joining(", "))));
    }
}
