package org.lowrank4j.nn.generate;

import java.util.Arrays;
import java.util.Map;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * A factorised projection in a checkpoint, whatever the architecture: {@code <name>.lowrank_A} (out, r) and
 * {@code <name>.lowrank_B} (r, in), {@code W ≈ A·B} in the runtime's (out, in) layout (the {@link LowRankWeight}
 * convention), {@code <name>} being the {@link Linear}'s name. Low-rank model folders of every decoder family store
 * their factors this way.
 */
public final class FactorTensors {
    public static final String A_SUFFIX = ".lowrank_A", B_SUFFIX = ".lowrank_B";

    private FactorTensors() {
    }

    /** Whether {@code source} holds either factor of {@code base}. */
    public static boolean present(TensorSource source, String base) {
        return source.contains(base + A_SUFFIX) || source.contains(base + B_SUFFIX);
    }

    /**
     * Installs the factors of {@code linear} (named {@code base} in the checkpoint) as a {@link LowRankWeight}.
     *
     * @throws IllegalArgumentException when one factor is missing, {@code base.weight} is stored as well, or a shape does
     *                                  not fit the projection (naming the tensor and the file)
     */
    public static void install(TensorSource source, String base, Linear linear) {
        String a = base + A_SUFFIX, b = base + B_SUFFIX;
        if (!source.contains(a) || !source.contains(b)) {
            String present = source.contains(a) ? a : b, missing = source.contains(a) ? b : a;
            throw new IllegalArgumentException("tensor '" + present + "' in " + source.path() + " has no matching '" + missing
                    + "' (a low-rank projection needs both factors)");
        }
        if (source.contains(base + ".weight")) {
            throw new IllegalArgumentException(source.path() + " holds both '" + base + ".weight' and the low-rank factors '" + a
                    + "'/'" + b + "'; a projection is stored one way only");
        }
        int out = linear.outFeatures(), in = linear.inFeatures();
        long[] shapeA = source.info(a).shape(), shapeB = source.info(b).shape();
        if (shapeA.length != 2 || shapeA[0] != out) {
            throw new IllegalArgumentException("tensor '" + a + "' in " + source.path() + " has shape " + Arrays.toString(shapeA)
                    + " but [" + out + ", r] was expected (the " + out + "x" + in + " projection of the config)");
        }
        long rank = shapeA[1];
        if (rank < 1 || rank > Math.min(out, in)) {
            throw new IllegalArgumentException("tensor '" + a + "' in " + source.path() + " has rank " + rank + ", outside [1, "
                    + Math.min(out, in) + "] = [1, min(out, in)] for the " + out + "x" + in + " projection " + base);
        }
        if (shapeB.length != 2 || shapeB[0] != rank || shapeB[1] != in) {
            throw new IllegalArgumentException("tensor '" + b + "' in " + source.path() + " has shape " + Arrays.toString(shapeB)
                    + " but [" + rank + ", " + in + "] was expected (rank " + rank + " from '" + a + "', " + in
                    + " inputs from the config)");
        }
        Precision precision = linear.weight().precision();
        LowRankWeight weight = new LowRankWeight(new Parameter(base + ".A", Tensor.zeros(precision, out, (int) rank)),
                new Parameter(base + ".B", Tensor.zeros(precision, (int) rank, in)));
        HfCheckpoint.read(source, a, weight.left().value());
        HfCheckpoint.read(source, b, weight.right().value());
        linear.setWeight(weight);
    }

    /** Puts the two factors of a low-rank {@code linear} under {@code base}; false (nothing put) for any other weight. */
    public static boolean put(Map<String, Tensor> out, String base, Linear linear) {
        if (linear.weight() instanceof LowRankWeight f) {
            out.put(base + A_SUFFIX, f.left().value());
            out.put(base + B_SUFFIX, f.right().value());
            return true;
        }
        return false;
    }
}
