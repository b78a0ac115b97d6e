package org.lowrank4j.nn.train;

import java.util.List;
import java.util.Locale;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The memory a training run holds, measured from the arrays themselves (elements × element size), not estimated:
 * parameter values, their gradients, and the optimizer's state tensors. Tied parameters count once.
 *
 * @param weightBytes    bytes of the parameter values
 * @param gradientBytes  bytes of the gradient tensors
 * @param optimizerBytes bytes of the optimizer's state ({@link Optimizer#state()})
 */
public record TrainingMemory(long weightBytes, long gradientBytes, long optimizerBytes) {

    /** Measures {@code parameters} (each distinct one once) and {@code optimizer}'s state. */
    public static TrainingMemory measure(List<Parameter> parameters, Optimizer optimizer) {
        long weights = 0, gradients = 0;
        for (Parameter p : GradientClipping.distinct(parameters)) {
            weights += bytes(p.value());
            gradients += bytes(p.gradient());
        }
        return new TrainingMemory(weights, gradients, optimizer.stateBytes());
    }

    /** Elements × element size (4 for float32, 8 for float64). */
    public static long bytes(Tensor t) {
        return (long) t.size() * (t instanceof FloatTensor ? Float.BYTES : Double.BYTES);
    }

    /** Weights + optimizer state: the figure the low-rank optimizers reduce. */
    public long weightAndOptimizerBytes() {
        return weightBytes + optimizerBytes;
    }

    public long totalBytes() {
        return weightBytes + gradientBytes + optimizerBytes;
    }

    /** One line: the three figures in bytes and MiB. */
    public String describe() {
        return String.format(Locale.ROOT, "memory: weights %,d B, gradients %,d B, optimizer state %,d B (%.2f / %.2f / %.2f MiB)",
                weightBytes, gradientBytes, optimizerBytes, weightBytes / 1048576.0, gradientBytes / 1048576.0, optimizerBytes / 1048576.0);
    }
}
