package org.lowrank4j.compress.methods.svdllm;

import java.util.EnumSet;
import java.util.Set;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * SVD-LLM V1 (spec {@code shared/methods/c04-svd-llm.md}): truncation-aware whitening on the original model's Gram
 * plus the closed-form sequential update of the reference code's {@code --step 2}.
 *
 * <p>Whitening: Cholesky {@code G = L Lᵀ} of the original Gram (eigen fallback as in {@link GramRoot}), SVD
 * {@code W L = U Σ Vᵀ}; {@link PreparedSite#spectrum()} is σ(W L), the exact output-error price on the original
 * inputs that rank allocation reads before the sequential pass.
 *
 * <p>Update (at the rank that {@code factorAt} is called with): with {@code B̃ = V_rᵀ L⁻¹} (r×n) fixed and the
 * compressed-prefix inputs X_c (N×n), solve {@code min_U ‖X_c B̃ᵀ Σ_r Uᵀ − X_c Wᵀ‖_F} — targets are the original
 * W applied to the compressed-prefix inputs. Writing {@code Ũ = U Σ_r} (m×r), the normal equations are
 * {@code Ũ K = W G_c B̃ᵀ} with {@code K = B̃ G_c B̃ᵀ} (r×r), so only {@code G_c = X_cᵀ X_c} is needed. Then
 * {@code A = U Σ_r^{1/2} = Ũ Σ_r^{-1/2}}, {@code B = Σ_r^{1/2} B̃} (a zero σ_i is balanced with 1 instead). K is
 * solved by Cholesky, or by its pseudo-inverse when G_c is singular on the span of B̃ (the minimum-norm
 * least-squares solution). The update can only lower the output error on X_c: U = U_r is one candidate.
 *
 * <p>The paper's own update (sequential LoRA fine-tuning of the A side, then the B side) needs training and
 * belongs to the later recovery feature.
 */
public final class SvdLlmMethod implements CompressionMethod {
    private final SvdLlmOptions options;

    public SvdLlmMethod(SvdLlmOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("svd-llm: options must be given");
        }
        this.options = options;
    }

    @Override
    public String name() {
        return "svd-llm";
    }

    @Override
    public Set<Requirement> requirements() {
        return options.update() == SvdLlmOptions.Update.CLOSED_FORM
                ? EnumSet.of(Requirement.GRAM, Requirement.COMPRESSED_PREFIX) : EnumSet.of(Requirement.GRAM);
    }

    public SvdLlmOptions options() {
        return options;
    }

    @Override
    public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        GramRoot root = GramRoot.of(stats.gram(), options.relativeJitter(), options.relativeFloor());
        DoubleMatrix whitened = root.timesRoot(weight.weight()); // W L (m×n)
        if (options.update() == SvdLlmOptions.Update.NONE) {
            return new RightWeightedSvd(whitened, root::divideByRoot);
        }
        LayerStats prefix = stats.compressedPrefix();
        if (prefix == null || prefix.tokens() == 0) {
            throw new IllegalArgumentException(name() + " needs compressed-prefix statistics for " + weight.name()
                    + " (the Gram of its inputs in the partly compressed model, for the closed-form update), but none were"
                    + " collected; run the sequential pass on the runtime path, or use update=none");
        }
        return new UpdatedSite(weight.weight(), new ExactSvd().decompose(whitened), root, GramRoot.symmetric(prefix.gram()),
                options.relativeFloor());
    }

    /** Whitened SVD on the original Gram; factors updated on the compressed-prefix Gram at each requested rank. */
    static final class UpdatedSite implements PreparedSite {
        private final DoubleMatrix weight;        // W (m×n)
        private final SvdResult svd;              // of W L: u m×k, s k, vt k×n
        private final GramRoot root;              // L of the original Gram
        private final DoubleMatrix prefixGram;    // G_c (n×n)
        private final double relativeFloor;

        UpdatedSite(DoubleMatrix weight, SvdResult svd, GramRoot root, DoubleMatrix prefixGram, double relativeFloor) {
            this.weight = weight;
            this.svd = svd;
            this.root = root;
            this.prefixGram = prefixGram;
            this.relativeFloor = relativeFloor;
        }

        @Override
        public double[] spectrum() {
            return svd.s().clone();
        }

        @Override
        public LowRank factorAt(int rank) {
            if (rank < 1 || rank > svd.rank()) {
                throw new IllegalArgumentException("rank " + rank + " is outside [1, " + svd.rank() + "]");
            }
            DoubleMatrix basis = root.divideByRoot(svd.vt().toDouble().rowRange(0, rank).copy()); // B̃ = V_rᵀ L⁻¹ (r×n)
            DoubleMatrix projected = Linalg.multiply(basis, prefixGram);                            // B̃ G_c (r×n)
            DoubleMatrix k = Linalg.multiply(projected, basis.transpose());                         // K (r×r)
            DoubleMatrix rhs = Linalg.multiply(weight, projected.transpose());                      // W G_c B̃ᵀ (m×r)
            GramRoot kRoot = GramRoot.of(k, 0, relativeFloor);                                      // K = R_K R_Kᵀ
            DoubleMatrix scaledU = kRoot.divideByRoot(kRoot.divideByRootTransposed(rhs));           // Ũ = rhs K⁻¹ (m×r)
            int m = weight.rows(), n = weight.cols();
            DoubleMatrix a = DoubleMatrix.zeros(m, rank), b = DoubleMatrix.zeros(rank, n);
            for (int j = 0; j < rank; j++) {
                double sigma = svd.s()[j];
                double half = sigma > 0 ? Math.sqrt(sigma) : 1; // Σ^{1/2}
                for (int i = 0; i < m; i++) {
                    a.set(i, j, scaledU.get(i, j) / half);
                }
                for (int i = 0; i < n; i++) {
                    b.set(j, i, basis.get(j, i) * half);
                }
            }
            return new LowRank(a, b);
        }
    }
}
