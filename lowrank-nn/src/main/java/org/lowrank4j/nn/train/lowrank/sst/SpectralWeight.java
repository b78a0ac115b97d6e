package org.lowrank4j.nn.train.lowrank.sst;

import java.util.List;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A weight kept in SVD form for sparse spectral training: {@code W(out,in) = U·diag(σ)·Vᵀ} with U (out, p), σ (p) and
 * Vᵀ (p, in), p = min(out, in), applied as {@code y = ((x·V) ⊙ σ)·Uᵀ} without forming W. With G = dy, H = x·V and
 * K = G·U (rows = tokens):
 * <pre>
 *   ∂L/∂σ_i = Σ_rows K[:,i]·H[:,i]
 *   ∂L/∂u_i = σ_i·Gᵀ·H[:,i]        ∂L/∂v_i = σ_i·Xᵀ·K[:,i]        (standard)
 *   ∂̃u_i    = Gᵀ·H[:,i]            ∂̃v_i    = Xᵀ·K[:,i]            (enhanced: the σ_i factor dropped)
 *   dx      = (K ⊙ σ)·Vᵀ
 * </pre>
 * With no active set ({@link #setActive} given null) the gradients of U and Vᵀ are the standard ones for every column,
 * so the weight passes a finite-difference check. During training the optimizer hands it the tensor of its r sampled
 * indices: then only those columns of U (rows of Vᵀ) receive gradients, in the enhanced form, and the other columns'
 * gradients stay zero. The active tensor is read at every backward, so a checkpoint that refills it takes effect at once.
 */
public final class SpectralWeight implements WeightFactorization {
    private final Parameter u;      // U (out, p)
    private final Parameter sigma;  // σ (p)
    private final Parameter vt;     // Vᵀ (p, in)
    private Tensor active;          // sampled column indices (r), or null: standard gradients everywhere

    // the latest forward's input and H = x·V, reused by a backward on the same input (Vᵀ unchanged in between)
    private Tensor lastInput;
    private Tensor lastProjection;

    public SpectralWeight(Parameter u, Parameter sigma, Parameter vt) {
        Tensor a = u.value(), s = sigma.value(), b = vt.value();
        int p = s.size();
        if (a.rank() != 2 || b.rank() != 2 || s.rank() != 1 || a.dim(1) != p || b.dim(0) != p || p != Math.min(a.dim(0), b.dim(1))
                || a.precision() != b.precision() || a.precision() != s.precision()) {
            throw new IllegalArgumentException("spectral factors must be U (out, p), σ (p) and Vᵀ (p, in) of one precision with p = min(out, in), got "
                    + u.name() + " " + a.shapeString() + ", " + sigma.name() + " " + s.shapeString() + " and " + vt.name() + " " + b.shapeString());
        }
        this.u = u;
        this.sigma = sigma;
        this.vt = vt;
    }

    /**
     * The exact SVD of {@code w} (out, in) as parameters {@code name.sst_u}, {@code name.sst_s}, {@code name.sst_vt}, in
     * w's precision.
     */
    public static SpectralWeight of(String name, Tensor w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException(name + ": a spectral weight needs a matrix, got " + w.shapeString());
        }
        int out = w.dim(0), in = w.dim(1), p = Math.min(out, in);
        Precision precision = w.precision();
        SpectralWeight weight = new SpectralWeight(new Parameter(name + ".sst_u", Tensor.zeros(precision, out, p)),
                new Parameter(name + ".sst_s", Tensor.zeros(precision, p)), new Parameter(name + ".sst_vt", Tensor.zeros(precision, p, in)));
        weight.assignSvd(w);
        return weight;
    }

    /** Replaces U, σ, Vᵀ by the exact SVD of {@code w} (out, in): orthonormal columns and rows, σ sorted and ≥ 0. */
    public void assignSvd(Tensor w) {
        int p = rank();
        SvdResult svd = new ExactSvd().decompose(w.matrix(outFeatures(), inFeatures()), p);
        u.value().matrix(outFeatures(), p).assign(svd.u());
        vt.value().matrix(p, inFeatures()).assign(svd.vt());
        for (int i = 0; i < p; i++) {
            sigma.value().set(i, svd.s()[i]);
        }
    }

    /** Restores orthogonality: W = U·diag(σ)·Vᵀ is formed and decomposed again (W unchanged up to rounding). */
    public void resvd() {
        assignSvd(toDense());
    }

    /**
     * Sets the tensor of sampled column indices (values 0 … p−1, read at every backward), or null for standard gradients
     * on all columns.
     */
    public void setActive(Tensor indices) {
        this.active = indices;
    }

    public Parameter u() {
        return u;
    }

    public Parameter sigma() {
        return sigma;
    }

    public Parameter vt() {
        return vt;
    }

    /** p = min(out, in), the number of singular triplets. */
    public int rank() {
        return sigma.value().size();
    }

    @Override
    public int inFeatures() {
        return vt.value().dim(1);
    }

    @Override
    public int outFeatures() {
        return u.value().dim(0);
    }

    @Override
    public Precision precision() {
        return u.value().precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(u.name(), x);
        Tensor h = project(x);                       // (N, p)
        lastInput = x;
        lastProjection = h;
        Tensor hs = scaled(h);
        Tensor y = Tensor.zeros(precision(), outputShape(x));
        MatMul.timesTransposed(y, hs, u.value(), 0); // y = (H ⊙ σ) Uᵀ
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor h = x == lastInput ? lastProjection : project(x);
        lastInput = null;
        lastProjection = null;
        int rows = x.size() / inFeatures(), p = rank();
        Tensor k = Tensor.zeros(precision(), rows, p);
        MatMul.times(k, dy, u.value(), 0);           // K = G U
        Tensor ds = sigma.gradient();
        for (int i = 0; i < p; i++) {
            double sum = 0;
            for (int n = 0; n < rows; n++) {
                sum += k.get(n * p + i) * h.get(n * p + i);
            }
            ds.set(i, ds.get(i) + sum);
        }
        Tensor ks = scaled(k);
        if (active == null) {
            MatMul.addTransposedTimes(u.gradient(), dy, scaled(h)); // dU += Gᵀ (H ⊙ σ)
            MatMul.addTransposedTimes(vt.gradient(), ks, x);       // dVᵀ += (K ⊙ σ)ᵀ X
        } else {
            addEnhanced(dy, x, h, k, rows);
        }
        Tensor dx = x.zerosLike();
        MatMul.times(dx, ks, vt.value(), 0);                        // dx = (K ⊙ σ) Vᵀ
        return dx;
    }

    /** dU[:, i] += Gᵀ H[:, i] and dVᵀ[i, :] += K[:, i]ᵀ X for the active i only. */
    private void addEnhanced(Tensor dy, Tensor x, Tensor h, Tensor k, int rows) {
        int p = rank(), r = active.size(), out = outFeatures(), in = inFeatures();
        int[] cols = indices(active, p);
        Tensor hr = Tensor.zeros(precision(), rows, r), kr = Tensor.zeros(precision(), rows, r);
        for (int n = 0; n < rows; n++) {
            for (int j = 0; j < r; j++) {
                hr.set(n * r + j, h.get(n * p + cols[j]));
                kr.set(n * r + j, k.get(n * p + cols[j]));
            }
        }
        Tensor du = Tensor.zeros(precision(), out, r), dv = Tensor.zeros(precision(), r, in);
        MatMul.addTransposedTimes(du, dy, hr); // (out, r)
        MatMul.addTransposedTimes(dv, kr, x);  // (r, in)
        Tensor gu = u.gradient(), gv = vt.gradient();
        for (int j = 0; j < r; j++) {
            int c = cols[j];
            for (int o = 0; o < out; o++) {
                gu.set(o * p + c, gu.get(o * p + c) + du.get(o * r + j));
            }
            for (int i = 0; i < in; i++) {
                gv.set(c * in + i, gv.get(c * in + i) + dv.get(j * in + i));
            }
        }
    }

    /** The integer indices held in {@code t}, checked to lie in [0, p). */
    static int[] indices(Tensor t, int p) {
        int[] out = new int[t.size()];
        for (int j = 0; j < out.length; j++) {
            double v = t.get(j);
            if (!(v >= 0 && v < p) || v != Math.rint(v)) {
                throw new IllegalStateException("active index " + v + " is not a column of a rank-" + p + " spectral weight");
            }
            out[j] = (int) v;
        }
        return out;
    }

    private Tensor project(Tensor x) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), rank());
        MatMul.timesTransposed(h, x, vt.value(), 0); // H = X V
        return h;
    }

    /** A copy of {@code t} (N, p) with column i multiplied by σ_i. */
    private Tensor scaled(Tensor t) {
        Tensor out = t.copy();
        int p = rank(), rows = t.size() / p;
        Tensor s = sigma.value();
        for (int i = 0; i < p; i++) {
            double si = s.get(i);
            for (int n = 0; n < rows; n++) {
                out.set(n * p + i, out.get(n * p + i) * si);
            }
        }
        return out;
    }

    @Override
    public Tensor toDense() {
        int p = rank();
        Tensor us = u.value().copy();
        for (int o = 0; o < outFeatures(); o++) {
            for (int i = 0; i < p; i++) {
                us.set(o * p + i, us.get(o * p + i) * sigma.value().get(i));
            }
        }
        Tensor w = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(1, us.matrix(outFeatures(), p), vt.value().matrix(p, inFeatures()), 0, w.matrix());
        return w;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(u, sigma, vt);
    }
}
