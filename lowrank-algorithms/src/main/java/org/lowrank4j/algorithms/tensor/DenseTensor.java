package org.lowrank4j.algorithms.tensor;

import java.util.Arrays;
import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * A dense float64 tensor of shape I_0 × … × I_{N−1}, stored with mode 0 varying fastest (linear index
 * i_0 + I_0·(i_1 + I_1·(i_2 + …))), which makes the Kolda–Bader unfolding a plain reshuffle:
 * X_(n) is I_n × Π_{k≠n} I_k with column index Σ_{k≠n} i_k·J_k, J_k = Π_{m&lt;k, m≠n} I_m (earlier modes fastest).
 * Modes are numbered from 0 here (the spec's mode n is mode n − 1).
 */
public final class DenseTensor {
    private final int[] shape;
    private final double[] data;

    private DenseTensor(int[] shape, double[] data) {
        this.shape = shape;
        this.data = data;
    }

    /** A zero tensor. */
    public static DenseTensor zeros(int... shape) {
        return new DenseTensor(shape.clone(), new double[checkedSize(shape)]);
    }

    /** Wraps values in mode-0-fastest order (not copied). */
    public static DenseTensor wrap(double[] data, int... shape) {
        if (data.length != checkedSize(shape)) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " needs " + checkedSize(shape) + " values, got " + data.length);
        }
        return new DenseTensor(shape.clone(), data);
    }

    /** Independent standard normal entries. */
    public static DenseTensor gaussian(Random random, int... shape) {
        DenseTensor t = zeros(shape);
        for (int e = 0; e < t.data.length; e++) {
            t.data[e] = random.nextGaussian();
        }
        return t;
    }

    private static int checkedSize(int[] shape) {
        if (shape.length < 1) {
            throw new IllegalArgumentException("a tensor needs at least one mode");
        }
        long size = 1;
        for (int s : shape) {
            if (s < 1) {
                throw new IllegalArgumentException("tensor sizes must be at least 1, got " + Arrays.toString(shape));
            }
            size *= s;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " is too large for one array");
            }
        }
        return (int) size;
    }

    public int order() {
        return shape.length;
    }

    public int size(int mode) {
        return shape[mode];
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Number of entries. */
    public int count() {
        return data.length;
    }

    /** The backing array (mode 0 fastest); writes are shared. */
    public double[] data() {
        return data;
    }

    public int index(int... indices) {
        int linear = 0;
        for (int k = shape.length - 1; k >= 0; k--) {
            assert indices[k] >= 0 && indices[k] < shape[k];
            linear = linear * shape[k] + indices[k];
        }
        return linear;
    }

    public double get(int... indices) {
        return data[index(indices)];
    }

    public void set(double value, int... indices) {
        data[index(indices)] = value;
    }

    public double norm() {
        double sum = 0;
        for (double v : data) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

    /** ‖this − other‖_F. */
    public double distance(DenseTensor other) {
        requireSameShape(other);
        double sum = 0;
        for (int e = 0; e < data.length; e++) {
            double d = data[e] - other.data[e];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    /** The mode-n unfolding X_(n), I_n × Π_{k≠n} I_k (Kolda–Bader column order). */
    public DoubleMatrix unfold(int mode) {
        requireMode(mode);
        int rows = shape[mode], cols = data.length / rows;
        double[] out = new double[data.length];
        int below = 1; // Π_{k<n} I_k: the stride of mode n in the linear index
        for (int k = 0; k < mode; k++) {
            below *= shape[k];
        }
        // linear = low + below·(i_n + I_n·high); column = low + below·high.
        for (int e = 0; e < data.length; e++) {
            int low = e % below, rest = e / below, in = rest % rows, high = rest / rows;
            out[in * cols + low + below * high] = data[e];
        }
        return DoubleMatrix.wrap(out, rows, cols);
    }

    /** The inverse of {@link #unfold}: the tensor of the given shape whose mode-n unfolding is {@code matrix}. */
    public static DenseTensor fold(DoubleMatrix matrix, int mode, int... shape) {
        DenseTensor t = zeros(shape);
        t.requireMode(mode);
        int rows = shape[mode], cols = t.data.length / rows;
        if (matrix.rows() != rows || matrix.cols() != cols) {
            throw new IllegalArgumentException("a mode-" + mode + " unfolding of shape " + Arrays.toString(shape) + " is " + rows + "x" + cols + ", got " + matrix.shape());
        }
        double[] in = matrix.compact().data();
        int below = 1;
        for (int k = 0; k < mode; k++) {
            below *= shape[k];
        }
        for (int e = 0; e < t.data.length; e++) {
            int low = e % below, rest = e / below, i = rest % rows, high = rest / rows;
            t.data[e] = in[i * cols + low + below * high];
        }
        return t;
    }

    /** The mode-n product X ×_n U with U of shape J × I_n: (X ×_n U)_(n) = U · X_(n). */
    public DenseTensor modeProduct(int mode, DoubleMatrix u) {
        requireMode(mode);
        if (u.cols() != shape[mode]) {
            throw new IllegalArgumentException("mode-" + mode + " product needs a matrix with " + shape[mode] + " columns, got " + u.shape());
        }
        int[] outShape = shape.clone();
        outShape[mode] = u.rows();
        return fold(Linalg.multiply(u.toDouble(), unfold(mode)), mode, outShape);
    }

    private void requireMode(int mode) {
        if (mode < 0 || mode >= shape.length) {
            throw new IllegalArgumentException("mode " + mode + " is outside a tensor of order " + shape.length);
        }
    }

    private void requireSameShape(DenseTensor other) {
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("tensor shapes differ: " + Arrays.toString(shape) + " and " + Arrays.toString(other.shape));
        }
    }

    @Override
    public String toString() {
        return "DenseTensor" + Arrays.toString(shape);
    }
}
