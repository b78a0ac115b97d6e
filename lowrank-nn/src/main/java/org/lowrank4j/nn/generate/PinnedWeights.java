package org.lowrank4j.nn.generate;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.Pinnable;

/**
 * The weights of a model's linear layers and output projection pinned for generation ({@link Pinnable}: dense and
 * low-rank ones): decoding one token at a time then reads each weight from the backend's copy instead of copying it in
 * at every product. On Java 17–21 this costs a second copy of those weights, outside the Java heap, while open; from
 * Java 22 products read the Java arrays in place and pinning keeps no copy. {@link #close} unpins them. Weights that were
 * already pinned, and other factorisations, are left as they are.
 */
public final class PinnedWeights implements AutoCloseable {
    private final List<Pinnable> pinned = new ArrayList<>();

    private PinnedWeights() {
    }

    /**
     * Pins the pinnable weights among {@code model}'s {@link CausalLanguageModel#linearSites linear sites} and its
     * {@link CausalLanguageModel#outputProjection output projection}.
     */
    public static PinnedWeights of(CausalLanguageModel model) {
        PinnedWeights weights = new PinnedWeights();
        List<Linear> linears = new ArrayList<>(model.linearSites().values());
        if (model.outputProjection() != null) {
            linears.add(model.outputProjection()); // with a large vocabulary, the largest weight of all
        }
        for (Linear linear : linears) {
            if (linear.weight() instanceof Pinnable weight && !weight.isPinned()) {
                weight.pin();
                if (weight.isPinned()) {
                    weights.pinned.add(weight);
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
        for (Pinnable weight : pinned) {
            weight.unpin();
        }
        pinned.clear();
    }
}
