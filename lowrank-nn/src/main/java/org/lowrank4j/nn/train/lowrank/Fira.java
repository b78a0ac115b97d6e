package org.lowrank4j.nn.train.lowrank;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/**
 * Fira (Chen et al., "Fira: Can We Achieve Full-rank Training of LLMs Under Low-rank Constraint?", arXiv:2410.01623):
 * GaLore's update plus the part of the gradient outside the subspace, scaled without any extra full-rank state.
 * With g, N and B as in {@link ProjectedAdam}:
 * <pre>
 *   R = G − a·back(g)                  (a = α, the reference code's form, or 1 with alphaInResidual off: the paper's)
 *   φ = ‖N row‖ / (‖g row‖ + 1e-8)     per row on the right (g m×r), per column on the left (g r×n)
 *   S = φ ⊙ R
 *   limiter (γ = 1.01): if a previous norm s exists and ‖S‖ > γ·s, S ← S·γ·s/‖S‖; s ← ‖S‖
 *   U = α·back(N) + S
 * </pre>
 * The limiter's previous norm (one float64 per matrix, −1 before the first step) is state ({@code lowrank.norm.<name>}).
 */
public final class Fira extends GaLore {
    public static final String METHOD = "fira";
    /** γ of the norm-growth limiter. */
    public static final double GROWTH_LIMIT = 1.01;

    private final boolean alphaInResidual;
    private final Map<Slot, Tensor> previousNorm = new HashMap<>();

    public Fira(List<Parameter> parameters, AdamW.Settings settings, ProjectionSettings projection, Predicate<Parameter> projected,
            boolean alphaInResidual) {
        super(METHOD, parameters, settings, projection, projected);
        this.alphaInResidual = alphaInResidual;
        for (Slot s : slots()) {
            Tensor norm = Tensor.zeros(Precision.FLOAT64, 1);
            norm.set(0, -1);
            previousNorm.put(s, norm);
        }
    }

    @Override
    protected void addToUpdate(Slot s, Tensor gradient, Tensor low, Tensor adam, Tensor update) {
        double a = alphaInResidual ? projection().scale() : 1;
        Tensor residual = backProject(s, low, -a);
        for (int i = 0; i < residual.size(); i++) {
            residual.set(i, residual.get(i) + gradient.get(i));
        }
        double[] phi = scaling(s, low, adam);
        double sumSquares = 0;
        for (int i = 0; i < s.rows; i++) {
            for (int j = 0; j < s.cols; j++) {
                int at = i * s.cols + j;
                double v = residual.get(at) * (s.right ? phi[i] : phi[j]);
                residual.set(at, v);
                sumSquares += v * v;
            }
        }
        double norm = Math.sqrt(sumSquares);
        Tensor previous = previousNorm.get(s);
        double factor = limiterFactor(norm, previous.get(0));
        previous.set(0, norm / factor);
        for (int i = 0; i < update.size(); i++) {
            update.set(i, update.get(i) + residual.get(i) / factor);
        }
    }

    /**
     * The divisor of the limiter: 1 before the first step ({@code previous} &lt; 0), else
     * max(norm / (previous + 1e-8), γ) / γ, so that a norm growing faster than γ per step is cut to γ·previous.
     */
    static double limiterFactor(double norm, double previous) {
        return previous < 0 ? 1 : Math.max(norm / (previous + 1e-8), GROWTH_LIMIT) / GROWTH_LIMIT;
    }

    /** φ: per row of g on the right, per column on the left, ‖N‖ / (‖g‖ + 1e-8). */
    static double[] scaling(Slot s, Tensor low, Tensor adam) {
        int rows = s.lowRows(), cols = s.lowCols();
        int count = s.right ? rows : cols;
        double[] nn = new double[count], gg = new double[count];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int k = s.right ? i : j;
                double n = adam.get(i * cols + j), g = low.get(i * cols + j);
                nn[k] += n * n;
                gg[k] += g * g;
            }
        }
        double[] phi = new double[count];
        for (int k = 0; k < count; k++) {
            phi[k] = Math.sqrt(nn[k]) / (Math.sqrt(gg[k]) + 1e-8);
        }
        return phi;
    }

    @Override
    protected Map<String, Tensor> slotState(Slot s) {
        Map<String, Tensor> out = new LinkedHashMap<>(super.slotState(s));
        out.put("lowrank.norm." + s.name(), previousNorm.get(s));
        return out;
    }
}
