package org.lowrank4j.nn.train;

import org.lowrank4j.nn.Module;

/**
 * What the {@link Trainer} needs of a next-token model: the mean cross-entropy of a batch, with or without its
 * gradients. {@code inputs} and {@code targets} are (B, T) token ids; {@code targets[b][t]} is the token after
 * {@code inputs[b][t]}.
 *
 * <p>The trainer calls both inside {@link org.lowrank4j.nn.tensor.StepBuffers#during}: there the layers' outputs are
 * buffers that the layer's next run overwrites. An objective that runs the same layers twice in one call and still needs
 * the first run's output after the second (a teacher's logits, say) copies it first.
 */
public interface LanguageModel extends Module {

    /**
     * Forward and backward: returns the mean loss over the batch's targets and <em>adds</em> its gradients into
     * the parameters' {@link org.lowrank4j.nn.Parameter#gradient()} (the caller zeroes them).
     */
    double lossAndBackward(int[][] inputs, int[][] targets);

    /** Forward only: the mean loss over the batch's targets; gradients are left as they are. */
    double loss(int[][] inputs, int[][] targets);

    /**
     * {@code base}'s losses with {@code parameters} as what trains (an adapter's, a head's): the trainer zeroes, clips,
     * steps and checkpoints those, and the base's own stay as they are.
     */
    static LanguageModel training(LanguageModel base, java.util.List<org.lowrank4j.nn.Parameter> parameters) {
        java.util.List<org.lowrank4j.nn.Parameter> own = java.util.List.copyOf(parameters);
        return new LanguageModel() {
            @Override
            public double lossAndBackward(int[][] inputs, int[][] targets) {
                return base.lossAndBackward(inputs, targets);
            }

            @Override
            public double loss(int[][] inputs, int[][] targets) {
                return base.loss(inputs, targets);
            }

            @Override
            public java.util.List<org.lowrank4j.nn.Parameter> parameters() {
                return own;
            }
        };
    }
}
