package org.lowrank4j.compress.methods.saes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * One SAES-SVD site: {@code M_α = (W L + α W H L⁻ᵀ)/(1+α)} (m×n) for any α, its SVD, and the ACES choice of α.
 *
 * <p>ACES needs the target rank, which {@code prepare} does not know: α is chosen when {@link #factorAt} is called,
 * as {@code argmax_{α ∈ grid} ρ(α)} with {@code ρ(α) = Σ_{i≤r} σ_i²(M_α) / ‖M_α‖_F²} (ties go to the smallest α).
 * Singular values of every M_α are computed lazily and cached per α (min(m, n) doubles each); the chosen α is cached
 * per rank; full SVDs are kept for α = 0 and for the most recently used α only, to bound memory.
 *
 * <p>{@link #spectrum()} is σ(M_0) = σ(W L_c): SVD-LLM on the compressed-prefix inputs. Its squared tail prices the
 * local term exactly at α = 0, it is available without knowing the rank, and it equals the original whitened
 * spectrum when the prefix is uncompressed. (The original-Gram spectrum would price the wrong inputs once earlier
 * blocks are compressed; a runtime that must allocate ranks before the sequential pass can use the whitened method's
 * spectrum for that — the paper itself uses uniform ranks.) Thread-safe.
 */
public final class SaesSite implements PreparedSite {
    private final DoubleMatrix local;   // W L_c (m×n)
    private final DoubleMatrix aligned; // W H L_c⁻ᵀ (m×n)
    private final GramRoot root;        // L_c, G_c = L_c L_cᵀ
    private final List<Double> alphas;  // sorted candidates
    private final SvdResult atZero;     // SVD of M_0
    private final Map<Double, double[]> spectra = new HashMap<>();
    private final Map<Integer, Double> chosen = new HashMap<>();
    private double recentAlpha = Double.NaN;
    private SvdResult recent;

    SaesSite(DoubleMatrix local, DoubleMatrix aligned, GramRoot root, List<Double> alphas) {
        this.local = local;
        this.aligned = aligned;
        this.root = root;
        this.alphas = alphas;
        this.atZero = new ExactSvd().decompose(local);
        spectra.put(0.0, atZero.s());
    }

    @Override
    public double[] spectrum() {
        return atZero.s().clone();
    }

    @Override
    public LowRank factorAt(int rank) {
        return factorAt(rank, alphaAt(rank));
    }

    /** The factors for a given α (which need not be a candidate): the closed form at that α. */
    public LowRank factorAt(int rank, double alpha) {
        requireRank(rank);
        SvdResult svd = svdAt(alpha);
        int m = local.rows(), n = local.cols();
        DoubleMatrix a = DoubleMatrix.zeros(m, rank), c = DoubleMatrix.zeros(rank, n);
        for (int j = 0; j < rank; j++) {
            double half = Math.sqrt(svd.s()[j]); // Σ^{1/2}
            for (int i = 0; i < m; i++) {
                a.set(i, j, svd.u().get(i, j) * half);
            }
            for (int i = 0; i < n; i++) {
                c.set(j, i, svd.vt().get(j, i) * half);
            }
        }
        return new LowRank(a, root.divideByRoot(c)); // B = Σ_r^{1/2} V_rᵀ L_c⁻¹
    }

    /** α used at this rank: the only candidate, or the ACES choice. */
    public synchronized double alphaAt(int rank) {
        requireRank(rank);
        if (alphas.size() == 1) {
            return alphas.get(0);
        }
        Double cached = chosen.get(rank);
        if (cached != null) {
            return cached;
        }
        double best = alphas.get(0), bestRho = Double.NEGATIVE_INFINITY;
        for (double alpha : alphas) {
            double rho = rho(alpha, rank);
            if (rho > bestRho) {
                best = alpha;
                bestRho = rho;
            }
        }
        chosen.put(rank, best);
        return best;
    }

    /** ρ(α) = Σ_{i≤r} σ_i²(M_α) / ‖M_α‖_F², in [0, 1] (1 when M_α = 0). */
    public synchronized double rho(double alpha, int rank) {
        requireRank(rank);
        double[] s = spectra.computeIfAbsent(alpha, a -> new ExactSvd().decompose(matrixAt(a)).s());
        double head = 0, total = 0;
        for (int i = 0; i < s.length; i++) {
            total += s[i] * s[i];
            if (i < rank) {
                head += s[i] * s[i];
            }
        }
        return total == 0 ? 1 : head / total;
    }

    /** M_α = (W L + α W H L⁻ᵀ)/(1+α) (m×n). */
    public DoubleMatrix matrixAt(double alpha) {
        DoubleMatrix out = DoubleMatrix.zeros(local.rows(), local.cols());
        double scale = 1 / (1 + alpha);
        for (int i = 0; i < out.rows(); i++) {
            for (int j = 0; j < out.cols(); j++) {
                out.set(i, j, scale * (local.get(i, j) + alpha * aligned.get(i, j)));
            }
        }
        return out;
    }

    private synchronized SvdResult svdAt(double alpha) {
        if (alpha == 0) {
            return atZero;
        }
        if (alpha != recentAlpha) {
            recent = new ExactSvd().decompose(matrixAt(alpha));
            recentAlpha = alpha;
            spectra.putIfAbsent(alpha, recent.s());
        }
        return recent;
    }

    private void requireRank(int rank) {
        if (rank < 1 || rank > atZero.rank()) {
            throw new IllegalArgumentException("rank " + rank + " is outside [1, " + atZero.rank() + "]");
        }
    }
}
