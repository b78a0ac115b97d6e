package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A weight stored as the product of two factors, {@code W(out,in) = A(out,r)·B(r,in)}, applied without forming
 * W: {@code y = (x·Bᵀ)·Aᵀ}, which costs {@code r·(in+out)} per row instead of {@code in·out}. From a truncated
 * SVD {@code W ≈ U_r S_r V_rᵀ} the usual split is {@code A = U_r √S_r}, {@code B = √S_r V_rᵀ}. (In ONNX's
 * {@code x·W'} orientation, with {@code W' = Wᵀ}, this is {@code (x·Bᵀ)·Aᵀ} = x·A'·B' with A' = Bᵀ, B' = Aᵀ.)
 *
 * <p>The backward pass recomputes {@code h = x·Bᵀ} rather than keeping it, which keeps the factorization
 * stateless at the price of one extra (N,in)·(in,r) product.
 */
public final class LowRankWeight implements WeightFactorization, Pinnable {
    private final Parameter left;  // A (out, r)
    private final Parameter right; // B (r, in)

    public LowRankWeight(Parameter left, Parameter right) {
        Tensor a = left.value(), b = right.value();
        if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(0) || a.precision() != b.precision()) {
            throw new IllegalArgumentException("low-rank factors must be A (out, r) and B (r, in) of one precision, got "
                    + left.name() + " " + a.shapeString() + " and " + right.name() + " " + b.shapeString());
        }
        this.left = left;
        this.right = right;
        this.pinLeft = new PinSlot(left);
        this.pinRight = new PinSlot(right);
    }

    /** Zero factors named {@code name + ".A"} (out, rank) and {@code name + ".B"} (rank, in). */
    public static LowRankWeight zeros(String name, int out, int in, int rank, Precision precision) {
        return new LowRankWeight(new Parameter(name + ".A", Tensor.zeros(precision, out, rank)),
                new Parameter(name + ".B", Tensor.zeros(precision, rank, in)));
    }

    /**
     * The top-{@code rank} truncation of an SVD of W (out, in), split evenly: {@code A = U_r·√S_r} (out, r) and
     * {@code B = √S_r·V_rᵀ} (r, in), named {@code name + ".A"} and {@code name + ".B"}.
     */
    public static LowRankWeight fromSvd(String name, SvdResult svd, int rank, Precision precision) {
        DenseMatrix u = svd.u(), vt = svd.vt();
        int rows = u.rows(), cols = vt.cols();
        Tensor left = Tensor.zeros(precision, rows, rank), right = Tensor.zeros(precision, rank, cols);
        for (int k = 0; k < rank; k++) {
            double root = Math.sqrt(svd.s()[k]);
            for (int i = 0; i < rows; i++) {
                left.set(i * rank + k, u.get(i, k) * root);
            }
            for (int j = 0; j < cols; j++) {
                right.set(k * cols + j, vt.get(k, j) * root);
            }
        }
        return new LowRankWeight(new Parameter(name + ".A", left), new Parameter(name + ".B", right));
    }

    /** A (out, r). */
    public Parameter left() {
        return left;
    }

    /** B (r, in). */
    public Parameter right() {
        return right;
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

    private final PinSlot pinLeft, pinRight; // A and B, and their staged copies while pinned (see Pinnable)

    @Override
    public void pin() {
        if (!pinLeft.pin() || !pinRight.pin()) { // both or neither
            unpin();
        }
    }

    @Override
    public void unpin() {
        pinLeft.unpin();
        pinRight.unpin();
    }

    @Override
    public boolean isPinned() {
        return pinLeft.isPinned();
    }

    // the latest forward's input and its projection x Bᵀ, reused by a backward on the same input (saves one product)
    private Tensor lastInput;
    private Tensor lastProjection;

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = newOutput(left.name(), x); // (N, out)
        forwardInto(y, x);
        return y;
    }

    @Override
    public void forwardInto(Tensor y, Tensor x) {
        checkInput(left.name(), x);
        checkOutput(y, x);
        Tensor h = project(x);                                // (N, r)
        lastInput = x;
        lastProjection = h;
        pinLeft.timesTransposed(y, h);                        // y = h Aᵀ
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();
        backwardInto(dx, dy, x, false);
        return dx;
    }

    @Override
    public void backwardInto(Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        pinLeft.refuseWhilePinned();
        checkInputGradient(dx, x);
        Tensor h = x == lastInput ? lastProjection : project(x);   // (N, r), from the forward on this input (B unchanged since)
        lastInput = null;
        lastProjection = null;
        MatMul.addTransposedTimes(left.gradient(), dy, h);          // dA(out,r) += dyᵀ h
        Tensor dh = Tensor.zeros(precision(), x.size() / inFeatures(), rank());
        MatMul.times(dh, dy, left.value(), 0);                      // dh(N,r) = dy A
        MatMul.addTransposedTimes(right.gradient(), dh, x);         // dB(r,in) += dhᵀ x
        MatMul.times(dx, dh, right.value(), accumulate ? 1 : 0);    // dx(N,in) = dh B (+ dx)
    }

    private Tensor project(Tensor x) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), rank());
        pinRight.timesTransposed(h, x); // h = x Bᵀ
        return h;
    }

    @Override
    public Tensor toDense() {
        Tensor w = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(1, left.value().matrix(), right.value().matrix(), 0, w.matrix()); // W = A B
        return w;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(left, right);
    }
}
