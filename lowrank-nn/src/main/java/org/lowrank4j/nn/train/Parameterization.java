package org.lowrank4j.nn.train;

import org.lowrank4j.nn.generate.CausalLanguageModel;

/**
 * How a training method stores the weights it trains, when that is not the dense weights themselves: sparse plus
 * low-rank factors (SLTrain, LOST), singular vectors and values (SST), ordered factors (Maestro). {@link #install}
 * swaps the linear sites' weights ({@link org.lowrank4j.nn.layers.Linear#setWeight}) for trainable
 * {@link org.lowrank4j.nn.weight.WeightFactorization}s before the optimizer sees the parameters. The folder a run
 * writes holds whatever {@link org.lowrank4j.nn.weight.WeightFactorization#toDense} gives, so it is an ordinary decoder
 * folder.
 *
 * <p>Fixed choices that are not parameters (a sparse support, a channel mask) must come out the same on
 * {@code --resume}: derive them from {@code seed} and the model's shapes only, or keep them as optimizer state (the
 * checkpoint stores every {@link Optimizer#state} tensor by name).
 */
public interface Parameterization {

    /** The dense weights as they are (full AdamW, GaLore, Fira). */
    Parameterization NONE = (model, seed) -> {
    };

    /**
     * Replaces weights of {@code model}'s linear sites. Called once, after the model is built, loaded, or created for
     * a resume (then with its initial values, before the checkpoint overwrites the parameters), and before the optimizer
     * is created.
     *
     * @throws IllegalArgumentException when the options do not fit the model (a rank above a layer's dimensions)
     */
    void install(CausalLanguageModel model, long seed);

    /**
     * What the trainer trains: {@code plain} (the model's next-token cross-entropy) unless the method's training step is
     * more than that (Maestro's full plus partial pass). Validation calls the returned model's
     * {@link LanguageModel#loss}, which must stay the plain full-model cross-entropy.
     */
    default LanguageModel objective(CausalLanguageModel model, LanguageModel plain) {
        return plain;
    }

    /** The rank each site ends with, by site name, for methods that learn it (Maestro's kept components); empty otherwise. */
    default java.util.Map<String, Integer> siteRanks() {
        return java.util.Map.of();
    }
}
