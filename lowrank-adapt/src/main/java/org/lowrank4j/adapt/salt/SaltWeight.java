package org.lowrank4j.adapt.salt;

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
 * SALT over a frozen W (Elsayed et al. 2025, arXiv:2503.16055; spec 04 C, the paper's form): the top-r singular values
 * of W = U S Vᵀ get a trainable scale a and shift b, the rest of the spectrum stays as it is (frozen residual
 * W_res = W − U_r S_r V_rᵀ), and a LoRA pair X (out, r_l), Y (r_l, in) adds a low-rank update:
 * <pre>
 *   σ'  = ReLU(a ⊙ σ_r + b)                           a = 1, b = 0 at step 0
 *   W'  = W_res + U_r·diag(σ')·V_rᵀ + s·X·Y            X = 0, Y kaiming-uniform at step 0   (so W' = W)
 *   y   = x·W_resᵀ + ((x·V_r) ⊙ σ')·U_rᵀ + s·(x·Yᵀ)·Xᵀ          H = x·V_r (N, r), Q = x·Yᵀ (N, r_l)
 * </pre>
 * Backward, with G = dy (N, out), K = G·U_r (N, r), M = G·X (N, r_l):
 * <pre>
 *   dσ'_j = Σ_n K[n,j]·H[n,j]     da_j = σ_j·1[σ'_j > 0]·dσ'_j     db_j = 1[σ'_j > 0]·dσ'_j
 *   dX = s·Gᵀ·Q                    dY = s·Mᵀ·x
 *   dx = G·W_res + (K ⊙ σ')·V_rᵀ + s·M·Y
 * </pre>
 * The reference code's quirks (frozen shifts of one, random X, an auxiliary loss) are not reproduced.
 */
public final class SaltWeight extends VariantLayerBase {
    private final WeightFactorization residual; // W_res (out, in)
    private final Tensor u;                     // U_r (out, r)
    private final Tensor vt;                    // V_rᵀ (r, in)
    private final double[] sigma;               // σ_1..σ_r as stored
    private final Parameter scale;              // a (r)
    private final Parameter shift;              // b (r)
    private final Parameter x;                  // X (out, r_l)
    private final Parameter y;                  // Y (r_l, in)
    private final double loraScale;             // s

    /**
     * @param u     U_r (out, r), orthonormal columns of W's top singular vectors
     * @param vt    V_rᵀ (r, in)
     * @param sigma σ_1..σ_r; W_res = W − U_r·diag(σ)·V_rᵀ is computed here in float64 from these values
     */
    public SaltWeight(String module, WeightFactorization base, Tensor u, Tensor vt, double[] sigma, Parameter scale, Parameter shift,
            Parameter x, Parameter y, double loraScale) {
        super(module, base);
        int out = base.outFeatures(), in = base.inFeatures(), r = sigma.length;
        if (r < 1 || u.size() != out * r || vt.size() != r * in || scale.size() != r || shift.size() != r) {
            throw new IllegalArgumentException(module + ": SALT factors do not fit a " + out + "x" + in + " weight with rank " + r + " (U "
                    + u.shapeString() + ", Vᵀ " + vt.shapeString() + ", scale " + scale.value().shapeString() + ", shift "
                    + shift.value().shapeString() + ")");
        }
        int rl = y.value().dim(0);
        if (x.value().rank() != 2 || x.value().dim(0) != out || x.value().dim(1) != rl || y.value().dim(1) != in) {
            throw new IllegalArgumentException(module + ": SALT's LoRA pair must be X (" + out + ", r_l) and Y (r_l, " + in + "), got "
                    + x.value().shapeString() + " and " + y.value().shapeString());
        }
        if (!Double.isFinite(loraScale)) {
            throw new IllegalArgumentException(module + ": SALT's LoRA scaling must be finite, got " + loraScale);
        }
        this.u = u;
        this.vt = vt;
        this.sigma = sigma.clone();
        this.scale = scale;
        this.shift = shift;
        this.x = x;
        this.y = y;
        this.loraScale = loraScale;
        Tensor w = base.toDense();
        Tensor res = Tensor.zeros(w.precision(), out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double principal = 0;
                for (int k = 0; k < r; k++) {
                    principal += u.get(i * r + k) * sigma[k] * vt.get(k * in + j);
                }
                res.set(i * in + j, w.get(i * in + j) - principal);
            }
        }
        this.residual = new DenseWeight(new Parameter(module + ".weight", res));
    }

    public int rank() {
        return sigma.length;
    }

    public int loraRank() {
        return y.value().dim(0);
    }

    public double loraScale() {
        return loraScale;
    }

    public Tensor u() {
        return u;
    }

    public Tensor vt() {
        return vt;
    }

    public double[] sigma() {
        return sigma.clone();
    }

    public Parameter scale() {
        return scale;
    }

    public Parameter shift() {
        return shift;
    }

    public Parameter x() {
        return x;
    }

    public Parameter y() {
        return y;
    }

    /** σ' = ReLU(a ⊙ σ + b). */
    public double[] adaptedSigma() {
        double[] out = new double[sigma.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = Math.max(0, scale.value().get(k) * sigma[k] + shift.value().get(k));
        }
        return out;
    }

    @Override
    public Tensor forward(Tensor input) {
        checkInput(module, input);
        if (!enabled) {
            return base.forward(input);
        }
        Tensor out = residual.forward(input);
        int n = input.size() / inFeatures();
        Tensor h = Tensor.zeros(precision(), n, rank());
        MatMul.timesTransposed(h, input, vt, 0);                       // H = x V_r
        scaleColumns(h, adaptedSigma(), 1);
        MatMul.timesTransposed(out, h, u, 1);                          // y += (H ⊙ σ') U_rᵀ
        Tensor q = Tensor.zeros(precision(), n, loraRank());
        MatMul.timesTransposed(q, input, y.value(), 0);                // Q = x Yᵀ
        scaleColumns(q, null, loraScale);
        MatMul.timesTransposed(out, q, x.value(), 1);                  // y += s Q Xᵀ
        return out;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor input) {
        if (!enabled) {
            return FrozenWeight.inputGradient(base, dy, input);
        }
        Tensor dx = FrozenWeight.inputGradient(residual, dy, input); // G W_res
        int n = input.size() / inFeatures(), r = rank(), rl = loraRank();
        double[] adapted = adaptedSigma();
        Tensor h = Tensor.zeros(precision(), n, r);
        MatMul.timesTransposed(h, input, vt, 0);                       // H = x V_r
        Tensor k = Tensor.zeros(precision(), n, r);
        MatMul.times(k, dy, u, 0);                                     // K = G U_r
        Tensor da = scale.gradient(), db = shift.gradient();
        for (int j = 0; j < r; j++) {
            if (adapted[j] <= 0) {
                continue; // ReLU closed: no gradient to a or b
            }
            double dSigma = 0;
            for (int row = 0; row < n; row++) {
                dSigma += k.get(row * r + j) * h.get(row * r + j);
            }
            da.set(j, da.get(j) + sigma[j] * dSigma);
            db.set(j, db.get(j) + dSigma);
        }
        scaleColumns(k, adapted, 1);
        Tensor branch = input.zerosLike();
        MatMul.times(branch, k, vt, 0);                                // (K ⊙ σ') V_rᵀ
        Kernels.of(dx).addInPlace(dx, branch);

        Tensor q = Tensor.zeros(precision(), n, rl);
        MatMul.timesTransposed(q, input, y.value(), 0);                // Q = x Yᵀ
        scaleColumns(q, null, loraScale);
        MatMul.addTransposedTimes(x.gradient(), dy, q);                // dX += s Gᵀ Q
        Tensor m = Tensor.zeros(precision(), n, rl);
        MatMul.times(m, dy, x.value(), 0);                             // M = G X
        scaleColumns(m, null, loraScale);
        MatMul.addTransposedTimes(y.gradient(), m, input);             // dY += s Mᵀ x
        Tensor lora = input.zerosLike();
        MatMul.times(lora, m, y.value(), 0);                           // s M Y
        Kernels.of(dx).addInPlace(dx, lora);
        return dx;
    }

    /** t (N, c) ← t ⊙ columnFactor · constant (columnFactor null: the constant alone). */
    private static void scaleColumns(Tensor t, double[] columnFactor, double constant) {
        int c = t.dim(t.rank() - 1);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, t.get(i) * constant * (columnFactor == null ? 1 : columnFactor[i % c]));
        }
    }

    /** ΔW = U_r·diag(σ' − σ)·V_rᵀ + s·X·Y (out, in). */
    @Override
    public Tensor delta() {
        int out = outFeatures(), in = inFeatures(), r = rank();
        double[] adapted = adaptedSigma();
        Tensor d = Tensor.zeros(precision(), out, in);
        MatMul.gemm(loraScale, x.value().matrix(), y.value().matrix(), 0, d.matrix());
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double v = 0;
                for (int k = 0; k < r; k++) {
                    v += u.get(i * r + k) * (adapted[k] - sigma[k]) * vt.get(k * in + j);
                }
                d.set(i * in + j, d.get(i * in + j) + v);
            }
        }
        return d;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(scale, shift, x, y);
    }

    @Override
    public long trainableCount() {
        return scale.size() + shift.size() + x.size() + y.size();
    }
}
