package org.lowrank4j.adapt.flora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * FLoRA's Tucker update over a frozen W0 (spec 08), on a {@link WeightView} of W with output modes o_1…o_p and input
 * modes i_1…i_q:
 * <pre>
 *   ΔW = s · G ×_1 U_1 ×_2 U_2 … ×_N U_N      G (r_1,…,r_N) core, U_m (size_m, r_m) factors, laid out as W (out, in)
 *   forward, x (N, i_1…i_q):
 *     P (N, r_i1…r_iq) = x ×_{in modes} U_mᵀ        contract each input mode to its rank
 *     Q (N, R_o)       = P (N, R_i) · G_matᵀ         G_mat (R_o, R_i): the core with out-mode ranks as rows
 *     y (N, out)      += s · Q ×_{out modes} U_m     expand each output mode to its size
 * </pre>
 * ΔW is never formed: the cost per row is Σ size_m·r_m + R_o·R_i against in·out for x·ΔWᵀ. Backward with dy (N, out):
 * <pre>
 *   E (N, R_o) = s · dy ×_{out modes} U_mᵀ        dG_mat += Eᵀ P          F (N, R_i) = E · G_mat
 *   dx        += F ×_{in modes} U_m
 *   dU_m (out mode)  = Σ_{all but m} (s · dy ×_{out modes ≠ m} U_jᵀ) ⊙ Q
 *   dU_m (in mode)   = Σ_{all but m} (x ×_{in modes ≠ m} U_jᵀ) ⊙ F
 * </pre>
 * The arithmetic runs in float64 whatever the model's precision.
 */
public final class FloraWeight implements VariantLayer {
    private final String module;
    private final WeightFactorization base;
    private final WeightView view;
    private final Parameter core;          // (r_1, …, r_N)
    private final List<Parameter> factors; // U_m (size_m, r_m)
    private final double scale;            // s
    private boolean enabled = true;

    public FloraWeight(String module, WeightFactorization base, WeightView view, Parameter core, List<Parameter> factors, double scale) {
        if (view.out() != base.outFeatures() || view.in() != base.inFeatures()) {
            throw new IllegalArgumentException(module + ": FLoRA view " + view + " does not cover a " + base.outFeatures() + "x" + base.inFeatures()
                    + " weight");
        }
        int[] ranks = core.value().shape();
        if (ranks.length != view.modes() || factors.size() != view.modes()) {
            throw new IllegalArgumentException(module + ": FLoRA view " + view + " has " + view.modes() + " modes but the core has shape "
                    + core.value().shapeString() + " and there are " + factors.size() + " factors");
        }
        for (int m = 0; m < ranks.length; m++) {
            if (ranks[m] < 1 || ranks[m] > view.size(m)) {
                throw new IllegalArgumentException(module + ": FLoRA rank " + ranks[m] + " of mode " + view.labels().get(m) + " must be in [1, "
                        + view.size(m) + "]");
            }
            if (!factors.get(m).value().hasShape(view.size(m), ranks[m])) {
                throw new IllegalArgumentException(module + ": FLoRA factor " + m + " (" + view.labels().get(m) + ") must be (" + view.size(m) + ", "
                        + ranks[m] + "), got " + factors.get(m).value().shapeString());
            }
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException(module + ": FLoRA scale must be finite, got " + scale);
        }
        this.module = module;
        this.base = base;
        this.view = view;
        this.core = core;
        this.factors = List.copyOf(factors);
        this.scale = scale;
    }

    @Override
    public String module() {
        return module;
    }

    @Override
    public WeightFactorization base() {
        return base;
    }

    public WeightView view() {
        return view;
    }

    public Parameter core() {
        return core;
    }

    public List<Parameter> factors() {
        return factors;
    }

    public int[] ranks() {
        return core.value().shape();
    }

