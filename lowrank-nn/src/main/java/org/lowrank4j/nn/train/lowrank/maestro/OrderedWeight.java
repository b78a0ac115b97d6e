package org.lowrank4j.nn.train.lowrank.maestro;

import java.util.List;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A weight kept as Maestro's ordered factors, {@code W(out,in) = U(out,p)·V(p,in)} with p = min(out, in), of which a set
 * of components is <em>kept</em> (all at the start; progressive shrinking drops some) and a prefix of the kept ones is
 * <em>active</em>: with K the kept indices in order and k the active width,
 * <pre>
 *   y = U[:, K[:k]] · (V[K[:k], :] · x)        (k = 0: y = 0)
 * </pre>
 * Backward gives the active columns of U and rows of V their ordinary gradients and every other component none. The
 * width is set only for one partial pass of {@link MaestroObjective} and is otherwise "all kept". {@link #toDense} is
 * U_kept·V_kept, so a written folder holds what the kept components give.
 *
 * <p>The kept set is a tensor of p flags (1 kept, 0 dropped) read at every call, so a checkpoint that refills it (it is
 * optimizer state, see {@link MaestroAdam}) takes effect at once.
 */
public final class OrderedWeight implements WeightFactorization {
    /** Width meaning "every kept component". */
    public static final int ALL = -1;

    private final Parameter u;   // U (out, p)
    private final Parameter v;   // V (p, in)
    private final Tensor kept;   // (p) flags
    private int width = ALL;

    // the latest forward's input, active indices and projection h = x·V_activeᵀ, reused by a backward on the same input
    private Tensor lastInput;
    private int[] lastActive;
    private Tensor lastProjection;

    public OrderedWeight(Parameter u, Parameter v) {
        Tensor a = u.value(), b = v.value();
        if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(0) || a.dim(1) != Math.min(a.dim(0), b.dim(1)) || a.precision() != b.precision()) {
            throw new IllegalArgumentException("ordered factors must be U (out, p) and V (p, in) of one precision with p = min(out, in), got "
                    + u.name() + " " + a.shapeString() + " and " + v.name() + " " + b.shapeString());
        }
        this.u = u;
        this.v = v;
        this.kept = Tensor.zeros(a.precision(), a.dim(1));
        kept.fill(1);
    }

    /**
     * Maestro's {@code decompose_linear}: the exact SVD W = Ũ·S·Ṽᵀ of {@code w} (out, in) split as U = Ũ·S^½,
     * V = S^½·Ṽᵀ, parameters {@code name.maestro_u} and {@code name.maestro_v} in w's precision, every component kept.
     */
    public static OrderedWeight of(String name, Tensor w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException(name + ": an ordered weight needs a matrix, got " + w.shapeString());
        }
        int out = w.dim(0), in = w.dim(1), p = Math.min(out, in);
        Precision precision = w.precision();
        SvdResult svd = new ExactSvd().decompose(w.matrix(out, in), p);
        Tensor a = Tensor.zeros(precision, out, p), b = Tensor.zeros(precision, p, in);
        a.matrix(out, p).assign(svd.u());
        b.matrix(p, in).assign(svd.vt());
        for (int j = 0; j < p; j++) {
            double root = Math.sqrt(Math.max(svd.s()[j], 0));
            for (int o = 0; o < out; o++) {
                a.set(o * p + j, a.get(o * p + j) * root);
            }
            for (int i = 0; i < in; i++) {
                b.set(j * in + i, b.get(j * in + i) * root);
            }
        }
        return new OrderedWeight(new Parameter(name + ".maestro_u", a), new Parameter(name + ".maestro_v", b));
    }

    public Parameter u() {
        return u;
    }

    public Parameter v() {
        return v;
    }

    /** p = min(out, in), the components U and V hold (kept or not). */
    public int rank() {
        return u.value().dim(1);
    }

    /** The live flags of the kept components (p values, 1 kept, 0 dropped). */
    public Tensor keptFlags() {
        return kept;
    }

    /** The kept component indices, ascending. */
    public int[] keptIndices() {
        int p = rank(), n = 0;
        int[] out = new int[p];
        for (int j = 0; j < p; j++) {
            if (kept.get(j) != 0) {
                out[n++] = j;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    public int keptCount() {
        return keptIndices().length;
    }

    /** The active width: {@link #ALL} or a prefix length of the kept components. */
    public int width() {
        return width;
    }

    /**
     * Sets the active width k (0 … kept count) or {@link #ALL}.
     *
     * @throws IllegalArgumentException for a width outside that range
     */
    public void setWidth(int k) {
        if (k != ALL && (k < 0 || k > keptCount())) {
            throw new IllegalArgumentException(u.name() + ": width " + k + " is outside 0.." + keptCount() + " (the kept components)");
        }
        this.width = k;
    }

    /** The indices the forward uses: the first {@code width} kept ones, or all kept. */
    public int[] activeIndices() {
        int[] k = keptIndices();
        return width == ALL || width >= k.length ? k : java.util.Arrays.copyOf(k, width);
    }

    /** ‖V_j,:‖₂·‖U_:,j‖₂, the importance progressive shrinking compares with the threshold. */
    public double importance(int j) {
        return rowNorm(j) * columnNorm(j);
    }

    /**
     * Drops every kept component whose {@link #importance} is below {@code threshold}.
     *
     * @return how many were dropped
     */
    public int shrink(double threshold) {
        int dropped = 0;
        for (int j : keptIndices()) {
            if (importance(j) < threshold) {
                kept.set(j, 0);
                dropped++;
            }
        }
        return dropped;
    }

    /**
     * The non-hierarchical group lasso Σ_{kept j} (‖V_j,:‖ + ‖U_:,j‖); with {@code scale} ≠ 0 its gradient times
     * {@code scale} is added to the factors' gradients (a component with a zero norm gets none: its sub-gradient 0).
     */
    public double groupLasso(double scale) {
        double sum = 0;
        int p = rank(), out = outFeatures(), in = inFeatures();
        Tensor a = u.value(), b = v.value(), ga = u.gradient(), gb = v.gradient();
        for (int j : keptIndices()) {
            double rn = rowNorm(j), cn = columnNorm(j);
            sum += rn + cn;
            if (scale != 0 && rn > 0) {
                for (int i = 0; i < in; i++) {
                    gb.set(j * in + i, gb.get(j * in + i) + scale * b.get(j * in + i) / rn);
                }
            }
            if (scale != 0 && cn > 0) {
                for (int o = 0; o < out; o++) {
                    ga.set(o * p + j, ga.get(o * p + j) + scale * a.get(o * p + j) / cn);
                }
            }
        }
        return sum;
    }

    private double rowNorm(int j) {
        int in = inFeatures();
        double s = 0;
        Tensor b = v.value();
        for (int i = 0; i < in; i++) {
            double x = b.get(j * in + i);
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private double columnNorm(int j) {
        int p = rank(), out = outFeatures();
        double s = 0;
        Tensor a = u.value();
        for (int o = 0; o < out; o++) {
            double x = a.get(o * p + j);
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Override
    public int inFeatures() {
        return v.value().dim(1);
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
        int[] active = activeIndices();
        Tensor h = project(x, active);                  // (N, k)
        lastInput = x;
        lastActive = active;
        lastProjection = h;
        Tensor y = Tensor.zeros(precision(), outputShape(x));
        if (active.length > 0) {
            MatMul.timesTransposed(y, h, left(active), 0); // y = h·U_Aᵀ
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        int[] active = activeIndices();
        Tensor h = x == lastInput && java.util.Arrays.equals(active, lastActive) ? lastProjection : project(x, active);
        lastInput = null;
        lastActive = null;
        lastProjection = null;
        int k = active.length, rows = x.size() / inFeatures();
        Tensor dx = x.zerosLike();
        if (k == 0) {
            return dx;
        }
        boolean all = k == rank();
        Tensor a = left(active), b = right(active);
        Tensor du = all ? u.gradient() : Tensor.zeros(precision(), outFeatures(), k);
        Tensor dv = all ? v.gradient() : Tensor.zeros(precision(), k, inFeatures());
        MatMul.addTransposedTimes(du, dy, h);           // dU_A += dyᵀ h
        Tensor dh = Tensor.zeros(precision(), rows, k);
        MatMul.times(dh, dy, a, 0);                     // dh = dy U_A
        MatMul.addTransposedTimes(dv, dh, x);           // dV_A += dhᵀ x
        MatMul.times(dx, dh, b, 0);                     // dx = dh V_A
        if (!all) {
            scatter(du, dv, active);
        }
        return dx;
    }

    private void scatter(Tensor du, Tensor dv, int[] active) {
        int p = rank(), k = active.length, out = outFeatures(), in = inFeatures();
        Tensor gu = u.gradient(), gv = v.gradient();
        for (int c = 0; c < k; c++) {
            int j = active[c];
            for (int o = 0; o < out; o++) {
                gu.set(o * p + j, gu.get(o * p + j) + du.get(o * k + c));
            }
            for (int i = 0; i < in; i++) {
                gv.set(j * in + i, gv.get(j * in + i) + dv.get(c * in + i));
            }
        }
    }

    /** U's columns {@code active} (out, k); U itself when every component is active. */
    private Tensor left(int[] active) {
        int p = rank(), k = active.length, out = outFeatures();
        if (k == p) {
            return u.value();
        }
        Tensor a = u.value(), sub = Tensor.zeros(precision(), out, k);
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < k; c++) {
                sub.set(o * k + c, a.get(o * p + active[c]));
            }
        }
        return sub;
    }

    /** V's rows {@code active} (k, in); V itself when every component is active. */
    private Tensor right(int[] active) {
        int p = rank(), k = active.length, in = inFeatures();
        if (k == p) {
            return v.value();
        }
        Tensor b = v.value(), sub = Tensor.zeros(precision(), k, in);
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < in; i++) {
                sub.set(c * in + i, b.get(active[c] * in + i));
            }
        }
        return sub;
    }

    private Tensor project(Tensor x, int[] active) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), active.length);
        if (active.length > 0) {
            MatMul.timesTransposed(h, x, right(active), 0); // h = x·V_Aᵀ
        }
        return h;
    }

    @Override
    public Tensor toDense() {
        int[] k = keptIndices();
        Tensor w = Tensor.zeros(precision(), outFeatures(), inFeatures());
        if (k.length > 0) {
            MatMul.gemm(1, left(k).matrix(outFeatures(), k.length), right(k).matrix(k.length, inFeatures()), 0, w.matrix());
        }
        return w;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(u, v);
    }
}
