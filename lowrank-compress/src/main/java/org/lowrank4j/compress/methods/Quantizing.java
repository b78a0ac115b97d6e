package org.lowrank4j.compress.methods;

import java.util.function.Supplier;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/** Runs a quantizer on a site and names the site in whatever it refuses (a group that does not divide its inputs). */
public final class Quantizing {

    private Quantizing() {
    }

    /** The quantizer's result; its IllegalArgumentException again with the site's name and shape in front. */
    public static QuantizedMatrix onSite(LinearWeight weight, Supplier<QuantizedMatrix> quantizer) {
        try {
            return quantizer.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weight.name() + " (" + weight.outFeatures() + "x" + weight.inFeatures() + "): " + e.getMessage(), e);
        }
    }
}
