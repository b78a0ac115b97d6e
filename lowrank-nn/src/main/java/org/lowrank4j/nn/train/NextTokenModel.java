package org.lowrank4j.nn.train;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Any {@link CausalLanguageModel} (LLaMA family, GPT-2) as a {@link LanguageModel} for the trainer: {@code forward}
 * (B,T) ids → (B,T,V) logits → {@link SoftmaxCrossEntropy} (mean over the B·T targets) and, for
 * {@link #lossAndBackward}, the cross-entropy's gradient back through {@link CausalLanguageModel#backward}. The
 * parameters are the wrapped model's, so training this trains it.
 */
public final class NextTokenModel implements LanguageModel {
    private final CausalLanguageModel model;
    private final SoftmaxCrossEntropy crossEntropy = new SoftmaxCrossEntropy();

    public NextTokenModel(CausalLanguageModel model) {
        if (model == null) {
            throw new IllegalArgumentException("NextTokenModel needs a model");
        }
        this.model = model;
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        double loss = forward(inputs, targets);
        model.backward(crossEntropy.backward(1.0)); // dlogits (B,T,V)
        return loss;
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        return forward(inputs, targets);
    }

    /** inputs, targets (B, T) → mean cross-entropy; keeps the activations for a backward. */
    private double forward(int[][] inputs, int[][] targets) {
        if (inputs.length == 0 || inputs.length != targets.length) {
            throw new IllegalArgumentException("a batch needs as many target rows as input rows (at least one), got "
                    + inputs.length + " and " + targets.length);
        }
        int batch = inputs.length, time = inputs[0].length;
        int[] ids = new int[batch * time];
        int[] next = new int[batch * time];
        for (int b = 0; b < batch; b++) {
            if (inputs[b].length != time || targets[b].length != time) {
                throw new IllegalArgumentException("batch row " + b + " has " + inputs[b].length + " inputs and " + targets[b].length
                        + " targets; every row needs " + time);
            }
            System.arraycopy(inputs[b], 0, ids, b * time, time);
            System.arraycopy(targets[b], 0, next, b * time, time);
        }
        Tensor logits = model.forward(ids, batch, time); // (B,T,V)
        return crossEntropy.forward(logits, next);
    }

    @Override
    public List<Parameter> parameters() {
        return model.parameters();
    }
}
