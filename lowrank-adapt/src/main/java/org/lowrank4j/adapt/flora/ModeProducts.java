package org.lowrank4j.adapt.flora;

/**
 * Mode products on row-major float64 arrays, FLoRA's kernels. A tensor is an array with a shape {@code (s_0, …, s_{m-1})};
 * an axis splits it as {@code (pre, s_axis, post)}. Factors are matrices {@code U (size × rank)}, row-major, as stored.
 */
final class ModeProducts {
    private ModeProducts() {
    }

    /**
     * Expands an axis from rank to size: {@code out[p, a, q] = Σ_b U[a, b]·t[p, b, q]} with {@code U (size × rank)} and
     * {@code shape[axis] = rank}; the result has {@code size} on that axis. Cost pre·size·rank·post.
     */
    static double[] expand(double[] t, int[] shape, int axis, double[] u, int size, int rank) {
        assert shape[axis] == rank && u.length == size * rank;
        int pre = product(shape, 0, axis), post = product(shape, axis + 1, shape.length);
        double[] out = new double[pre * size * post];
        for (int p = 0; p < pre; p++) {
            for (int b = 0; b < rank; b++) {
                int from = (p * rank + b) * post;
                for (int a = 0; a < size; a++) {
                    double w = u[a * rank + b];
                    if (w == 0) {
                        continue;
                    }
                    int to = (p * size + a) * post;
                    for (int q = 0; q < post; q++) {
                        out[to + q] += w * t[from + q];
                    }
                }
            }
        }
        shape[axis] = size;
        return out;
    }

    /**
     * Contracts an axis from size to rank: {@code out[p, b, q] = Σ_a U[a, b]·t[p, a, q]} (the product with Uᵀ) with
     * {@code shape[axis] = size}; the result has {@code rank} on that axis. Cost pre·size·rank·post.
     */
    static double[] contract(double[] t, int[] shape, int axis, double[] u, int size, int rank) {
        assert shape[axis] == size && u.length == size * rank;
        int pre = product(shape, 0, axis), post = product(shape, axis + 1, shape.length);
        double[] out = new double[pre * rank * post];
        for (int p = 0; p < pre; p++) {
            for (int a = 0; a < size; a++) {
                int from = (p * size + a) * post;
                for (int b = 0; b < rank; b++) {
                    double w = u[a * rank + b];
                    if (w == 0) {
                        continue;
                    }
                    int to = (p * rank + b) * post;
                    for (int q = 0; q < post; q++) {
                        out[to + q] += w * t[from + q];
                    }
                }
            }
        }
        shape[axis] = rank;
        return out;
    }

    /**
     * {@code out[a, b] += c·Σ_{p,q} s[p, a, q]·t[p, b, q]}: two tensors of the same shape except on {@code axis} (sizes α
     * and β there), contracted over every other axis into {@code out (α × β)}; the factor gradient.
     */
    static void addContractedAllBut(double[] out, double c, double[] s, int[] shapeS, double[] t, int[] shapeT, int axis) {
        int pre = product(shapeS, 0, axis), post = product(shapeS, axis + 1, shapeS.length);
        int alpha = shapeS[axis], beta = shapeT[axis];
        assert pre == product(shapeT, 0, axis) && post == product(shapeT, axis + 1, shapeT.length) && out.length == alpha * beta;
        for (int p = 0; p < pre; p++) {
            for (int a = 0; a < alpha; a++) {
                int from = (p * alpha + a) * post;
                for (int b = 0; b < beta; b++) {
                    int other = (p * beta + b) * post;
                    double sum = 0;
                    for (int q = 0; q < post; q++) {
                        sum += s[from + q] * t[other + q];
                    }
                    out[a * beta + b] += c * sum;
                }
            }
        }
    }

    /** The product of {@code shape[from..to)}. */
    static int product(int[] shape, int from, int to) {
        int n = 1;
        for (int i = from; i < to; i++) {
            n *= shape[i];
        }
        return n;
    }
}
