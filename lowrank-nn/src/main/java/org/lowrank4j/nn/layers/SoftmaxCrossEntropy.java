package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Softmax cross-entropy over vocabulary logits, averaged over the targets that are not {@code ignoreIndex}
 * (Hugging Face uses −100 for padding and prompt tokens): {@code loss = −mean log softmax(logits)[target]}.
 */
public final class SoftmaxCrossEntropy {
    /** The ignore index of PyTorch and Hugging Face. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private final int ignoreIndex;
    private Tensor probs;   // (N, V) of the latest forward
    private int[] targets;  // (N)
    private int counted;    // targets that were not ignored
    private final StepBuffers.Slot probsBuffer = new StepBuffers.Slot(), gradientBuffer = new StepBuffers.Slot(); // in a training step

    public SoftmaxCrossEntropy(int ignoreIndex) {
        this.ignoreIndex = ignoreIndex;
    }

    public SoftmaxCrossEntropy() {
        this(DEFAULT_IGNORE_INDEX);
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    /**
     * logits (..., V), targets (N = size / V) -> mean loss over the non-ignored targets (0 when all are ignored).
     */
    public double forward(Tensor logits, int[] targets) {
        int vocab = logits.rank() < 1 ? 0 : logits.dim(-1);
        if (vocab < 1 || logits.size() / vocab != targets.length) {
            throw new IllegalArgumentException("cross-entropy: " + targets.length + " targets for logits of shape " + logits.shapeString());
        }
        int count = 0;
        for (int n = 0; n < targets.length; n++) {
            if (targets[n] == ignoreIndex) {
                continue;
            }
            if (targets[n] < 0 || targets[n] >= vocab) {
                throw new IllegalArgumentException("cross-entropy: target " + targets[n] + " at index " + n + " is outside the vocabulary [0, "
                        + vocab + ") and is not the ignore index " + ignoreIndex);
            }
            count++;
        }
        this.targets = targets.clone();
        this.counted = count;
        this.probs = probsBuffer.take(logits.precision(), logits.shape()); // written in full
        double total = Kernels.of(logits).crossEntropyForward(probs, logits, targets, ignoreIndex);
        return count == 0 ? 0 : total / count;
    }

    /** The number of targets the latest forward averaged over. */
    public int countedTargets() {
        return counted;
    }

    /** The gradient of {@code dloss · loss} with respect to the logits of the latest forward, (..., V). */
    public Tensor backward(double dloss) {
        if (probs == null) {
            throw new IllegalStateException("cross-entropy: backward called before forward");
        }
        Tensor dlogits = gradientBuffer.take(probs.precision(), probs.shape()); // written in full
        Kernels.of(probs).crossEntropyBackward(dlogits, probs, targets, ignoreIndex, counted == 0 ? 0 : dloss / counted);
        return dlogits;
    }

    /** The softmax probabilities of the latest forward, (..., V). */
    public Tensor probabilities() {
        return probs;
    }
}
