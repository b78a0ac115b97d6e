package org.lowrank4j.compress.methods.eora;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.methods.Quantizing;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;
import org.lowrank4j.linalg.quant.GptqRounding;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * EoRA (spec c06): quantize W (GPTQ or RTN) to W_c, then compensate ΔW = W − W_c in the eigenspace of the inputs.
 * With G = Q Λ Qᵀ (λ raised to at least floor·λ_max) and P = Q Λ^{1/2}, the SVD ΔW P = U Σ Vᵀ gives the rank-r branch
 * {@code A = U_r Σ_r^{1/2}} (m×r) and {@code B = Σ_r^{1/2} V_rᵀ P⁻¹} (r×n), P⁻¹ = Λ^{-1/2} Qᵀ, which minimises the output
 * error {@code ‖X (ΔW − A B)ᵀ‖_F}; the tail {@code Σ_{i≥r} σ_i²} is what rank r leaves. The layer runs
 * {@code y = W_c x + A (B x) + b}. Computed in float64; the Gram's scale (sum or mean) does not change the branch.
 *
 * <p>One-shot per site: every site's inputs come from the original model (the reference code's sequential pass,
 * where later layers see compensated earlier ones, is not done here).
 */
public final class EoraMethod implements QuantizedMethod {
    private final EoraOptions options;

    public EoraMethod(EoraOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "eora";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM);
    }

    @Override
    public QuantizedBase storage() {
        return options.storage();
    }

    @Override
    public int fixedRank() {
        return options.rank();
    }

    @Override
    public int rankWithoutBudget() {
        return options.rank() < 0 ? EoraOptions.DEFAULT_RANK : options.rank();
    }

    @Override
    public QuantizedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        DoubleMatrix w = weight.weight();
        QuantizedMatrix base = Quantizing.onSite(weight, () -> options.base() == EoraOptions.Base.GPTQ
                ? new GptqRounding(options.damping(), GptqRounding.DEFAULT_BLOCK_SIZE).quantize(w, stats.gram(), options.storage().format())
                : RoundToNearest.quantize(w, options.storage().format()));
        DoubleMatrix error = w.copy(); // ΔW = W − W_c (m×n)
        DoubleMatrix rounded = base.dequantize().toDouble();
        for (int i = 0; i < error.rows(); i++) {
            for (int j = 0; j < error.cols(); j++) {
                error.set(i, j, error.get(i, j) - rounded.get(i, j));
            }
        }
        int n = w.cols();
        EigenResult e = new SymmetricEigen().decompose(GramRoot.symmetric(stats.gram()));
        double lowest = options.floor() * Math.max(e.values()[0], Double.MIN_NORMAL);
        DoubleMatrix root = e.vectors().copy(), inverseRootT = e.vectors().copy(); // P = Q Λ^{1/2}; (P⁻¹)ᵀ = Q Λ^{-1/2}
        for (int j = 0; j < n; j++) {
            double sqrt = Math.sqrt(Math.max(e.values()[j], lowest));
            for (int i = 0; i < n; i++) {
                root.set(i, j, root.get(i, j) * sqrt);
                inverseRootT.set(i, j, inverseRootT.get(i, j) / sqrt);
            }
        }
        DoubleMatrix inverseRoot = inverseRootT.transpose().copy();
        return new Site(base, new RightWeightedSvd(Linalg.multiply(error, root), c -> Linalg.multiply(c, inverseRoot)));
    }

    /** The base and the eigenspace SVD of its error. */
    private record Site(QuantizedMatrix base, RightWeightedSvd branch) implements QuantizedSite {

        @Override
        public double[] spectrum() {
            return branch.spectrum();
        }

        @Override
        public Factorization at(int rank) {
            return rank == 0 ? new Quantized(base) : new QuantizedLowRank(base, branch.factorAt(rank));
        }
    }
}