    public double scale() {
        return scale;
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    @Override
    public Precision precision() {
        return base.precision();
    }

    private int outModes() {
        return view.outModes();
    }

    /** (N, s_1, …) with the sizes of modes [from, to) of the view. */
    private int[] batchShape(int n, int from, int to) {
        int[] shape = new int[1 + to - from];
        shape[0] = n;
        for (int m = from; m < to; m++) {
            shape[1 + m - from] = view.size(m);
        }
        return shape;
    }

    /** Contracts each mode of [from, to) but {@code skip} to its rank; t has shape (N, sizes of [from, to)), updated in place. */
    private double[] contractModes(double[] t, int[] shape, int from, int to, int skip) {
        for (int m = from; m < to; m++) {
            if (m != skip) {
                t = ModeProducts.contract(t, shape, 1 + m - from, factors.get(m).value().toDoubleArray(), view.size(m), ranks()[m]);
            }
        }
        return t;
    }

    /** Expands each mode of [from, to) from its rank to its size; shape updated in place. */
    private double[] expandModes(double[] t, int[] shape, int from, int to) {
        for (int m = from; m < to; m++) {
            t = ModeProducts.expand(t, shape, 1 + m - from, factors.get(m).value().toDoubleArray(), view.size(m), ranks()[m]);
        }
        return t;
    }

    private int outRank() {
        return ModeProducts.product(ranks(), 0, outModes());
    }

    private int inRank() {
        return ModeProducts.product(ranks(), outModes(), view.modes());
    }

    /** P (N, R_i) = x contracted on every input mode. */
    private double[] projected(double[] x, int n) {
        return contractModes(x, batchShape(n, outModes(), view.modes()), outModes(), view.modes(), -1);
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = base.forward(x);
        if (!enabled) {
            return y;
        }
        int n = x.size() / inFeatures();
        double[] p = projected(x.toDoubleArray(), n);
        double[] q = times(p, n, inRank(), core.value().toDoubleArray(), outRank(), true); // Q = P G_matᵀ
        int[] shape = batchShape(n, 0, outModes());
        for (int m = 0; m < outModes(); m++) {
            shape[1 + m] = ranks()[m];
        }
        double[] branch = expandModes(q, shape, 0, outModes());
        for (int i = 0; i < branch.length; i++) {
            y.set(i, y.get(i) + scale * branch[i]);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(base, dy, x);
        if (!enabled) {
            return dx;
        }
        int n = x.size() / inFeatures(), ro = outRank(), ri = inRank();
        int[] ranks = ranks();
        double[] xs = x.toDoubleArray(), dys = dy.toDoubleArray(), g = core.value().toDoubleArray();
        double[] p = projected(xs, n);
        double[] q = times(p, n, ri, g, ro, true);
        double[] e = contractModes(dys, batchShape(n, 0, outModes()), 0, outModes(), -1);
        for (int i = 0; i < e.length; i++) {
            e[i] *= scale;                                           // E = s dy ×_out Uᵀ
        }
        double[] dg = new double[ro * ri];
        ModeProducts.addContractedAllBut(dg, 1, e, new int[] {n, ro, 1}, p, new int[] {n, ri, 1}, 1); // dG_mat = Eᵀ P
        addTo(core.gradient(), dg);
        double[] f = times(e, n, ro, g, ri, false);                   // F = E G_mat
        int[] inShape = batchShape(n, outModes(), view.modes());
        for (int m = outModes(); m < view.modes(); m++) {
            inShape[1 + m - outModes()] = ranks[m];
        }
        int[] fShape = inShape.clone();
        double[] dxBranch = expandModes(f, inShape, outModes(), view.modes());
        for (int i = 0; i < dxBranch.length; i++) {
            dx.set(i, dx.get(i) + dxBranch[i]);
        }
        int[] qShape = new int[1 + outModes()];
        qShape[0] = n;
        System.arraycopy(ranks, 0, qShape, 1, outModes());
        for (int m = 0; m < view.modes(); m++) {
            double[] du = new double[view.size(m) * ranks[m]];
            if (m < outModes()) {
                int[] shape = batchShape(n, 0, outModes());
                double[] w = contractModes(dys, shape, 0, outModes(), m);
                ModeProducts.addContractedAllBut(du, scale, w, shape, q, qShape, 1 + m);
            } else {
                int[] shape = batchShape(n, outModes(), view.modes());
                double[] w = contractModes(xs, shape, outModes(), view.modes(), m);
                ModeProducts.addContractedAllBut(du, 1, w, shape, f, fShape, 1 + m - outModes());
            }
            addTo(factors.get(m).gradient(), du);
        }
        return dx;
    }

    /** a (n, k) times b (l, k)ᵀ (transposed) or b (k, l): an (n, l) array. */
    private static double[] times(double[] a, int n, int k, double[] b, int l, boolean transposed) {
        double[] out = new double[n * l];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < l; j++) {
                double sum = 0;
                for (int t = 0; t < k; t++) {
                    sum += a[i * k + t] * (transposed ? b[j * k + t] : b[t * l + j]);
                }
                out[i * l + j] = sum;
            }
        }
        return out;
    }

    private static void addTo(Tensor t, double[] values) {
        for (int i = 0; i < values.length; i++) {
            t.set(i, t.get(i) + values[i]);
        }
    }

    /** ΔW (out, in) = s·G ×_1 U_1 … ×_N U_N, formed (for merging and tests). */
    @Override
    public Tensor delta() {
        int[] shape = new int[1 + view.modes()];
        shape[0] = 1;
        System.arraycopy(ranks(), 0, shape, 1, view.modes());
        double[] t = expandModes(core.value().toDoubleArray(), shape, 0, view.modes());
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        for (int i = 0; i < t.length; i++) {
            d.set(i, scale * t[i]);
        }
        return d;
    }

    @Override
    public Tensor toDense() {
        Tensor w = base.toDense();
        if (enabled) {
            Tensor d = delta();
            for (int i = 0; i < w.size(); i++) {
                w.set(i, w.get(i) + d.get(i));
            }
        }
        return w;
    }

    /** The core and every factor. */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        out.add(core);
        out.addAll(factors);
        return out;
    }

    @Override
    public long trainableCount() {
        return view.parameterCount(ranks());
    }

    @Override
    public String toString() {
        return module + ": FLoRA " + view + " ranks " + Arrays.toString(ranks());
    }
}
