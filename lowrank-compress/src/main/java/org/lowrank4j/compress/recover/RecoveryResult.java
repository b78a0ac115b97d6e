package org.lowrank4j.compress.recover;

/**
 * What a recovery run did.
 *
 * @param firstStep   the step this session started at (0, or where a checkpoint left off)
 * @param endStep     the step it stopped at (exclusive; equals the run's steps when finished)
 * @param totalSteps  the steps the schedule spans
 * @param losses      the distillation loss of each step run in this session, before its update
 * @param initialLoss the loss of step 0 (from the checkpoint when resumed), before any update
 * @param finalLoss   the mean loss of the last (up to) 10 steps run
 * @param seconds     wall time of this session's steps
 */
public record RecoveryResult(long firstStep, long endStep, long totalSteps, double[] losses, double initialLoss, double finalLoss,
        double seconds) {

    /** Whether the schedule ran to its end. */
    public boolean finished() {
        return endStep >= totalSteps;
    }
}
