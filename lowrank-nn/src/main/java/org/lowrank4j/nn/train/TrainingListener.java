package org.lowrank4j.nn.train;

import java.nio.file.Path;

/** Progress of a {@link Trainer} (a progress bar, a log, a loss curve); library code itself never prints. */
public interface TrainingListener {
    /** Nothing. */
    TrainingListener NONE = new TrainingListener() {
    };

    /**
     * One optimizer step done.
     *
     * @param step            the step's index from 0 (the schedule's argument); {@code step + 1} steps are done
     * @param loss            mean training loss over the step's micro-batches
     * @param learningRate    the rate the step used
     * @param gradientNorm    the global gradient norm before clipping
     * @param tokensPerSecond tokens of the step over its wall time
     */
    record StepReport(long step, double loss, double learningRate, double gradientNorm, double tokensPerSecond) {
    }

    default void onStep(StepReport report) {
    }

    /** The validation loss after {@code completedSteps} steps. */
    default void onValidation(long completedSteps, double loss) {
    }

    /** A checkpoint was written after {@code completedSteps} steps. */
    default void onCheckpoint(long completedSteps, Path file) {
    }
}
