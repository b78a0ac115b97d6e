package org.lowrank4j.nn.arch.mamba;

import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** The pointwise functions of a Mamba block and the column slicing of its fused projections, over float64 arrays. */
final class Elementwise {
    private Elementwise() {
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** silu(x) = x·σ(x). */
    static double silu(double x) {
        return x * sigmoid(x);
    }

    /** d silu / dx = σ(x)·(1 + x·(1 − σ(x))). */
    static double siluDerivative(double x) {
        double s = sigmoid(x);
        return s * (1 + x * (1 - s));
    }

    /** softplus(x) = log(1 + eˣ), computed without overflow; its derivative is σ(x). */
    static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }

    /** Columns [from, from + width) of the rows of a (rows, columns) array, as a (rows, width) array. */
    static double[] columns(double[] values, int rows, int columns, int from, int width) {
        double[] out = new double[rows * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * columns + from, out, r * width, width);
        }
        return out;
    }

    /** Writes a (rows, width) array into columns [from, from + width) of a (rows, columns) array. */
    static void putColumns(double[] target, int rows, int columns, int from, double[] part, int width) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(part, r * width, target, r * columns + from, width);
        }
    }

    static Tensor tensor(Precision precision, double[] values, int... shape) {
        return Tensor.of(precision, values, shape);
    }
}
