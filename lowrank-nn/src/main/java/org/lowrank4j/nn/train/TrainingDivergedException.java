package org.lowrank4j.nn.train;

/**
 * A loss or gradient norm became NaN or infinite. The step that met it did not update the model; the last
 * checkpoint written (if any) is untouched and a run can {@link Trainer#resume} from it.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final long step;
    private final double value;

    public TrainingDivergedException(long step, double value, String message) {
        super(message);
        this.step = step;
        this.value = value;
    }

    /** The 0-based index of the step that failed. */
    public long step() {
        return step;
    }

    /** The non-finite value met. */
    public double value() {
        return value;
    }
}
