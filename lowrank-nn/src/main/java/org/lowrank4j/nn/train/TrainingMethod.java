package org.lowrank4j.nn.train;

import java.util.List;
import java.util.function.BiFunction;
import org.lowrank4j.nn.Parameter;

/**
 * A configured training method: its name, a canonical description with every option's value (recorded in the
 * checkpoint, so a resume can check it continues the same method), and how to build its optimizer. The low-rank
 * methods are configured by {@code org.lowrank4j.nn.train.lowrank.TrainingMethods}; this package knows only {@link #full()}.
 *
 * @param name     the method's name ({@code full}, {@code galore}, {@code galore-dct}, {@code fira})
 * @param describe         name and every option, e.g. {@code galore:rank=128:gap=200:scale=0.25}
 * @param parameterization how the weights are stored while training ({@link Parameterization#NONE} for dense)
 */
public record TrainingMethod(String name, String describe, BiFunction<List<Parameter>, AdamW.Settings, Optimizer> factory,
        Parameterization parameterization) {

    /** A method that trains the dense weights as they are ({@link Parameterization#NONE}) with the optimizer of {@code factory}. */
    public TrainingMethod(String name, String describe, BiFunction<List<Parameter>, AdamW.Settings, Optimizer> factory) {
        this(name, describe, factory, Parameterization.NONE);
    }

    /** Full-rank AdamW, the dense trainer (norms and biases without weight decay). */
    public static TrainingMethod full() {
        return new TrainingMethod("full", "full", (params, s) -> new AdamW(params, s, AdamW.NORMS_AND_BIASES));
    }

    /**
     * The optimizer over {@code parameters}.
     *
     * @throws IllegalArgumentException when the options do not fit the model (a rank above a matrix's dimensions)
     */
    public Optimizer create(List<Parameter> parameters, AdamW.Settings settings) {
        return factory.apply(parameters, settings);
    }
}
