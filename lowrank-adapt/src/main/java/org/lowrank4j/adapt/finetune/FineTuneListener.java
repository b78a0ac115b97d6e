package org.lowrank4j.adapt.finetune;

import org.lowrank4j.nn.train.TrainingListener;

/** Progress of {@link FineTuning#run}: the trainer's callbacks plus the evaluation phases. */
public interface FineTuneListener extends TrainingListener {
    FineTuneListener NONE = new FineTuneListener() {
    };

    /** A phase starts ("base perplexity", "training", "adapted perplexity"), with a line of detail. */
    default void onPhase(String phase, String detail) {
    }
}
