package org.lowrank4j.algorithms.intrinsic;

/** Called after every training step with the phase ("ordinal" or "merge"), the step within it, its step count and the batch loss. */
@FunctionalInterface
public interface TrainingListener {
    void step(String phase, int step, int steps, double loss);

    TrainingListener NONE = (phase, step, steps, loss) -> { };
}
