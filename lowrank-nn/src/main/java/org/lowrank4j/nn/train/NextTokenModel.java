package org.lowrank4j.nn.train;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Any {@link CausalLanguageModel} (LLaMA family, GPT-2) as a {@link LanguageModel} for the trainer: {@code forward}
 * (B,T) ids → (B,T,V) logits → {@link SoftmaxCrossEntropy} (mean over the B·T targets) and, for
 * {@link #lossAndBackward}, the cross-entropy's gradient back through {@link CausalLanguageModel#backward}. The
 * parameters are the wrapped model's, so training this trains it.
 *
 * <p>When a batch's logits would pass {@link #LOGIT_BUDGET} values (a vocabulary of 128 k or 262 k tokens over long
 * windows) and the model splits its forward before the output projection ({@link CausalLanguageModel#forwardFeatures}),
 * the projection, the cross-entropy and their backward run a few rows at a time, and the (B,T,V) logits are never held.
 * The loss and gradients are the same sums.
 */
public final class NextTokenModel implements LanguageModel {
    /** Logits held at once by the row-by-row path (16 M values, 64 MB in float32). */
    static final long LOGIT_BUDGET = 1L << 24;

    private final CausalLanguageModel model;
    private final long logitBudget;
    private final SoftmaxCrossEntropy crossEntropy = new SoftmaxCrossEntropy();
    // the rows of the features scored at once and the features' gradient, in a training step (StepBuffers)
    private final StepBuffers.Slot rowsBuffer = new StepBuffers.Slot(), featureGradient = new StepBuffers.Slot();

    public NextTokenModel(CausalLanguageModel model) {
        this(model, LOGIT_BUDGET);
    }

    /** With at most {@code logitBudget} logits held at once (at least one row's, whatever is given). */
    NextTokenModel(CausalLanguageModel model, long logitBudget) {
        if (model == null) {
            throw new IllegalArgumentException("NextTokenModel needs a model");
        }
        this.model = model;
        this.logitBudget = logitBudget;
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        return run(inputs, targets, true);
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        return run(inputs, targets, false);
    }

    private double run(int[][] inputs, int[][] targets, boolean backward) {
        Batch b = batch(inputs, targets);
        if ((long) b.next.length * model.vocabSize() > logitBudget) {
            Tensor features = model.forwardFeatures(b.ids, b.batch, b.time);
            if (features != null) {
                return inRows(features, b.next, backward);
            }
        }
        double loss = crossEntropy.forward(model.forward(b.ids, b.batch, b.time), b.next); // (B,T,V)
        if (backward) {
            model.backward(crossEntropy.backward(1.0)); // dlogits (B,T,V)
        }
        return loss;
    }

    /**
     * The mean cross-entropy of the output projection of {@code features} (B,T,C) against {@code next}, a few rows at a time;
     * with {@code backward}, each chunk's logit gradient goes back through the projection at once, and the features'
     * gradient through the model below it.
     */
    private double inRows(Tensor features, int[] next, boolean backward) {
        int rows = next.length, channels = features.dim(-1);
        int chunk = (int) Math.max(1, Math.min(rows, logitBudget / model.vocabSize()));
        int counted = 0;
        for (int target : next) {
            counted += target == crossEntropy.ignoreIndex() ? 0 : 1;
        }
        Tensor dfeatures = backward ? featureGradient.take(features.precision(), features.shape()) : null; // every row written below
        LogitShaping shaping = model.logitShaping(); // Granite's, Gemma 2's: its forward and backward run chunk by chunk
        double total = 0;
        for (int first = 0; first < rows; first += chunk) {
            int count = Math.min(chunk, rows - first);
            Tensor part = rowsBuffer.take(features.precision(), count, channels);
            part.matrix(count, channels).assign(features.matrix(rows, channels).rowRange(first, first + count));
            Tensor logits = model.outputProjection().forward(part);
            double mean = crossEntropy.forward(shaping == null ? logits : shaping.forward(logits), java.util.Arrays.copyOfRange(next, first, first + count));
            int partCounted = crossEntropy.countedTargets();
            total += mean * partCounted;
            if (backward && partCounted > 0) { // this chunk's share of the mean over every counted target
                Tensor dlogits = crossEntropy.backward((double) partCounted / counted);
                Tensor dpart = model.outputProjection().backward(shaping == null ? dlogits : shaping.backward(dlogits));
                dfeatures.matrix(rows, channels).rowRange(first, first + count).assign(dpart.matrix(count, channels));
            } else if (backward) { // no counted target in these rows: no gradient flows back from them
                var none = dfeatures.matrix(rows, channels).rowRange(first, first + count);
                for (int i = 0; i < count; i++) {
                    for (int j = 0; j < channels; j++) {
                        none.set(i, j, 0);
                    }
                }
            }
        }
        if (backward) {
            model.backwardFeatures(dfeatures);
        }
        return counted == 0 ? 0 : total / counted;
    }

    private record Batch(int[] ids, int[] next, int batch, int time) {}

    /** inputs, targets (B, T), flattened. */
    private static Batch batch(int[][] inputs, int[][] targets) {
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
        return new Batch(ids, next, batch, time);
    }

    @Override
    public List<Parameter> parameters() {
        return model.parameters();
    }
}
