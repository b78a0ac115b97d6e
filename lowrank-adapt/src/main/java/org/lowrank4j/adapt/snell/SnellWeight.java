package org.lowrank4j.adapt.snell;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayerBase;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * SNELL's layer over a frozen W0 (spec 07): a kernelised low-rank update, sparsified by competition on every forward.
 * <pre>
 *   K (in, out)  = Σ_h c_h·‖P[h,i] − Q[h,j]‖          P (H, in, q_h), Q (H, out, q_h)       ({@link SnellKernel})
 *   K'           = K + α·softmax_rows(K/γ) + β         SNELLA's mixed kernel only, mix = [α, γ, β] ({@link MixedKernel})
 *   M            = |K'| on the {@code kept} largest |K'|, 0 elsewhere (detached)              ({@link Competition})
 *   ΔW_io (in, out) = K' ⊙ M      (plain mode, sparsity 0 in SNELL: ΔW_io = K', no competition)
 *   y(N, out)    = x·W0ᵀ + x·ΔW_io
 * </pre>
 * Backward with G = dy (N, out), D (in, out) = xᵀ·G = ∂L/∂ΔW_io:
 * <pre>
 *   dx = G·W0 + G·ΔW_ioᵀ      ∂L/∂K' = D ⊙ M (M held as a constant, as the reference's detach)      then the kernels'
 * </pre>
 * The kept count is fixed for SNELL and moved by SNELLA's allocator ({@link #setKept}); P, Q and mix keep their shapes.
 * Nothing is cached between calls: forward and backward each rebuild K and M from the current P and Q.
 */
public final class SnellWeight extends VariantLayerBase {
    private final Parameter p;        // (H, in, q_h)
    private final Parameter q;        // (H, out, q_h)
    private final Parameter mix;      // (3) = α, γ, β; null for SNELL
    private final double coefficient; // c of c_h = c·(−1)^h
    private final boolean sparse;     // false: plain kernel, ΔW = K'
    private int kept;                 // entries of ΔW kept by the competition
    private double[] heldMask;        // for gradient checks: M frozen at its current value

    public SnellWeight(String module, WeightFactorization base, Parameter p, Parameter q, Parameter mix, double coefficient, boolean sparse,
            int kept) {
        super(module, base);
        Tensor pv = p.value(), qv = q.value();
        if (pv.rank() != 3 || qv.rank() != 3 || pv.dim(0) != qv.dim(0) || pv.dim(2) != qv.dim(2) || pv.dim(1) != base.inFeatures()
                || qv.dim(1) != base.outFeatures() || pv.dim(2) < 1) {
            throw new IllegalArgumentException(module + ": SNELL needs P (H, " + base.inFeatures() + ", q_h) and Q (H, " + base.outFeatures()
                    + ", q_h), got " + pv.shapeString() + " and " + qv.shapeString());
        }
        if (mix != null && !mix.value().hasShape(3)) {
            throw new IllegalArgumentException(module + ": SNELLA's mixed kernel needs [alpha, gamma, beta] (3), got " + mix.value().shapeString());
        }
        if (!Double.isFinite(coefficient)) {
            throw new IllegalArgumentException(module + ": the kernel coefficient must be finite, got " + coefficient);
        }
        this.p = p;
        this.q = q;
        this.mix = mix;
        this.coefficient = coefficient;
        this.sparse = sparse;
        setKept(kept);
    }

    /** What {@link #forward} would compute as ΔW_io, with the pieces the backward needs. */
    private record State(double[] k, double[] softmax, double[] mixed, double[] mask, double[] deltaIo) {
    }

    private State state() {
        int heads = heads(), n = inFeatures(), m = outFeatures(), qh = headDim();
        double[] k = SnellKernel.kernel(p.value().toDoubleArray(), q.value().toDoubleArray(), heads, n, m, qh, coefficient);
        double[] s = null, mixed = k;
        if (mix != null) {
            s = MixedKernel.softmaxRows(k, n, m, mix.value().get(1));
            mixed = MixedKernel.mixed(k, s, mix.value().get(0), mix.value().get(2));
        }
        double[] mask = heldMask != null ? heldMask : sparse ? Competition.magnitudeMask(mixed, kept) : null;
        double[] delta = mixed;
        if (mask != null) {
            delta = new double[mixed.length];
            for (int e = 0; e < delta.length; e++) {
                delta[e] = mixed[e] * mask[e];
            }
        }
        return new State(k, s, mixed, mask, delta);
    }

