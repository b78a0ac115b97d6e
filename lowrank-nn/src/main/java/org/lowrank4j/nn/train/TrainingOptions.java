package org.lowrank4j.nn.train;

import java.nio.file.Path;

/**
 * How a {@link Trainer} runs.
 *
 * @param batchSize         windows per micro-batch (B)
 * @param accumulationSteps micro-batches per optimizer step; the step's gradient is their mean
 * @param maxSteps          optimizer steps of the whole run (a resumed run continues up to it)
 * @param schedule          learning rate per step
 * @param maxGradientNorm   clip the global gradient norm to this; 0 for no clipping
 * @param validationEvery   compute the validation loss every this many steps; 0 for never
 * @param validationBatches at most this many validation batches (0 for all windows of the validation stream)
 * @param checkpointEvery   write a checkpoint every this many steps (and at the end); 0 for only at the end
 * @param checkpoint        the checkpoint file, replaced atomically each time; null for none
 */
public record TrainingOptions(int batchSize, int accumulationSteps, int maxSteps, LearningRateSchedule schedule,
        double maxGradientNorm, int validationEvery, int validationBatches, int checkpointEvery, Path checkpoint) {

    public TrainingOptions {
        if (batchSize < 1 || accumulationSteps < 1 || maxSteps < 0) {
            throw new IllegalArgumentException("training needs batchSize >= 1, accumulationSteps >= 1 and maxSteps >= 0, got "
                    + batchSize + ", " + accumulationSteps + ", " + maxSteps);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("training needs a learning-rate schedule");
        }
        if (!(maxGradientNorm >= 0) || validationEvery < 0 || validationBatches < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("maxGradientNorm, validationEvery, validationBatches and checkpointEvery must be "
                    + "non-negative, got " + maxGradientNorm + ", " + validationEvery + ", " + validationBatches + ", " + checkpointEvery);
        }
    }

    /** Batch size, steps and schedule; no accumulation, clipping at 1.0, no validation, no checkpoint. */
    public static TrainingOptions of(int batchSize, int maxSteps, LearningRateSchedule schedule) {
        return new TrainingOptions(batchSize, 1, maxSteps, schedule, 1.0, 0, 0, 0, null);
    }

    public TrainingOptions withAccumulation(int steps) {
        return new TrainingOptions(batchSize, steps, maxSteps, schedule, maxGradientNorm, validationEvery, validationBatches,
                checkpointEvery, checkpoint);
    }

    public TrainingOptions withMaxSteps(int steps) {
        return new TrainingOptions(batchSize, accumulationSteps, steps, schedule, maxGradientNorm, validationEvery, validationBatches,
                checkpointEvery, checkpoint);
    }

    public TrainingOptions withClipping(double maxNorm) {
        return new TrainingOptions(batchSize, accumulationSteps, maxSteps, schedule, maxNorm, validationEvery, validationBatches,
                checkpointEvery, checkpoint);
    }

    public TrainingOptions withValidation(int every, int batches) {
        return new TrainingOptions(batchSize, accumulationSteps, maxSteps, schedule, maxGradientNorm, every, batches,
                checkpointEvery, checkpoint);
    }

    public TrainingOptions withCheckpoint(Path file, int every) {
        return new TrainingOptions(batchSize, accumulationSteps, maxSteps, schedule, maxGradientNorm, validationEvery,
                validationBatches, every, file);
    }

    /** Tokens predicted per optimizer step. */
    public long tokensPerStep(int contextLength) {
        return (long) batchSize * accumulationSteps * contextLength;
    }
}
