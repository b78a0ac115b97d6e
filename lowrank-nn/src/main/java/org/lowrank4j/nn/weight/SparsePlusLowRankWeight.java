package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A weight stored as a scaled low-rank product plus a sparse matrix on a fixed support:
 * {@code W(out,in) = s·B(out,r)·A(r,in) + S}, where S is zero except at the flat indices {@code row·in + col} of
 * {@link #support()}, which hold the trainable {@link #values()}. The support itself is not a parameter and never
 * changes; it may be unstructured (SLTrain's uniform random entries) or whole channels (LOST's columns).
 *
 * <p>Forward and backward build W densely for the call and drop it afterwards, as the reference implementations do:
 * what training keeps is the factors, the values and their gradients and optimizer state. The backward forms the dense
 * weight gradient {@code D = dyᵀ·x} transiently and derives {@code dB = s·D·Aᵀ}, {@code dA = s·Bᵀ·D},
 * {@code dv_k = D[support_k]} and {@code dx = dy·W}.
 */
public final class SparsePlusLowRankWeight implements WeightFactorization {
    private final Parameter left;   // B (out, r)
    private final Parameter right;  // A (r, in)
    private final double scale;     // s
    private final int[] support;    // sorted flat indices into (out, in)
    private final Parameter values; // v (|support|)

    /**
     * @param left    B (out, r)
     * @param right   A (r, in)
     * @param scale   s, finite
     * @param support strictly increasing flat indices {@code row·in + col} in [0, out·in) (kept, not copied)
     * @param values  v, one entry per support index
     */
    public SparsePlusLowRankWeight(Parameter left, Parameter right, double scale, int[] support, Parameter values) {
        Tensor b = left.value(), a = right.value(), v = values.value();
        if (b.rank() != 2 || a.rank() != 2 || b.dim(1) != a.dim(0) || b.precision() != a.precision() || v.precision() != a.precision()) {
            throw new IllegalArgumentException("sparse plus low-rank factors must be B (out, r) and A (r, in) of one precision, got "
                    + left.name() + " " + b.shapeString() + " and " + right.name() + " " + a.shapeString());
        }
        if (v.rank() != 1 || v.size() != support.length) {
            throw new IllegalArgumentException(values.name() + " has shape " + v.shapeString() + " but the support holds "
                    + support.length + " indices");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale of " + left.name() + " must be finite, got " + scale);
        }
        long size = (long) b.dim(0) * a.dim(1);
        for (int k = 0; k < support.length; k++) {
            if (support[k] < 0 || support[k] >= size || (k > 0 && support[k] <= support[k - 1])) {
                throw new IllegalArgumentException("support of " + values.name() + " must be strictly increasing flat indices in [0, "
                        + size + "), got " + support[k] + " at position " + k);
            }
        }
        this.left = left;
        this.right = right;
        this.scale = scale;
        this.support = support;
        this.values = values;
    }

    /** B (out, r). */
    public Parameter left() {
        return left;
    }

    /** A (r, in). */
    public Parameter right() {
        return right;
    }

    /** The sparse values v, one per support index. */
    public Parameter values() {
        return values;
    }

    /** The flat indices {@code row·in + col} of S's entries, increasing (do not modify). */
    public int[] support() {
        return support;
    }

    public double scale() {
        return scale;
    }

    public int rank() {
        return left.value().dim(1);
    }

    @Override
    public int inFeatures() {
        return right.value().dim(1);
    }

    @Override
    public int outFeatures() {
        return left.value().dim(0);
    }

    @Override
    public Precision precision() {
        return left.value().precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(left.name(), x);
        Tensor y = Tensor.zeros(precision(), outputShape(x));
        MatMul.timesTransposed(y, x, toDense(), 0); // y = x Wᵀ
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.addTransposedTimes(d, dy, x);                                                           // D = dyᵀ x
        MatMul.gemm(scale, d.matrix(), right.value().matrix().transpose(), 1, left.gradient().matrix());  // dB += s D Aᵀ
        MatMul.gemm(scale, left.value().matrix().transpose(), d.matrix(), 1, right.gradient().matrix());  // dA += s Bᵀ D
        Tensor dv = values.gradient();
        for (int k = 0; k < support.length; k++) {
            dv.set(k, dv.get(k) + d.get(support[k]));                                                  // dv += D[Ω]
        }
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dy, toDense(), 0);                                                            // dx = dy W
        return dx;
    }

    @Override
    public Tensor toDense() {
        Tensor w = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(scale, left.value().matrix(), right.value().matrix(), 0, w.matrix()); // s B A
        Tensor v = values.value();
        for (int k = 0; k < support.length; k++) {
            w.set(support[k], w.get(support[k]) + v.get(k));                            // + S
        }
        return w;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(left, right, values);
    }
}
