package org.lowrank4j.adapt.sora;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayerBase;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * SoRA's gated LoRA over a frozen W0 (spec 06 A):
 * <pre>
 *   ΔW = s·B·diag(g)·A        A (r,in), B (out,r), g (r), s = α/r_max (r_max: the rank it starts with)
 *   y(N,out) = x·W0ᵀ + s·(H ⊙ g)·Bᵀ,   H(N,r) = x·Aᵀ
 * </pre>
 * Backward with G = dy(N,out) and K(N,r) = G·B:
 * <pre>
 *   dg_j = s·Σ_n K[n,j]·H[n,j]     dB = s·Gᵀ·(H ⊙ g)     dA = s·(K ⊙ g)ᵀ·x     dx = G·W0 + s·(K ⊙ g)·A
 * </pre>
 * A and B are the run's AdamW parameters; g is updated apart, by {@link SoraGates}' proximal step.
 */
public final class SoraWeight extends VariantLayerBase {
    private final Parameter a;      // (r, in)
    private final Parameter b;      // (out, r)
    private final Parameter gate;   // (r)
    private final double scale;     // s

    public SoraWeight(String module, WeightFactorization base, Parameter a, Parameter b, Parameter gate, double scale) {
        super(module, base);
        Tensor av = a.value(), bv = b.value(), gv = gate.value();
        if (av.rank() != 2 || bv.rank() != 2 || gv.rank() != 1 || av.dim(0) != bv.dim(1) || gv.dim(0) != av.dim(0)
                || av.dim(1) != base.inFeatures() || bv.dim(0) != base.outFeatures()) {
            throw new IllegalArgumentException(module + ": SoRA needs A (r, " + base.inFeatures() + "), B (" + base.outFeatures()
                    + ", r) and a gate (r), got " + av.shapeString() + ", " + bv.shapeString() + ", " + gv.shapeString());
        }
        if (av.dim(0) < 1 || av.dim(0) > Math.min(base.inFeatures(), base.outFeatures())) {
            throw new IllegalArgumentException(module + ": SoRA rank " + av.dim(0) + " must be in [1, min(in, out)]");
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException(module + ": SoRA scale must be finite, got " + scale);
        }
        this.a = a;
        this.b = b;
        this.gate = gate;
        this.scale = scale;
    }

    public Parameter a() {
        return a;
    }

    public Parameter b() {
        return b;
    }

    public Parameter gate() {
        return gate;
    }

    /** r: the rank the layer was made with (pruned ranks included). */
    public int rank() {
        return a.value().dim(0);
    }

    /** s = α/r_max, fixed when the layer is made: pruning keeps it, so a pruned layer computes the same. */
    public double scale() {
        return scale;
    }

    /** The ranks whose gate is not zero. */
    public List<Integer> liveRanks() {
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < rank(); j++) {
            if (gate.value().get(j) != 0) {
                out.add(j);
            }
        }
        return out;
    }

    private Tensor projected(Tensor x) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), rank());
        MatMul.timesTransposed(h, x, a.value(), 0); // H(N,r) = x Aᵀ
        return h;
    }

    /** t ⊙ (c·g) on each row of t (N, r). */
    private Tensor gated(Tensor t, double c) {
        Tensor out = t.copy();
        int r = rank();
        for (int i = 0; i < out.size(); i++) {
            out.set(i, out.get(i) * c * gate.value().get(i % r));
        }
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = base.forward(x);
        if (enabled) {
            MatMul.timesTransposed(y, gated(projected(x), scale()), b.value(), 1); // y += s (H ⊙ g) Bᵀ
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(base, dy, x);
        if (!enabled) {
            return dx;
        }
        double s = scale();
        int r = rank();
        Tensor h = projected(x);
        Tensor k = Tensor.zeros(precision(), h.dim(0), r);
        MatMul.times(k, dy, b.value(), 0);                      // K(N,r) = G B
        Tensor dg = gate.gradient();
        for (int i = 0; i < k.size(); i++) {                    // dg_j += s Σ_n K[n,j] H[n,j]
            int j = i % r;
            dg.set(j, dg.get(j) + s * k.get(i) * h.get(i));
        }
        MatMul.addTransposedTimes(b.gradient(), dy, gated(h, s));  // dB += s Gᵀ (H ⊙ g)
        Tensor kg = gated(k, s);                                   // s (K ⊙ g)
        MatMul.addTransposedTimes(a.gradient(), kg, x);            // dA += s (K ⊙ g)ᵀ x
        Tensor dxBranch = x.zerosLike();
        MatMul.times(dxBranch, kg, a.value(), 0);                  // s (K ⊙ g) A
        Kernels.of(dx).addInPlace(dx, dxBranch);
        return dx;
    }

    /** ΔW(out,in) = s·B·diag(g)·A. */
    @Override
    public Tensor delta() {
        Tensor bg = b.value().copy(); // B diag(g)
        int r = rank();
        for (int i = 0; i < bg.size(); i++) {
            bg.set(i, bg.get(i) * gate.value().get(i % r));
        }
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(scale(), bg.matrix(), a.value().matrix(), 0, d.matrix());
        return d;
    }

    /** A and B: what the run's AdamW trains (the gate is stepped by {@link SoraGates}). */
    @Override
    public List<Parameter> parameters() {
        return List.of(a, b);
    }

    @Override
    public long trainableCount() {
        return a.size() + b.size() + gate.size();
    }
}
