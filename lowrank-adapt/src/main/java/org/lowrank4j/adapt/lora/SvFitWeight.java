package org.lowrank4j.adapt.lora;

import java.util.List;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * SVFit (Sun et al. 2024, arXiv:2409.05926; spec 04 B): W = U_r·diag(θ)·V_rᵀ + W_res with only the r singular values
 * θ trainable (initialised to σ_1..σ_r, so the weight is W at step 0); U_r, V_r and W_res stay frozen. The product is
 * never formed:
 * <pre>
 *   y  = x·W_resᵀ + ((x·V_r) ⊙ θ)·U_rᵀ                 H = x·V_r (N, r)
 *   dθ_j += Σ_n (dy·U_r)[n, j]·H[n, j]                   dx = dy·W_res + ((dy·U_r) ⊙ θ)·V_rᵀ
 * </pre>
 * The trained change is U_r·diag(θ − σ)·V_rᵀ, an ordinary rank-r update of W, so {@link #asLoraFactors} writes it as a
 * PEFT LoRA adapter of the original weight.
 */
public final class SvFitWeight implements WeightFactorization {
    private final String module;
    private final WeightFactorization residual;
    private final Tensor u;      // (out, r)
    private final Tensor vt;     // (r, in)
    private final double[] sigma;
    private final Parameter theta; // (1, r)

    private SvFitWeight(String module, WeightFactorization residual, Tensor u, Tensor vt, double[] sigma, Parameter theta) {
        this.module = module;
        this.residual = residual;
        this.u = u;
        this.vt = vt;
        this.sigma = sigma;
        this.theta = theta;
    }

    /**
     * Splits {@code weight} by its SVD: the top {@code rank} triplets become the trainable part, the rest the frozen
     * residual (computed in float64 from the rounded factors, so that the weight is unchanged at step 0 to float rounding).
     *
     * @param rank the number of singular values trained, or 0 to take the smallest rank holding {@code energy} of Σσ²
     */
    public static SvFitWeight of(String module, WeightFactorization weight, int rank, double energy) {
        Tensor w = weight.toDense();
        int out = w.dim(0), in = w.dim(1);
        DoubleMatrix m = DoubleMatrix.zeros(out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                m.set(i, j, w.get(i * in + j));
            }
        }
        SvdResult svd = Linalg.backend().svd(m);
        int r = rank > 0 ? rank : energyRank(svd.s(), energy);
        if (r > Math.min(in, out)) {
            throw new IllegalArgumentException("SVFit rank " + r + " for " + module + " is above min(in, out) = " + Math.min(in, out));
        }
        Precision p = w.precision();
        Tensor u = Tensor.zeros(p, out, r), vt = Tensor.zeros(p, r, in), th = Tensor.zeros(p, 1, r);
        DenseMatrix su = svd.u(), svt = svd.vt();
        double[] sigma = new double[r];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < out; i++) {
                u.set(i * r + k, su.get(i, k));
            }
            for (int j = 0; j < in; j++) {
                vt.set(k * in + j, svt.get(k, j));
            }
            th.set(k, svd.s()[k]);
            sigma[k] = th.get(k); // as stored
        }
        Tensor res = Tensor.zeros(p, out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double principal = 0;
                for (int k = 0; k < r; k++) {
                    principal += u.get(i * r + k) * sigma[k] * vt.get(k * in + j);
                }
                res.set(i * in + j, w.get(i * in + j) - principal);
            }
        }
        return new SvFitWeight(module, new DenseWeight(new Parameter(module + ".weight", res)), u, vt, sigma,
                new Parameter(module + ".svfit_theta", th));
    }

    /** The smallest k whose σ_1..σ_k hold at least {@code share} of Σσ² (spec: 99%). */
    public static int energyRank(double[] sigma, double share) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("SVFit energy share must be in (0, 1], got " + share);
        }
        double total = 0;
        for (double v : sigma) {
            total += v * v;
        }
        double kept = 0;
        for (int k = 0; k < sigma.length; k++) {
            kept += sigma[k] * sigma[k];
            if (kept >= share * total * (1 - 1e-12)) {
                return k + 1;
            }
        }
        return Math.max(1, sigma.length);
    }

    public String module() {
        return module;
    }

    public int rank() {
        return sigma.length;
    }

    public Parameter theta() {
        return theta;
    }

    public WeightFactorization residual() {
        return residual;
    }

    @Override
    public int inFeatures() {
        return residual.inFeatures();
    }

    @Override
    public int outFeatures() {
        return residual.outFeatures();
    }

    @Override
    public Precision precision() {
        return residual.precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = residual.forward(x);
        Tensor h = hidden(x);
        scaleColumns(h);
        MatMul.timesTransposed(y, h, u, 1); // y += (H ⊙ θ)·U_rᵀ
        return y;
    }

    private Tensor hidden(Tensor x) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), rank());
        MatMul.timesTransposed(h, x, vt, 0); // H(N,r) = x·V_r
        return h;
    }

    private void scaleColumns(Tensor h) {
        int r = rank();
        for (int i = 0; i < h.size(); i++) {
            h.set(i, h.get(i) * theta.value().get(i % r));
        }
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(residual, dy, x);
        int r = rank();
        Tensor h = hidden(x);
        Tensor g = Tensor.zeros(precision(), h.dim(0), r);
        MatMul.times(g, dy, u, 0); // G(N,r) = dy·U_r
        Tensor dTheta = theta.gradient();
        for (int k = 0; k < r; k++) {
            double sum = 0;
            for (int n = 0; n < h.dim(0); n++) {
                sum += g.get(n * r + k) * h.get(n * r + k);
            }
            dTheta.set(k, dTheta.get(k) + sum);
        }
        scaleColumns(g);
        Tensor branch = x.zerosLike();
        MatMul.times(branch, g, vt, 0); // (G ⊙ θ)·V_rᵀ
        Kernels.of(dx).addInPlace(dx, branch);
        return dx;
    }

    @Override
    public Tensor toDense() {
        Tensor w = residual.toDense();
        int out = outFeatures(), in = inFeatures(), r = rank();
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double v = 0;
                for (int k = 0; k < r; k++) {
                    v += u.get(i * r + k) * theta.value().get(k) * vt.get(k * in + j);
                }
                w.set(i * in + j, w.get(i * in + j) + v);
            }
        }
        return w;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(theta);
    }

    /**
     * The trained change U_r·diag(θ − σ)·V_rᵀ as LoRA factors of the original weight, with α = r (scaling 1):
     * B = U_r·sign(d)·|d|^½, A = |d|^½·V_rᵀ for d = θ − σ.
     */
    public LoraFactors asLoraFactors() {
        int out = outFeatures(), in = inFeatures(), r = rank();
        float[] a = new float[r * in], b = new float[out * r];
        for (int k = 0; k < r; k++) {
            double d = theta.value().get(k) - sigma[k];
            double root = Math.sqrt(Math.abs(d));
            for (int j = 0; j < in; j++) {
                a[k * in + j] = (float) (root * vt.get(k * in + j));
            }
            for (int i = 0; i < out; i++) {
                b[i * r + k] = (float) (Math.signum(d) * root * u.get(i * r + k));
            }
        }
        return new LoraFactors(r, in, out, a, b, r);
    }
}
