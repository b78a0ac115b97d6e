package org.lowrank4j.nn.arch.llama;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.NextTokenModel;

/**
 * A {@link LlamaModel} as a {@link LanguageModel} for the trainer: the next-token cross-entropy of
 * {@link NextTokenModel}, with the wrapped model typed as LLaMA for the callers that need it. The parameters are the
 * wrapped model's, so training this trains it.
 */
public final class LlamaLanguageModel implements LanguageModel {
    private final LlamaModel model;
    private final NextTokenModel loss;

    public LlamaLanguageModel(LlamaModel model) {
        if (model == null) {
            throw new IllegalArgumentException("LlamaLanguageModel needs a model");
        }
        this.model = model;
        this.loss = new NextTokenModel(model);
    }

    /** The wrapped decoder. */
    public LlamaModel model() {
        return model;
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        return loss.lossAndBackward(inputs, targets);
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        return loss.loss(inputs, targets);
    }

    @Override
    public List<Parameter> parameters() {
        return model.parameters();
    }
}
