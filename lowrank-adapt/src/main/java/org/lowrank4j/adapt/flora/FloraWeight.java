package org.lowrank4j.adapt.flora;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayerBase;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * FLoRA's Tucker update over a frozen W0 (spec 08), on a {@link WeightView} of W with output modes o_1…o_p and input
 * modes i_1…i_q. In W's layout the Tucker product is a product of three matrices:
 * <pre>
 *   ΔW = s · G ×_1 U_1 … ×_N U_N = s · K_out · G_mat · K_inᵀ
 *     G (r_1,…,r_N) core, U_m (size_m, r_m) factors; G_mat (R_o, R_i) the core with out-mode ranks as rows
 *     K_out = U_o1 ⊗ … ⊗ U_op (out, R_o),  K_in = U_i1 ⊗ … ⊗ U_iq (in, R_i)   (formed each call: out·R_o + in·R_i values)
 *   forward, x (N, in):   P = x K_in (N, R_i)    Q = P G_matᵀ (N, R_o)    y += s Q K_outᵀ
 *   backward, dy (N, out):
 *     E = s dy K_out (N, R_o)    dG_mat += Eᵀ P    F = E G_mat (N, R_i)    dx += F K_inᵀ
 *     dK_out = s dyᵀ Q    dK_in = xᵀ F    dU_m = Σ_{other modes} dK ⊙ Π_{j≠m} U_j   (the Kronecker's chain rule)
 * </pre>
 * ΔW is never formed while training: a row costs in·R_i + R_i·R_o + R_o·out multiply-adds instead of in·out, each
 * product a BLAS call. The Kronecker factor of a side with two modes is as wide as the product of their ranks (80 for
 * the decoder's heads view), and at the decoder's sizes forming ΔW measured about as cheap or cheaper per layer step
 * for that view (results/adapter-variants-flora); contracting one mode at a time would narrow those products.
 */
public final class FloraWeight extends VariantLayerBase {
    private final WeightView view;
    private final Parameter core;          // (r_1, …, r_N)
    private final List<Parameter> factors; // U_m (size_m, r_m)
    private final double scale;            // s

    public FloraWeight(String module, WeightFactorization base, WeightView view, Parameter core, List<Parameter> factors, double scale) {
        super(module, base);
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
        this.view = view;
        this.core = core;
        this.factors = List.copyOf(factors);
        this.scale = scale;
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

    private int outModes() {
        return view.outModes();
    }

    /**
     * K = U_from ⊗ … ⊗ U_{to-1}: (Π sizes, Π ranks) of modes [from, to), rows and columns row-major over the modes, so
     * that K[(a_from…), (b_from…)] = Π_m U_m[a_m, b_m].
     */
    private Tensor kronecker(int from, int to) {
        double[] k = {1};
        int rows = 1, cols = 1;
        for (int m = from; m < to; m++) {
            double[] u = factors.get(m).value().toDoubleArray();
            int size = view.size(m), rank = u.length / size;
            double[] next = new double[rows * size * cols * rank];
            for (int row = 0; row < rows; row++) {
                for (int a = 0; a < size; a++) {
                    int to0 = (row * size + a) * cols * rank;
                    for (int col = 0; col < cols; col++) {
                        double v = k[row * cols + col];
                        for (int b = 0; b < rank; b++) {
                            next[to0 + col * rank + b] = v * u[a * rank + b];
                        }
                    }
                }
            }
            k = next;
            rows *= size;
            cols *= rank;
        }
        return Tensor.of(precision(), k, rows, cols);
    }

    /**
     * Adds dL/dU_m for m in [from, to) given dL/dK of {@link #kronecker(int, int)}:
     * dU_m[a_m, b_m] = Σ_{other digits} dK[(a…), (b…)]·Π_{j≠m} U_j[a_j, b_j]. Cost Π sizes · Π ranks · modes².
     */
    private void addKroneckerGradient(Tensor dk, int from, int to) {
        int modes = to - from;
        if (modes == 1) {
            Tensor g = factors.get(from).gradient();
            for (int i = 0; i < g.size(); i++) {
                g.set(i, g.get(i) + dk.get(i));
            }
            return;
        }
        int rows = dk.dim(0), cols = dk.dim(1);
        int[][] rowDigit = digits(rows, from, to, true), colDigit = digits(cols, from, to, false);
        double[][] u = new double[modes][];
        double[][] du = new double[modes][];
        for (int j = 0; j < modes; j++) {
            u[j] = factors.get(from + j).value().toDoubleArray();
            du[j] = new double[u[j].length];
        }
        int[] rank = new int[modes];
        for (int j = 0; j < modes; j++) {
            rank[j] = u[j].length / view.size(from + j);
        }
        double[] d = dk.toDoubleArray();
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < cols; col++) {
                double g = d[row * cols + col];
                if (g == 0) {
                    continue;
                }
                for (int m = 0; m < modes; m++) {
                    double p = g;
                    for (int j = 0; j < modes; j++) {
                        if (j != m) {
                            p *= u[j][rowDigit[j][row] * rank[j] + colDigit[j][col]];
                        }
                    }
                    du[m][rowDigit[m][row] * rank[m] + colDigit[m][col]] += p;
                }
            }
        }
        for (int j = 0; j < modes; j++) {
            Tensor g = factors.get(from + j).gradient();
            for (int i = 0; i < du[j].length; i++) {
                g.set(i, g.get(i) + du[j][i]);
            }
        }
    }

    /** digits[j][index]: mode (from + j)'s index within a row-major index over the sizes (rows) or ranks (columns) of [from, to). */
    private int[][] digits(int count, int from, int to, boolean sizes) {
        int[] radix = new int[to - from];
        for (int m = from; m < to; m++) {
            radix[m - from] = sizes ? view.size(m) : ranks()[m];
        }
        int[][] out = new int[radix.length][count];
        for (int index = 0; index < count; index++) {
            int rest = index;
            for (int j = radix.length - 1; j >= 0; j--) {
                out[j][index] = rest % radix[j];
                rest /= radix[j];
            }
        }
        return out;
    }

    /** The core as G_mat (R_o, R_i): out-mode ranks as rows (a view of the same storage). */
    private static Tensor matrixOf(Tensor core, int outRank) {
        return core.reshape(outRank, core.size() / outRank);
    }

    private int outRank() {
        int n = 1;
        for (int m = 0; m < outModes(); m++) {
            n *= ranks()[m];
        }
        return n;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = base.forward(x);
        if (!enabled) {
            return y;
        }
        int n = x.size() / inFeatures();
        Tensor kIn = kronecker(outModes(), view.modes()), kOut = kronecker(0, outModes());
        Tensor g = matrixOf(core.value(), outRank());
        Tensor p = Tensor.zeros(precision(), n, kIn.dim(1));
        MatMul.times(p, x, kIn, 0);                                   // P (N, R_i) = x K_in
        Tensor q = Tensor.zeros(precision(), n, kOut.dim(1));
        MatMul.timesTransposed(q, p, g, 0);                           // Q (N, R_o) = P G_matᵀ
        MatMul.gemm(scale, q.matrix(), kOut.matrix().transpose(), 1, y.matrix(n, outFeatures())); // y += s Q K_outᵀ
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(base, dy, x);
        if (!enabled) {
            return dx;
        }
        int n = x.size() / inFeatures(), ro = outRank();
        Tensor kIn = kronecker(outModes(), view.modes()), kOut = kronecker(0, outModes());
        int ri = kIn.dim(1);
        Tensor g = matrixOf(core.value(), ro);
        Tensor p = Tensor.zeros(precision(), n, ri);
        MatMul.times(p, x, kIn, 0);                                   // P = x K_in
        Tensor q = Tensor.zeros(precision(), n, ro);
        MatMul.timesTransposed(q, p, g, 0);                           // Q = P G_matᵀ
        Tensor e = Tensor.zeros(precision(), n, ro);
        MatMul.gemm(scale, dy.matrix(n, outFeatures()), kOut.matrix(), 0, e.matrix()); // E (N, R_o) = s dy K_out
        MatMul.addTransposedTimes(matrixOf(core.gradient(), ro), e, p);             // dG_mat += Eᵀ P
        Tensor f = Tensor.zeros(precision(), n, ri);
        MatMul.times(f, e, g, 0);                                     // F (N, R_i) = E G_mat
        MatMul.timesTransposed(dx, f, kIn, 1);                        // dx += F K_inᵀ
        Tensor dkOut = Tensor.zeros(precision(), outFeatures(), ro);
        MatMul.gemm(scale, dy.matrix(n, outFeatures()).transpose(), q.matrix(), 0, dkOut.matrix()); // dK_out = s dyᵀ Q
        Tensor dkIn = Tensor.zeros(precision(), inFeatures(), ri);
        MatMul.addTransposedTimes(dkIn, x, f);                        // dK_in = xᵀ F
        addKroneckerGradient(dkOut, 0, outModes());
        addKroneckerGradient(dkIn, outModes(), view.modes());
        return dx;
    }

    /** ΔW (out, in) = s·K_out·G_mat·K_inᵀ, which equals s·G ×_1 U_1 … ×_N U_N in W's layout (for merging and tests). */
    @Override
    public Tensor delta() {
        Tensor kIn = kronecker(outModes(), view.modes()), kOut = kronecker(0, outModes());
        Tensor kg = Tensor.zeros(precision(), outFeatures(), kIn.dim(1));
        MatMul.gemm(1, kOut.matrix(), matrixOf(core.value(), outRank()).matrix(), 0, kg.matrix());
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.gemm(scale, kg.matrix(), kIn.matrix().transpose(), 0, d.matrix());
        return d;
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
