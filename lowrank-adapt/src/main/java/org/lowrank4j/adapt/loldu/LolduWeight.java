package org.lowrank4j.adapt.loldu;

import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayerBase;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * LoLDU over a frozen W (Shi et al. 2024, arXiv:2410.13618; spec 04 D): from the pivoted LU W = P·L·diag(d)·Û
 * ({@link PivotedLu}), the first r pivots' factors stay frozen, a diagonal z (r, from d_r) and a scalar γ (α/r) train:
 * <pre>
 *   W_res = W − γ₀·(P·L_r)·diag(z₀)·Û_r                  (frozen; so W' = W at step 0)
 *   W'    = W_res + γ·(P·L_r)·diag(z)·Û_r
 *   y     = x·W_resᵀ + γ·((x·Û_rᵀ) ⊙ z)·(P·L_r)ᵀ          H = x·Û_rᵀ (N, r)
 * </pre>
 * Backward, with G = dy (N, out), K = G·(P·L_r) (N, r), c_j = Σ_n K[n,j]·H[n,j]:
 * <pre>
 *   dz_j = γ·c_j        dγ = Σ_j z_j·c_j        dx = G·W_res + γ·(K ⊙ z)·Û_r
 * </pre>
 * r + 1 trainable values per layer.
 */
public final class LolduWeight extends VariantLayerBase {
    private final WeightFactorization residual; // W_res (out, in)
    private final Tensor lower;                 // P·L_r (out, r)
    private final Tensor upper;                 // Û_r (r, in)
    private final double[] initialDiagonal;     // z₀ (r)
    private final double initialGamma;          // γ₀
    private final Parameter diagonal;           // z (r)
    private final Parameter gamma;              // γ (1)

    /**
     * @param lower P·L_r (out, r)
     * @param upper Û_r (r, in)
     * @param z0    z at step 0 (LoLDU: d_r); with {@code gamma0} it fixes W_res, computed here in float64
     */
    public LolduWeight(String module, WeightFactorization base, Tensor lower, Tensor upper, double[] z0, double gamma0, Parameter diagonal,
            Parameter gamma) {
        super(module, base);
        int out = base.outFeatures(), in = base.inFeatures(), r = z0.length;
        if (r < 1 || lower.size() != out * r || upper.size() != r * in || diagonal.size() != r || gamma.size() != 1) {
            throw new IllegalArgumentException(module + ": LoLDU factors do not fit a " + out + "x" + in + " weight with rank " + r + " (P·L "
                    + lower.shapeString() + ", Û " + upper.shapeString() + ", z " + diagonal.value().shapeString() + ", γ "
                    + gamma.value().shapeString() + ")");
        }
        if (!Double.isFinite(gamma0)) {
            throw new IllegalArgumentException(module + ": LoLDU's γ₀ must be finite, got " + gamma0);
        }
        this.lower = lower;
        this.upper = upper;
        this.initialDiagonal = z0.clone();
        this.initialGamma = gamma0;
        this.diagonal = diagonal;
        this.gamma = gamma;
        Tensor w = base.toDense();
        Tensor res = Tensor.zeros(w.precision(), out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double part = 0;
                for (int k = 0; k < r; k++) {
                    part += lower.get(i * r + k) * z0[k] * upper.get(k * in + j);
                }
                res.set(i * in + j, w.get(i * in + j) - gamma0 * part);
            }
        }
        this.residual = new DenseWeight(new Parameter(module + ".weight", res));
    }

    public int rank() {
        return initialDiagonal.length;
    }

    public Tensor lower() {
        return lower;
    }

    public Tensor upper() {
        return upper;
    }

    public double[] initialDiagonal() {
        return initialDiagonal.clone();
    }

    public double initialGamma() {
        return initialGamma;
    }

    public Parameter diagonal() {
        return diagonal;
    }

    public Parameter gamma() {
        return gamma;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        if (!enabled) {
            return base.forward(x);
        }
        Tensor y = residual.forward(x);
        Tensor h = hidden(x);
        scaleColumns(h, gamma.value().get(0));
        MatMul.timesTransposed(y, h, lower, 1); // y += γ (H ⊙ z) (P L_r)ᵀ
        return y;
    }

    private Tensor hidden(Tensor x) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), rank());
        MatMul.timesTransposed(h, x, upper, 0); // H = x Û_rᵀ
        return h;
    }

    /** t (N, r) ← t ⊙ z · c. */
    private void scaleColumns(Tensor t, double c) {
        int r = rank();
        for (int i = 0; i < t.size(); i++) {
            t.set(i, t.get(i) * diagonal.value().get(i % r) * c);
        }
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        if (!enabled) {
            return FrozenWeight.inputGradient(base, dy, x);
        }
        Tensor dx = FrozenWeight.inputGradient(residual, dy, x); // G W_res
        int r = rank(), n = x.size() / inFeatures();
        double g = gamma.value().get(0);
        Tensor h = hidden(x);
        Tensor k = Tensor.zeros(precision(), n, r);
        MatMul.times(k, dy, lower, 0);                           // K = G (P L_r)
        Tensor dz = diagonal.gradient();
        double dGamma = 0;
        for (int j = 0; j < r; j++) {
            double c = 0;
            for (int row = 0; row < n; row++) {
                c += k.get(row * r + j) * h.get(row * r + j);
            }
            dz.set(j, dz.get(j) + g * c);
            dGamma += diagonal.value().get(j) * c;
        }
        gamma.gradient().set(0, gamma.gradient().get(0) + dGamma);
        scaleColumns(k, g);
        Tensor branch = x.zerosLike();
        MatMul.times(branch, k, upper, 0);                       // γ (K ⊙ z) Û_r
        Kernels.of(dx).addInPlace(dx, branch);
        return dx;
    }

    /** ΔW = (P·L_r)·diag(γ·z − γ₀·z₀)·Û_r (out, in). */
    @Override
    public Tensor delta() {
        int out = outFeatures(), in = inFeatures(), r = rank();
        double g = gamma.value().get(0);
        double[] coef = new double[r];
        for (int k = 0; k < r; k++) {
            coef[k] = g * diagonal.value().get(k) - initialGamma * initialDiagonal[k];
        }
        Tensor d = Tensor.zeros(precision(), out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double v = 0;
                for (int k = 0; k < r; k++) {
                    v += lower.get(i * r + k) * coef[k] * upper.get(k * in + j);
                }
                d.set(i * in + j, v);
            }
        }
        return d;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(diagonal, gamma);
    }

    @Override
    public long trainableCount() {
        return diagonal.size() + gamma.size();
    }
}
