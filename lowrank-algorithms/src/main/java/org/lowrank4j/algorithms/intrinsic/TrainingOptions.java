package org.lowrank4j.algorithms.intrinsic;

/**
 * How {@link IntrinsicTraining} trains: scenes from seeds {@code firstSeed … firstSeed + scenes − 1}, {@code ordinalSteps}
 * Adam steps of the ordinal network (alternating the base and high sizes) then {@code mergeSteps} of the merge network,
 * {@code batch} scenes a step, learning rate {@code learningRate} decayed by a cosine to a tenth within each phase.
 */
public record TrainingOptions(long firstSeed, int scenes, int ordinalSteps, int mergeSteps, int batch, double learningRate, long seed) {
    public TrainingOptions {
        if (scenes < 1 || ordinalSteps < 0 || mergeSteps < 0 || batch < 1 || !(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("training needs scenes >= 1, steps >= 0, batch >= 1 and a positive finite learning rate, got scenes="
                    + scenes + " ordinal steps=" + ordinalSteps + " merge steps=" + mergeSteps + " batch=" + batch + " lr=" + learningRate);
        }
    }

    public static TrainingOptions defaults() {
        return new TrainingOptions(0, 2000, 1500, 1000, 4, 2e-3, 1);
    }
}
