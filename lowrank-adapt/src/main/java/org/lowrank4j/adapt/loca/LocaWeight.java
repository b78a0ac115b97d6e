package org.lowrank4j.adapt.loca;

import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantLayerBase;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * LoCA's update over a frozen W0 (spec 05 B): K coefficients placed in the 2-D DCT spectrum at learned locations,
 * <pre>
 *   ΔW(m,n) = s · C_mᵀ · S(a, ℓ) · C_n      C_N the orthonormal DCT-II matrix (row k: sqrt(2/N)·cos(π(2j+1)k/2N), row 0 ×1/√2)
 *   S = m×n zeros with a_t ADDED at (row_t, col_t),  row_t = rint(clamp(ℓ[0,t], 0, 0.999)·(m−1)),  col_t likewise with n
 * </pre>
 * The transforms are dense matrix products (the project has no fast DCT below this module): S·C_n is formed row by row
 * from the K coefficients (O(Kn)), then C_mᵀ·(S·C_n) (O(m²n)); ΔW is kept until a coefficient or a location changes,
 * and the forward is y = x·W0ᵀ + x·ΔWᵀ.
 *
 * <p>Backward with D = dyᵀ·x (m×n) and the spectrum gradient K = s · C_m·D·C_nᵀ:
 * <pre>
 *   da_t   = K[row_t, col_t]                                                       (exact)
 *   drow_t = clamp(½·a_t·(K[row_t+1, col_t] − K[row_t−1, col_t]), −1, 1)           (indices clamped to [0, m−1])
 *   dcol_t = clamp(½·a_t·(K[row_t, col_t+1] − K[row_t, col_t−1]), −1, 1)
 *   dℓ[0,t] = (m−1)·drow_t,  dℓ[1,t] = (n−1)·dcol_t,  0 where ℓ lies outside [0, 0.999]
 *   dx     = dy·W0 + dy·ΔW
 * </pre>
 * The location rule is the reference's central finite difference of the spectrum gradient (its straight-through
 * rounding), not a continuous relaxation. Which of the two groups gets its gradient is decided per training pass by the
 * {@link LocaSchedule}; the other group's gradient is left untouched (zero), as a frozen PyTorch parameter has none.
 */
public final class LocaWeight extends VariantLayerBase {
    private static final double LOCATION_MAX = 0.999;
    private final Parameter coefficients; // a (K)
    private final Parameter locations;    // ℓ (2, K)
    private final double scale;
    private final Tensor dctOut, dctIn;   // C_m (m×m), C_n (n×n)
    private final LocaSchedule schedule;
    private long passes;                  // training passes (backwards) so far
    private LocaSchedule.Phase lastPhase; // the group the last pass gave a gradient, until the step takes it
    private int[] cachedRows, cachedCols;
    private double[] cachedCoefficients;
    private Tensor cachedDelta;

    /**
     * @param dctOut C_m for m = out features, @param dctIn C_n for n = in features (shared between layers of one size)
     */
    public LocaWeight(String module, WeightFactorization base, Parameter coefficients, Parameter locations, double scale, Tensor dctOut,
            Tensor dctIn, LocaSchedule schedule) {
        super(module, base);
        Tensor a = coefficients.value(), l = locations.value();
        int m = base.outFeatures(), n = base.inFeatures();
        if (a.rank() != 1 || a.dim(0) < 1 || !l.hasShape(2, a.dim(0))) {
            throw new IllegalArgumentException(module + ": LoCA needs K >= 1 coefficients (K) and locations (2, K), got " + a.shapeString()
                    + " and " + l.shapeString());
        }
        if (!dctOut.hasShape(m, m) || !dctIn.hasShape(n, n)) {
            throw new IllegalArgumentException(module + ": LoCA needs DCT matrices of " + m + "x" + m + " and " + n + "x" + n);
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException(module + ": LoCA scale must be finite, got " + scale);
        }
        this.coefficients = coefficients;
        this.locations = locations;
        this.scale = scale;
        this.dctOut = dctOut;
        this.dctIn = dctIn;
        this.schedule = schedule;
    }

    public Parameter coefficients() {
        return coefficients;
    }

    public Parameter locations() {
        return locations;
    }

    public int frequencies() {
        return coefficients.size();
    }

    public double scale() {
        return scale;
    }

    /** Training passes (backwards) this layer has seen: the schedule's clock. */
    public long passes() {
        return passes;
    }

    /** The group the last training pass gave a gradient (null once {@link #takePhase} took it). */
    LocaSchedule.Phase takePhase() {
        LocaSchedule.Phase p = lastPhase;
        lastPhase = null;
        return p;
    }

    /** Grid index of a normalised location on an axis of {@code size} (torch.round: half to even). */
    static int index(double location, int size) {
        return (int) Math.rint(Math.min(Math.max(location, 0), LOCATION_MAX) * (size - 1));
    }

