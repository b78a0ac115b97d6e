package org.lowrank4j.adapt.finetune;

import java.nio.file.Path;
import org.lowrank4j.nn.generate.PerplexityResult;

/**
 * What a fine-tuning run measured and wrote.
 *
 * @param before          held-out perplexity of the base model
 * @param after           held-out perplexity of the base with the adapter
 * @param stepsRun        optimizer steps run by this call
 * @param stepsDone       optimizer steps completed in all (a resumed run counts the earlier ones)
 * @param trainSeconds    wall time of the training steps of this call (evaluation excluded)
 * @param trainable       trainable parameters (the adapters' A and B)
 * @param baseParameters  parameters of the base model
 * @param trainTokens     tokens of the training part of the text
 * @param lastLoss        the last step's training loss
 * @param adapter         the adapter folder written
 * @param notes           lines the adapter kind reports (SoRA: the ranks left per layer); empty for LoRA
 */
public record FineTuneOutcome(PerplexityResult before, PerplexityResult after, long stepsRun, long stepsDone, double trainSeconds,
        long trainable, long baseParameters, long trainTokens, double lastLoss, Path adapter, java.util.List<String> notes) {

    public FineTuneOutcome(PerplexityResult before, PerplexityResult after, long stepsRun, long stepsDone, double trainSeconds, long trainable,
            long baseParameters, long trainTokens, double lastLoss, Path adapter) {
        this(before, after, stepsRun, stepsDone, trainSeconds, trainable, baseParameters, trainTokens, lastLoss, adapter, java.util.List.of());
    }

    public FineTuneOutcome {
        notes = java.util.List.copyOf(notes);
    }

    /** 1 − after/before of the perplexity: the fraction removed. */
    public double perplexityReduction() {
        return 1 - after.perplexity() / before.perplexity();
    }
}