    private Tensor deltaIo(State st) {
        return Tensor.of(precision(), st.deltaIo(), inFeatures(), outFeatures());
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = base.forward(x);
        if (enabled) {
            int rows = x.size() / inFeatures();
            MatMul.gemm(1, x.matrix(rows, inFeatures()), deltaIo(state()).matrix(), 1, y.matrix(rows, outFeatures())); // y += x ΔW_io
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(base, dy, x);
        if (!enabled) {
            return dx;
        }
        int n = inFeatures(), m = outFeatures(), rows = x.size() / n;
        State st = state();
        Tensor delta = deltaIo(st);
        MatMul.gemm(1, dy.matrix(rows, m), delta.matrix().transpose(), 1, dx.matrix(rows, n)); // dx += G ΔW_ioᵀ
        Tensor d = Tensor.zeros(precision(), n, m);
        MatMul.gemm(1, x.matrix(rows, n).transpose(), dy.matrix(rows, m), 0, d.matrix());      // D = xᵀ G
        double[] g = d.toDoubleArray();
        if (st.mask() != null) {
            for (int e = 0; e < g.length; e++) {
                g[e] *= st.mask()[e];                                                          // ∂L/∂K' = D ⊙ M
            }
        }
        double[] dk = g;
        if (mix != null) {
            double[] dMix = new double[3];
            dk = MixedKernel.backward(st.k(), st.softmax(), n, m, mix.value().get(0), mix.value().get(1), g, dMix);
            addInto(mix.gradient(), dMix);
        }
        double[] dp = new double[p.size()], dq = new double[q.size()];
        SnellKernel.backward(p.value().toDoubleArray(), q.value().toDoubleArray(), heads(), n, m, headDim(), coefficient, dk, dp, dq);
        addInto(p.gradient(), dp);
        addInto(q.gradient(), dq);
        return dx;
    }

    private static void addInto(Tensor t, double[] v) {
        for (int i = 0; i < v.length; i++) {
            t.set(i, t.get(i) + v[i]);
        }
    }

    /** ΔW (out, in) = ΔW_ioᵀ, as the forward computes it now. */
    @Override
    public Tensor delta() {
        double[] io = state().deltaIo();
        int n = inFeatures(), m = outFeatures();
        Tensor d = Tensor.zeros(precision(), m, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                d.set(j * n + i, io[i * m + j]);
            }
        }
        return d;
    }

    /** Non-zero entries of ΔW now (at most {@link #kept()}; fewer only where the kernel itself is 0). */
    public long nonZeros() {
        long c = 0;
        for (double v : state().deltaIo()) {
            if (v != 0) {
                c++;
            }
        }
        return c;
    }

    /** Freezes M at its current value (support and magnitudes) until {@link #releaseMask}: for gradient checks. */
    void holdMask() {
        State st = state();
        heldMask = st.mask() != null ? st.mask().clone() : null;
    }

    void releaseMask() {
        heldMask = null;
    }

    /** Sets the number of entries the competition keeps (SNELLA's allocator). */
    public void setKept(int kept) {
        if (kept < 0 || (long) kept > (long) inFeatures() * outFeatures()) {
            throw new IllegalArgumentException(module + ": cannot keep " + kept + " of " + (long) inFeatures() * outFeatures() + " entries");
        }
        this.kept = kept;
    }

    public int kept() {
        return kept;
    }

    public boolean sparse() {
        return sparse;
    }

    public int heads() {
        return p.value().dim(0);
    }

    /** q_h: kernel dimensions per head. */
    public int headDim() {
        return p.value().dim(2);
    }

    /** q = H·q_h, the "low_rank_dim" of the reference. */
    public int rank() {
        return heads() * headDim();
    }

    public double coefficient() {
        return coefficient;
    }

    public Parameter p() {
        return p;
    }

    public Parameter q() {
        return q;
    }

    /** [α, γ, β] of SNELLA's mixed kernel, or null. */
    public Parameter mix() {
        return mix;
    }

    /** P, Q (and SNELLA's α, γ, β): all trained by the run's AdamW. */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(List.of(p, q));
        if (mix != null) {
            out.add(mix);
        }
        return out;
    }

    @Override
    public long trainableCount() {
        return p.size() + q.size() + (mix != null ? mix.size() : 0);
    }
}
