package org.lowrank4j.nn.train;

/**
 * Linear warmup then cosine decay to a floor, as in llm.c. Steps count from 0:
 * <ul>
 *   <li>{@code step < warmupSteps}: {@code peak · (step + 1) / warmupSteps} (the last warmup step reaches the peak);</li>
 *   <li>{@code warmupSteps ≤ step ≤ totalSteps}: {@code floor + (peak − floor) · (1 + cos(π · r)) / 2} with
 *       {@code r = (step − warmupSteps) / (totalSteps − warmupSteps)}, so step {@code totalSteps} gives the floor;</li>
 *   <li>after {@code totalSteps}: the floor.</li>
 * </ul>
 *
 * @param peak        the learning rate at the end of warmup
 * @param floor       the learning rate at the end of the decay (0 ≤ floor ≤ peak)
 * @param warmupSteps steps of linear warmup (0 for none)
 * @param totalSteps  the step at which the decay reaches the floor (≥ warmupSteps)
 */
public record LearningRateSchedule(double peak, double floor, int warmupSteps, int totalSteps) {

    public LearningRateSchedule {
        if (!(peak > 0) || !Double.isFinite(peak) || !(floor >= 0) || floor > peak) {
            throw new IllegalArgumentException("learning rates need 0 <= floor <= peak and a finite positive peak, got peak="
                    + peak + " floor=" + floor);
        }
        if (warmupSteps < 0 || totalSteps < warmupSteps) {
            throw new IllegalArgumentException("schedule needs 0 <= warmupSteps <= totalSteps, got warmupSteps=" + warmupSteps
                    + " totalSteps=" + totalSteps);
        }
    }

    /** A constant learning rate. */
    public static LearningRateSchedule constant(double rate) {
        return new LearningRateSchedule(rate, rate, 0, 0);
    }

    /** The learning rate of step {@code step} (0-based). */
    public double at(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (step >= totalSteps) {
            return floor;
        }
        double ratio = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * ratio));
    }
}
