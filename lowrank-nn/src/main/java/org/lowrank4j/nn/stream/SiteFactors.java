package org.lowrank4j.nn.stream;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * One linear site as the streaming kernels read it: {@code y = P·Aᵀ + b} with the rank-space activation {@code P = x·Bᵀ}
 * for a factor pair W = A·B (A (out, r), B (r, in)), or {@code P = x} and {@code A = W} for a dense weight. Any range of
 * output columns of any range of rows can then be expanded on its own ({@link #expand}), which is what lets a kernel keep
 * only a tile of the full-width output.
 */
final class SiteFactors {
    private final String name;
    private final Tensor a;    // (out, r): the factor A, or the dense W (out, in)
    private final Tensor b;    // (r, in), or null for a dense weight
    private final Tensor bias; // (out), or null

    private SiteFactors(String name, Tensor a, Tensor b, Tensor bias) {
        this.name = name;
        this.a = a;
        this.b = b;
        this.bias = bias;
    }

    /** @throws IllegalArgumentException when the site's weight is neither dense nor a factor pair, or not float32 */
    static SiteFactors of(Linear linear) {
        Tensor bias = linear.bias() == null ? null : linear.bias().value();
        if (linear.weight().precision() != Precision.FLOAT32) {
            throw new IllegalArgumentException(linear.name() + ": streaming inference runs float32 weights, this one is " + linear.weight().precision());
        }
        if (linear.weight() instanceof LowRankWeight f) {
            return new SiteFactors(linear.name(), f.left().value(), f.right().value(), bias);
        }
        if (linear.weight() instanceof DenseWeight d) {
            return new SiteFactors(linear.name(), d.weight().value(), null, bias);
        }
        throw new IllegalArgumentException(linear.name() + ": streaming inference reads dense or low-rank weights, not "
                + linear.weight().getClass().getSimpleName());
    }

    String name() {
        return name;
    }

    int outFeatures() {
        return a.dim(0);
    }

    /** Width of the rank space: r for a pair, in for a dense weight. */
    int rank() {
        return a.dim(1);
    }

    boolean factorised() {
        return b != null;
    }

    /**
     * The rank-space activation of rows x (N, in): a new (N, r) buffer for a pair, x itself (nothing taken) for a dense
     * weight.
     */
    Tensor project(Tensor x, int rows, TransientMemory memory) {
        if (b == null) {
            return x;
        }
        Tensor p = memory.take(rows, rank());
        MatMul.gemm(1, x.matrix(rows, b.dim(1)), b.matrix().transpose(), 0, p.matrix());
        return p;
    }

    /** Gives back what {@link #project} took. */
    void release(Tensor projected, TransientMemory memory) {
        if (b != null) {
            memory.give(projected);
        }
    }

    /**
     * {@code target = pRows·A[c0:c1]ᵀ (+ bias[c0:c1])}: output columns [c0, c1) of the rows whose rank-space activations
     * are {@code pRows} (rows × r); {@code target} is rows × (c1 − c0), possibly a strided view.
     */
    void expand(DenseMatrix pRows, int c0, int c1, DenseMatrix target, boolean addBias) {
        MatMul.gemm(1, pRows, a.matrix().rowRange(c0, c1).transpose(), 0, target);
        if (addBias && bias != null) {
            for (int i = 0; i < target.rows(); i++) {
                for (int j = 0; j < c1 - c0; j++) {
                    target.set(i, j, target.get(i, j) + bias.get(c0 + j));
                }
            }
        }
    }

    /**
     * {@code acc += t·B[:, c0:c1]ᵀ} — a tile t (rows × (c1 − c0)) of this site's input taken into rank space — for a pair;
     * for a dense weight (no rank space) {@code acc += t·W[:, c0:c1]ᵀ} goes straight to the output columns.
     */
    void accumulateInput(DenseMatrix t, int c0, int c1, DenseMatrix acc) {
        Tensor inner = b != null ? b : a;
        MatMul.gemm(1, t, inner.matrix().colRange(c0, c1).transpose(), 1, acc);
    }

    /** {@code y = acc·Aᵀ + bias} for a pair (acc in rank space); for a dense weight, y already holds acc: only the bias is added. */
    void finish(DenseMatrix acc, DenseMatrix y) {
        if (b != null) {
            MatMul.gemm(1, acc, a.matrix().transpose(), 0, y);
        }
        if (bias != null) {
            for (int i = 0; i < y.rows(); i++) {
                for (int j = 0; j < y.cols(); j++) {
                    y.set(i, j, y.get(i, j) + bias.get(j));
                }
            }
        }
    }
}
