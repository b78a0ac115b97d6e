package org.lowrank4j.nn.train.lowrank;

import java.util.List;
import java.util.function.BiFunction;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.Optimizer;

/**
 * A configured training method: its name, a canonical description with every option's value (recorded in the
 * checkpoint, so a resume can check it continues the same method), and how to build its optimizer.
 *
 * @param name     the method's name ({@code full}, {@code galore}, {@code galore-dct}, {@code fira})
 * @param describe name and every option, e.g. {@code galore:rank=128:gap=200:scale=0.25}
 */
public record TrainingMethod(String name, String describe, BiFunction<List<Parameter>, AdamW.Settings, Optimizer> factory) {

    /**
     * The optimizer over {@code parameters}.
     *
     * @throws IllegalArgumentException when the options do not fit the model (a rank above a matrix's dimensions)
     */
    public Optimizer create(List<Parameter> parameters, AdamW.Settings settings) {
        return factory.apply(parameters, settings);
    }
}
