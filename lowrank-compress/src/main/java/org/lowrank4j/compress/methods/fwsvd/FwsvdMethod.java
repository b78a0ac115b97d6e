package org.lowrank4j.compress.methods.fwsvd;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Fisher-weighted SVD (spec {@code shared/methods/c02-fwsvd.md}): the empirical Fisher {@code F = Σ_d (∂L_d/∂W)²}
 * (out×in, {@link LayerStats#fisher()}) is collapsed to one weight per line of W, and the weighted SVD of c01
 * minimises {@code ‖(W − Ŵ) C‖_F} (INPUT axis, {@code C = diag(c_j)}) or {@code ‖P (W − Ŵ)‖_F} (OUTPUT axis,
 * {@code P = diag(p_i)}). Factors are balanced: INPUT {@code A = U_r Σ_r^{1/2}}, {@code B = Σ_r^{1/2} V_rᵀ C⁻¹};
 * OUTPUT {@code A = P⁻¹ U_r Σ_r^{1/2}}, {@code B = Σ_r^{1/2} V_rᵀ}. The spectrum is σ(W C) (or σ(P W)), so
 * truncation prices the weighted error exactly.
 *
 * <p>The Fisher comes from gradients, which only the JVM runtime computes: on the ONNX path the method refuses.
 * Whether the gradients were per-sample (exact empirical Fisher) or per mini-batch is the collector's choice;
 * the sum is used as is (its scale does not matter because ε is relative).
 */
public final class FwsvdMethod implements CompressionMethod {
    private final FwsvdOptions options;

    public FwsvdMethod(FwsvdOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("fwsvd: options must be given");
        }
        this.options = options;
    }

    @Override
    public String name() {
        return "fwsvd";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRADIENTS);
    }

    public FwsvdOptions options() {
        return options;
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        DoubleMatrix f = requireFisher(weight, stats);
        double[] lines = lineWeights(f, options);
        int m = weight.outFeatures(), n = weight.inFeatures();
        if (options.axis() == FwsvdOptions.Axis.INPUT) {
            DoubleMatrix scaled = weight.weight().copy(); // W C (m×n)
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    scaled.set(i, j, scaled.get(i, j) * lines[j]);
                }
            }
            return new RightWeightedSvd(scaled, c -> divideColumns(c, lines));
        }
        // OUTPUT: ‖P (W − Ŵ)‖ = ‖(Wᵀ − Ŵᵀ) P‖, the right-weighted problem of the transpose.
        DoubleMatrix scaledT = weight.weight().transpose().copy(); // Wᵀ P (n×m)
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                scaledT.set(i, j, scaledT.get(i, j) * lines[j]);
            }
        }
        RightWeightedSvd transposed = new RightWeightedSvd(scaledT, c -> divideColumns(c, lines));
        return new PreparedSite() {
            @Override
            public double[] spectrum() {
                return transposed.spectrum();
            }

            @Override
            public LowRank factorAt(int rank) {
                LowRank t = transposed.factorAt(rank); // Wᵀ ≈ Aₜ Bₜ, so W ≈ Bₜᵀ Aₜᵀ
                return new LowRank(t.b().transpose().copy(), t.a().transpose().copy());
            }
        };
    }

    /**
     * One weight per line: INPUT gives {@code c_j = √(Σ_i F_ij + ε·f_max)} (length n), OUTPUT gives
     * {@code p_i = √(Σ_j F_ij + ε·f_max)} (length m), with f_max the largest line sum.
     */
    public static double[] lineWeights(DoubleMatrix fisher, FwsvdOptions options) {
        boolean input = options.axis() == FwsvdOptions.Axis.INPUT;
        int m = fisher.rows(), n = fisher.cols();
        double[] sums = new double[input ? n : m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                sums[input ? j : i] += fisher.get(i, j);
            }
        }
        double max = 0;
        for (double s : sums) {
            max = Math.max(max, s);
        }
        double[] weights = new double[sums.length];
        for (int k = 0; k < sums.length; k++) {
            weights[k] = Math.sqrt(sums[k] + options.epsilon() * max);
        }
        return weights;
    }

    private DoubleMatrix requireFisher(LinearWeight weight, LayerStats stats) {
        if (stats == null) {
            throw new IllegalArgumentException(name() + " needs gradients (the Fisher information of " + weight.name()
                    + "), but no statistics were collected; run on the runtime path");
        }
        if (stats.features() != weight.inFeatures()) {
            throw new IllegalArgumentException(name() + ": statistics of " + weight.name() + " have " + stats.features()
                    + " features but the weight takes " + weight.inFeatures() + " inputs");
        }
        DoubleMatrix f = stats.fisher();
        if (f == null || stats.fisherSamples() == 0) {
            throw new IllegalArgumentException(name() + " needs gradients (the Fisher information of " + weight.name()
                    + "), but none were collected; run on the runtime path");
        }
        if (f.rows() != weight.outFeatures() || f.cols() != weight.inFeatures()) {
            throw new IllegalArgumentException(name() + ": the Fisher sum of " + weight.name() + " is " + f.shape()
                    + " but the weight is " + weight.weight().shape());
        }
        double max = 0;
        for (int i = 0; i < f.rows(); i++) {
            for (int j = 0; j < f.cols(); j++) {
                max = Math.max(max, f.get(i, j));
            }
        }
        if (!(max > 0) || !Double.isFinite(max)) {
            throw new IllegalArgumentException(name() + ": the Fisher information of " + weight.name() + " is " + max
                    + " everywhere; the weight's gradients were zero (or not finite) on every calibration sample");
        }
        return f;
    }

    private static DoubleMatrix divideColumns(DoubleMatrix c, double[] lines) {
        DoubleMatrix out = c.copy();
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, out.get(i, j) / lines[j]);
            }
        }
        return out;
    }
}
