package org.lowrank4j.adapt.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ProductSvd;

/**
 * LoRA-Squeeze (Vulić et al. 2026, arXiv:2602.10993; spec 02-lora-squeeze): the rank-k truncation of each module's
 * update ΔW = s·B·A, computed by {@link ProductSvd} (QR of B and Aᵀ, SVD of the r×r core) without forming the out×in
 * ΔW. With ΔW ≈ U_k Σ_k V_kᵀ and the new scaling s' = α'/k (α'/√k for rsLoRA), the new factors are
 * <pre>
 *   B' = U_k Σ_k^½ / √s'   (out, k)        A' = Σ_k^½ V_kᵀ / √s'   (k, in)        so that s'·B'·A' = U_k Σ_k V_kᵀ
 * </pre>
 * the best rank-k approximation of ΔW (Eckart–Young). α' defaults to the value that keeps s' = s
 * (α·k/r, or α·√(k/r) with rsLoRA). The rank is fixed, or per module the smallest k whose singular values hold a
 * share τ of the energy Σσ²; modules whose rank differs from the config's r get rank_pattern / alpha_pattern entries.
 */
public final class Squeeze {

    /**
     * How to choose each module's new rank.
     *
     * @param rank   a fixed rank (modules already at or below it keep theirs), or 0 to use {@code energy}
     * @param energy the share of Σσ² to keep, in (0, 1], when {@code rank} is 0
     */
    public record Target(int rank, double energy) {
        public Target {
            if (rank < 0 || rank == 0 && !(energy > 0 && energy <= 1)) {
                throw new IllegalArgumentException("squeeze needs a rank >= 1 or an energy share in (0, 1], got rank " + rank + ", energy " + energy);
            }
        }

        public static Target rank(int rank) {
            if (rank < 1) {
                throw new IllegalArgumentException("--rank must be at least 1, got " + rank);
            }
            return new Target(rank, 0);
        }

        public static Target energy(double share) {
            return new Target(0, share);
        }
    }

    /**
     * One module's result.
     *
     * @param fromRank     the rank before
     * @param toRank       the rank after
     * @param singular     all singular values of ΔW (at most the old rank)
     * @param keptEnergy   Σ_{i≤k} σ_i² / Σ σ_i²
     */
    public record ModuleReport(int fromRank, int toRank, double[] singular, double keptEnergy) {
    }

    /** The squeezed adapter and, per module, what was kept. */
    public record Result(PeftAdapter adapter, Map<String, ModuleReport> modules) {
    }

    private Squeeze() {
    }

    public static Result apply(PeftAdapter adapter, Target target) {
        PeftConfig config = adapter.config();
        boolean rslora = config.useRslora();
        Map<String, LoraFactors> out = new LinkedHashMap<>();
        Map<String, ModuleReport> reports = new LinkedHashMap<>();
        ProductSvd svd = new ProductSvd();
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            double s = LoraAdapter.scale(f.alpha(), f.rank(), rslora);
            int limit = Math.min(f.rank(), Math.min(f.in(), f.out()));
            SvdResult full = svd.decompose(matrix(f.b(), f.out(), f.rank()), matrix(f.a(), f.rank(), f.in()), s, limit);
            double[] sigma = full.s();
            int k = target.rank() > 0 ? Math.min(target.rank(), limit) : energyRank(sigma, target.energy());
            k = Math.max(1, k);
            double alpha = rslora ? f.alpha() * Math.sqrt((double) k / f.rank()) : f.alpha() * k / f.rank();
            double newScale = LoraAdapter.scale(alpha, k, rslora);
            DenseMatrix u = full.u(), vt = full.vt();
            float[] b = new float[f.out() * k];
            float[] a = new float[k * f.in()];
            for (int j = 0; j < k; j++) {
                double factor = Math.sqrt(sigma[j] / newScale);
                for (int i = 0; i < f.out(); i++) {
                    b[i * k + j] = (float) (u.get(i, j) * factor);      // B' = U_k Σ^½ / √s'
                }
                for (int i = 0; i < f.in(); i++) {
                    a[j * f.in() + i] = (float) (vt.get(j, i) * factor); // A' = Σ^½ V_kᵀ / √s'
                }
            }
            out.put(e.getKey(), new LoraFactors(k, f.in(), f.out(), a, b, alpha));
            reports.put(e.getKey(), new ModuleReport(f.rank(), k, sigma, energy(sigma, k)));
        }
        return new Result(new PeftAdapter(configFor(config, out), out), reports);
    }

    /** The config of the squeezed factors: the most common rank as r, the others as exact rank/alpha patterns. */
    public static PeftConfig configFor(PeftConfig config, Map<String, LoraFactors> modules) {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (LoraFactors f : modules.values()) {
            counts.merge(f.rank(), 1, Integer::sum);
        }
        int common = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        LoraFactors sample = modules.values().stream().filter(f -> f.rank() == common).findFirst().orElseThrow();
        PeftConfig base = config.withRankAndAlpha(common, sample.alpha());
        Map<String, Integer> ranks = new LinkedHashMap<>();
        Map<String, Double> alphas = new LinkedHashMap<>();
        for (Map.Entry<String, LoraFactors> e : modules.entrySet()) {
            String exact = e.getKey().replace(".", "\\."); // matches this one path under PEFT's pattern rule
            if (e.getValue().rank() != common) {
                ranks.put(exact, e.getValue().rank());
            }
            if (e.getValue().alpha() != sample.alpha()) {
                alphas.put(exact, e.getValue().alpha());
            }
        }
        return ranks.isEmpty() && alphas.isEmpty() ? base : base.withPatterns(ranks, alphas);
    }

    /** The smallest k whose σ_1..σ_k hold at least {@code share} of Σσ². */
    static int energyRank(double[] sigma, double share) {
        double total = 0;
        for (double v : sigma) {
            total += v * v;
        }
        if (total == 0) {
            return 1;
        }
        double kept = 0;
        for (int k = 0; k < sigma.length; k++) {
            kept += sigma[k] * sigma[k];
            if (kept >= share * total * (1 - 1e-12)) {
                return k + 1;
            }
        }
        return sigma.length;
    }

    static double energy(double[] sigma, int k) {
        double total = 0, kept = 0;
        for (int i = 0; i < sigma.length; i++) {
            total += sigma[i] * sigma[i];
            if (i < k) {
                kept += sigma[i] * sigma[i];
            }
        }
        return total == 0 ? 1 : kept / total;
    }

    private static DoubleMatrix matrix(float[] values, int rows, int cols) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return DoubleMatrix.wrap(d, rows, cols);
    }
}
