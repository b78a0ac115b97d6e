package org.lowrank4j.nn.generate;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * The dense weights of a model's linear layers pinned for generation ({@link DenseWeight#pin}): decoding one token at a
 * time then reads each weight from the backend's copy instead of copying it in at every product. Costs a second copy of
 * those weights while open; {@link #close} unpins them. Weights that were already pinned, and factorised ones, are left
 * as they are.
 */
public final class PinnedWeights implements AutoCloseable {
    private final List<DenseWeight> pinned = new ArrayList<>();

    private PinnedWeights() {
    }

    /** Pins the dense weights among {@code model}'s {@link CausalLanguageModel#linearSites linear sites}. */
    public static PinnedWeights of(CausalLanguageModel model) {
        PinnedWeights weights = new PinnedWeights();
        for (Linear linear : model.linearSites().values()) {
            if (linear.weight() instanceof DenseWeight dense && !dense.isPinned()) {
                dense.pin();
                if (dense.isPinned()) {
                    weights.pinned.add(dense);
                }
            }
        }
        return weights;
    }

    /** How many weights this pinned. */
    public int count() {
        return pinned.size();
    }

    @Override
    public void close() {
        for (DenseWeight weight : pinned) {
            weight.unpin();
        }
        pinned.clear();
    }
}
