package org.lowrank4j.compress.methods.saes;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * SAES-SVD (spec {@code shared/methods/c05-saes-svd.md}): the cumulative-error-aware objective
 * {@code min_{rank Ŵ ≤ r} ‖X_c (Ŵ − W)ᵀ‖_F² + α ‖X_c Ŵᵀ − X_f Wᵀ‖_F²} with X_f the site's inputs in the original
 * model and X_c those in the partly compressed model, solved in closed form (derived in the spec) from
 * {@code G_c = X_cᵀ X_c} ({@code stats.compressedPrefix().gram()}) and {@code H = X_fᵀ X_c}
 * ({@code stats.compressedPrefix().cross()}):
 * {@code C = W (G_c + α H)/(1+α)}, {@code G_c = L Lᵀ}, {@code M_α = C L⁻ᵀ = (W L + α W H L⁻ᵀ)/(1+α)},
 * {@code M_α = U Σ Vᵀ}, {@code A = U_r Σ_r^{1/2}}, {@code B = Σ_r^{1/2} V_rᵀ L⁻¹}. A singular G_c takes the eigen
 * route (pseudo-inverse root) of {@link GramRoot}.
 *
 * <p>α is fixed or chosen by ACES at the rank {@code factorAt} is called with; see {@link SaesSite}. The spectrum is
 * that of α = 0, σ(W L_c): SVD-LLM on the compressed-prefix inputs (see {@link SaesSite#spectrum()}). The original
 * model's Gram is not read. No fine-tuning.
 */
public final class SaesMethod implements CompressionMethod {
    private final SaesOptions options;

    public SaesMethod(SaesOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("saes: options must be given");
        }
        this.options = options;
    }

    @Override
    public String name() {
        return "saes";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM, Requirement.COMPRESSED_PREFIX, Requirement.CROSS_MOMENT);
    }

    public SaesOptions options() {
        return options;
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        LayerStats prefix = stats.compressedPrefix();
        if (prefix == null || prefix.tokens() == 0) {
            throw new IllegalArgumentException(name() + " needs compressed-prefix statistics for " + weight.name()
                    + " (the Gram of its inputs in the partly compressed model), but none were collected; run the sequential pass on the runtime path");
        }
        DoubleMatrix cross = prefix.cross();
        if (cross == null || prefix.crossTokens() == 0) {
            throw new IllegalArgumentException(name() + " needs the cross moment Σ x_f x_cᵀ of original and compressed-prefix inputs for "
                    + weight.name() + ", but it was not collected; run the sequential pass with cross moments on the runtime path");
        }
        if (prefix.crossTokens() != prefix.tokens()) {
            throw new IllegalArgumentException(name() + ": the cross moment of " + weight.name() + " covers " + prefix.crossTokens()
                    + " tokens but the compressed-prefix Gram " + prefix.tokens() + "; both must be accumulated over the same aligned tokens");
        }
        DoubleMatrix w = weight.weight();
        GramRoot root = GramRoot.of(prefix.gram(), 0, options.relativeFloor());              // G_c = L Lᵀ
        DoubleMatrix local = root.timesRoot(w);                                              // W L (m×n)
        DoubleMatrix aligned = root.divideByRootTransposed(Linalg.multiply(w, cross));       // W H L⁻ᵀ (m×n)
        return new SaesSite(local, aligned, root, options.alphas());
    }
}
