package org.lowrank4j.compress.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which HierarchicalPrune removes blocks: the unprotected blocks (index at least {@code protect}), the
 * least important first. By sensitivity, the lowest measured sensitivity goes first and ties go to the later block (the
 * position prior); by position, the last block goes first.
 */
public final class BlockOrder {

    private BlockOrder() {
    }

    /**
     * @param sensitivity one per block (ignored, may be null, by position)
     * @return the removable block indices, first to remove first
     */
    public static List<Integer> removalOrder(int layers, int protect, double[] sensitivity, PruneOptions.Order order) {
        if (protect < 0 || protect >= layers) {
            throw new IllegalArgumentException("protect must be in 0.." + (layers - 1) + ", got " + protect);
        }
        List<Integer> candidates = new ArrayList<>();
        for (int j = protect; j < layers; j++) {
            candidates.add(j);
        }
        Comparator<Integer> later = Comparator.reverseOrder();
        if (order == PruneOptions.Order.POSITION) {
            candidates.sort(later);
        } else {
            if (sensitivity == null || sensitivity.length != layers) {
                throw new IllegalArgumentException("one sensitivity per block is needed, got " + (sensitivity == null ? 0 : sensitivity.length));
            }
            candidates.sort(Comparator.<Integer>comparingDouble(j -> sensitivity[j]).thenComparing(later));
        }
        return candidates;
    }
}
