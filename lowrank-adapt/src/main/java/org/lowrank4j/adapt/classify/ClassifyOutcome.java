package org.lowrank4j.adapt.classify;

import java.nio.file.Path;
import java.util.List;

/**
 * What a classification fine-tuning run measured and wrote.
 *
 * @param before       held-out metrics of the frozen encoder with the head fitted on its pooled output alone (a linear probe)
 * @param after        held-out metrics with the trained adapters and head
 * @param classNames   the label of each class index
 * @param trainCount   training texts
 * @param testCount    held-out texts
 * @param stepsRun     optimizer steps run by this call
 * @param stepsDone    optimizer steps completed in all (a resumed run counts the earlier ones)
 * @param trainSeconds wall time of this call's training steps
 * @param trainable    trainable parameters: the adapters' A and B and the head
 * @param lastLoss     the last step's training loss
 * @param adapter      the folder written
 * @param validationBefore the probe's metrics on the validation split; null without one
 * @param validationAfter  the trained classifier's metrics on the validation split; null without one
 */
public record ClassifyOutcome(ClassificationMetrics before, ClassificationMetrics after, List<String> classNames, int trainCount,
        int testCount, long stepsRun, long stepsDone, double trainSeconds, long trainable, double lastLoss, Path adapter,
        ClassificationMetrics validationBefore, ClassificationMetrics validationAfter) {

    public ClassifyOutcome {
        classNames = List.copyOf(classNames);
    }
}
