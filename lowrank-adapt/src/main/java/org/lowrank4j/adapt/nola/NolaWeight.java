package org.lowrank4j.adapt.nola;

import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayerBase;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * NOLA over a frozen W0 (spec 05 A): LoRA's product with factors mixed from random bases ({@link NolaBasis}),
 * <pre>
 *   A(r,in)  = A0 + Σ_i α_i A_i      A0 kaiming-uniform, A_i = U(−1,1)/√k   (seed seedA; i = 0..k−1)
 *   B(out,r) =      Σ_j β_j B_j      B_j = U(−1,1)/√l                        (seed seedB; j = 0..l−1)
 *   y(N,out) = x·W0ᵀ + s·(x·Aᵀ)·Bᵀ,  s = α/r
 * </pre>
 * Only α (k) and β (l) train, from zero, so ΔW = 0 at step 0. Backward, with G = dy(N,out), H = x·Aᵀ:
 * <pre>
 *   dB = s·Gᵀ·H      dA = s·(G·B)ᵀ·x      dx = G·W0 + s·(G·B)·A
 *   dα_i = ⟨dA, A_i⟩_F                   dβ_j = ⟨dB, B_j⟩_F
 * </pre>
 * A and B are made from the coefficients when they change (each basis regenerated and discarded) and kept until then.
 */
public final class NolaWeight extends VariantLayerBase {
    private final int rank;
    private final double alpha;
    private final long seedA, seedB;
    private final Parameter coefA;           // α (k)
    private final Parameter coefB;           // β (l)

    private double[] madeFromA, madeFromB;   // the coefficients A and B were made from
    private Tensor a;                        // (r, in)
    private Tensor b;                        // (out, r)

    public NolaWeight(String module, WeightFactorization base, int rank, double alpha, long seedA, long seedB, Parameter coefA, Parameter coefB) {
        super(module, base);
        if (rank < 1 || rank > Math.min(base.inFeatures(), base.outFeatures())) {
            throw new IllegalArgumentException(module + ": NOLA rank " + rank + " must be in [1, min(in, out) = "
                    + Math.min(base.inFeatures(), base.outFeatures()) + "]");
        }
        if (coefA.value().rank() != 1 || coefB.value().rank() != 1 || coefA.size() < 1 || coefB.size() < 1) {
            throw new IllegalArgumentException(module + ": NOLA coefficients must be vectors of at least one value, got "
                    + coefA.value().shapeString() + " and " + coefB.value().shapeString());
        }
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException(module + ": NOLA alpha must be finite, got " + alpha);
        }
        this.rank = rank;
        this.alpha = alpha;
        this.seedA = seedA;
        this.seedB = seedB;
        this.coefA = coefA;
        this.coefB = coefB;
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public long seedA() {
        return seedA;
    }

    public long seedB() {
        return seedB;
    }

    public Parameter coefA() {
        return coefA;
    }

    public Parameter coefB() {
        return coefB;
    }

    public double scale() {
        return alpha / rank;
    }

    /** A (r, in) as the coefficients make it now. */
    public Tensor a() {
        make();
        return a;
    }

    /** B (out, r) as the coefficients make it now. */
    public Tensor b() {
        make();
        return b;
    }

    private void make() {
        double[] ca = coefA.value().toDoubleArray(), cb = coefB.value().toDoubleArray();
        if (a != null && Arrays.equals(ca, madeFromA) && Arrays.equals(cb, madeFromB)) {
            return;
        }
        double[] av = NolaBasis.generate(seedA, -1, rank * inFeatures(), 1 / Math.sqrt(inFeatures()));
        double scaleA = 1 / Math.sqrt(ca.length), scaleB = 1 / Math.sqrt(cb.length);
        for (int i = 0; i < ca.length; i++) {
            if (ca[i] != 0) {
                NolaBasis.addTo(av, seedA, i, scaleA, ca[i]);
            }
        }
        double[] bv = new double[outFeatures() * rank];
        for (int j = 0; j < cb.length; j++) {
            if (cb[j] != 0) {
                NolaBasis.addTo(bv, seedB, j, scaleB, cb[j]);
            }
        }
        a = Tensor.of(precision(), av, rank, inFeatures());
        b = Tensor.of(precision(), bv, outFeatures(), rank);
        madeFromA = ca;
        madeFromB = cb;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = base.forward(x);
        if (enabled) {
            Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), rank);
            MatMul.timesTransposed(h, x, a(), 0);                 // H(N,r) = x Aᵀ
            MatMul.timesTransposed(y, scaled(h, scale()), b, 1);  // y += s·H Bᵀ
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(base, dy, x);     // dy W0
        if (!enabled) {
            return dx;
        }
        double s = scale();
        int n = x.size() / inFeatures();
        Tensor h = Tensor.zeros(precision(), n, rank);
        MatMul.timesTransposed(h, x, a(), 0);                     // H(N,r) = x Aᵀ
        Tensor g = Tensor.zeros(precision(), n, rank);
        MatMul.times(g, dy, b, 0);                                // G·B (N,r)
        Tensor dB = Tensor.zeros(precision(), outFeatures(), rank);
        MatMul.addTransposedTimes(dB, dy, h);                     // Gᵀ H (out,r)
        Tensor dA = Tensor.zeros(precision(), rank, inFeatures());
        MatMul.addTransposedTimes(dA, g, x);                      // (G B)ᵀ x (r,in)
        Tensor dxBranch = x.zerosLike();
        MatMul.times(dxBranch, scaled(g, s), a, 0);               // s (G B) A
        Kernels.of(dx).addInPlace(dx, dxBranch);
        double[] da = dA.toDoubleArray(), db = dB.toDoubleArray();
        Tensor ga = coefA.gradient(), gb = coefB.gradient();
        double scaleA = 1 / Math.sqrt(ga.size()), scaleB = 1 / Math.sqrt(gb.size());
        for (int i = 0; i < ga.size(); i++) {
            ga.set(i, ga.get(i) + s * NolaBasis.dot(da, seedA, i, scaleA));
        }
        for (int j = 0; j < gb.size(); j++) {
            gb.set(j, gb.get(j) + s * NolaBasis.dot(db, seedB, j, scaleB));
        }
        return dx;
    }

    private static Tensor scaled(Tensor t, double s) {
        Tensor c = t.copy();
        for (int i = 0; i < c.size(); i++) {
            c.set(i, c.get(i) * s);
        }
        return c;
    }

    /** ΔW(out,in) = s·B·A. */
    @Override
    public Tensor delta() {
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(scale(), b().matrix(), a.matrix(), 0, d.matrix());
        return d;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(coefA, coefB);
    }

    @Override
    public long trainableCount() {
        return coefA.size() + coefB.size();
    }
}