    /** row_t (axis 0) or col_t (axis 1) of every frequency. */
    public int[] indices(int axis) {
        int k = frequencies(), size = axis == 0 ? outFeatures() : inFeatures();
        int[] out = new int[k];
        for (int t = 0; t < k; t++) {
            out[t] = index(locations.value().get(axis * k + t), size);
        }
        return out;
    }

    /** ΔW, formed again only when a coefficient or a grid location changed since the last time. */
    private Tensor currentDelta() {
        int[] rows = indices(0), cols = indices(1);
        double[] a = coefficients.value().toDoubleArray();
        if (cachedDelta != null && Arrays.equals(rows, cachedRows) && Arrays.equals(cols, cachedCols) && Arrays.equals(a, cachedCoefficients)) {
            return cachedDelta;
        }
        int m = outFeatures(), n = inFeatures();
        Tensor spread = Tensor.zeros(precision(), m, n); // S·C_n: row row_t gains a_t · C_n[col_t, :]
        for (int t = 0; t < a.length; t++) {
            if (a[t] == 0) {
                continue;
            }
            int r = rows[t] * n, c = cols[t] * n;
            for (int j = 0; j < n; j++) {
                spread.set(r + j, spread.get(r + j) + a[t] * dctIn.get(c + j));
            }
        }
        Tensor delta = Tensor.zeros(precision(), m, n);
        MatMul.gemm(scale, dctOut.matrix().transpose(), spread.matrix(), 0, delta.matrix());
        cachedRows = rows;
        cachedCols = cols;
        cachedCoefficients = a;
        cachedDelta = delta;
        return delta;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(module, x);
        Tensor y = base.forward(x);
        if (enabled) {
            MatMul.timesTransposed(y, x, currentDelta(), 1);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = FrozenWeight.inputGradient(base, dy, x);
        if (!enabled) {
            return dx;
        }
        MatMul.times(dx, dy, currentDelta(), 1); // dx += dy·ΔW
        LocaSchedule.Phase phase = schedule.phase(passes++);
        lastPhase = phase;
        Tensor d = Tensor.zeros(precision(), outFeatures(), inFeatures());
        MatMul.addTransposedTimes(d, dy, x);     // D = dyᵀ·x
        addSpectrumGradients(d, phase);
        return dx;
    }

    /** The spectrum gradient K = s·C_m·D·C_nᵀ of D = ∂L/∂ΔW (m×n). */
    Tensor spectrum(Tensor d) {
        int m = outFeatures(), n = inFeatures();
        Tensor right = Tensor.zeros(precision(), m, n);
        MatMul.gemm(1, d.matrix(), dctIn.matrix().transpose(), 0, right.matrix());
        Tensor k = Tensor.zeros(precision(), m, n);
        MatMul.gemm(scale, dctOut.matrix(), right.matrix(), 0, k.matrix());
        return k;
    }

    /** Adds the gradient of {@code phase}'s group from D = ∂L/∂ΔW (the other group's gradient is not touched). */
    void addSpectrumGradients(Tensor d, LocaSchedule.Phase phase) {
        Tensor k = spectrum(d);
        int m = outFeatures(), n = inFeatures(), count = frequencies();
        int[] rows = indices(0), cols = indices(1);
        if (phase == LocaSchedule.Phase.COEFFICIENTS) {
            Tensor ga = coefficients.gradient();
            for (int t = 0; t < count; t++) {
                ga.set(t, ga.get(t) + k.get(rows[t] * n + cols[t]));
            }
            return;
        }
        Tensor gl = locations.gradient();
        for (int t = 0; t < count; t++) {
            double a = coefficients.value().get(t);
            int r = rows[t], c = cols[t];
            double dRow = clamp(0.5 * a * (k.get(Math.min(r + 1, m - 1) * n + c) - k.get(Math.max(r - 1, 0) * n + c)));
            double dCol = clamp(0.5 * a * (k.get(r * n + Math.min(c + 1, n - 1)) - k.get(r * n + Math.max(c - 1, 0))));
            gl.set(t, gl.get(t) + (inRange(locations.value().get(t)) ? (m - 1) * dRow : 0));
            gl.set(count + t, gl.get(count + t) + (inRange(locations.value().get(count + t)) ? (n - 1) * dCol : 0));
        }
    }

    private static double clamp(double v) {
        return Math.min(1, Math.max(-1, v));
    }

    private static boolean inRange(double location) {
        return location >= 0 && location <= LOCATION_MAX;
    }

    /** ΔW (out, in), a copy. */
    @Override
    public Tensor delta() {
        return currentDelta().copy();
    }

    /** Coefficients and locations: the trainer zeroes and clips their gradients; LoCA's own Adam steps them. */
    @Override
    public List<Parameter> parameters() {
        return List.of(coefficients, locations);
    }

    /** K coefficients and 2K locations. */
    @Override
    public long trainableCount() {
        return coefficients.size() + (long) locations.size();
    }
}
