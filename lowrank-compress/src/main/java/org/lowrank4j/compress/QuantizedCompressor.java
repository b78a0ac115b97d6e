package org.lowrank4j.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SiteSpectrum;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * The format-independent middle of a quantizing compression: quantize every site with the method (in parallel), choose
 * the branch ranks (one rank for all sites, or a byte budget spent by a rank allocator on the branches' error spectra),
 * then build each site's {@link Quantized} or {@link QuantizedLowRank} (its branch in codes when the storage asks).
 */
public final class QuantizedCompressor {

    private QuantizedCompressor() {
    }

    /** Quantizes every site (one {@link QuantizedMethod#prepare} each), in site order. */
    public static List<QuantizedSite> prepare(QuantizedMethod method, List<LinearWeight> weights, Map<String, LayerStats> stats, Progress progress) {
        return Compressor.perSite("quantize (" + method.name() + ")", weights, w -> method.prepare(w, stats.get(w.name())), progress);
    }

    /**
     * The same branch rank for every site, capped at each site's spectrum length (0 for methods without a branch); with
     * a quantized branch the cap is rounded down to the branch's rank step.
     */
    public static int[] uniformRanks(List<QuantizedSite> sites, int rank, QuantizedBase storage) {
        int[] ranks = new int[sites.size()];
        for (int i = 0; i < ranks.length; i++) {
            int length = sites.get(i).spectrum().length;
            ranks[i] = Math.min(rank, length - length % storage.rankStep());
        }
        return ranks;
    }

    /**
     * Ranks whose branches cost about {@code branchBytes} together, priced in the storage's bytes (float32 factors, or
     * codes and scales with ranks in steps of 16): the allocator spends the budget as a parameter share {@code 1 − ratio}
     * of the targeted layers, over the sites' error spectra (so the global allocator gives ranks where a rank removes
     * the most of a site's weighted quantization error).
     */
    public static int[] budgetRanks(List<LinearWeight> weights, List<QuantizedSite> sites, RankAllocator allocator, long branchBytes,
                                    QuantizedBase storage) {
        long targeted = weights.stream().mapToLong(LinearWeight::denseParameters).sum();
        if (branchBytes <= 0) {
            return new int[sites.size()];
        }
        List<SiteSpectrum> spectra = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            LinearWeight w = weights.get(i);
            spectra.add(new SiteSpectrum(w.name(), w.role(), w.outFeatures(), w.inFeatures(), sites.get(i).spectrum()));
        }
        Budget b = new Budget(weights, sites, allocator, spectra, branchBytes, storage);
        // allocators round down and keep ranks below break-even, so the share they are asked for is searched (bisection)
        // for the largest whose branches still fit the budget; a parameter costs at least bits/8 bytes
        double perParameter = storage.branch().bits() / 8.0;
        double low = 0, high = Math.min(0.999, 2.0 * branchBytes / perParameter / targeted + 1e-6);
        int[] best = b.fitted(Math.min(branchBytes / perParameter / targeted, 0.999));
        for (int step = 0; step < 30; step++) {
            double mid = 0.5 * (low + high);
            int[] ranks = b.fitted(mid);
            boolean fits = b.cost(ranks) <= branchBytes && b.cost(b.allocated(mid)) <= branchBytes;
            if (fits) {
                low = mid;
                if (branchParameters(weights, ranks) > branchParameters(weights, best)) {
                    best = ranks;
                }
            } else {
                high = mid;
            }
        }
        return best;
    }

    /** One budget search: the allocator's ranks at a share, in the storage's rank steps, priced in its bytes. */
    private record Budget(List<LinearWeight> weights, List<QuantizedSite> sites, RankAllocator allocator, List<SiteSpectrum> spectra,
                          long branchBytes, QuantizedBase storage) {

        int[] allocated(double share) {
            if (share <= 0) {
                return new int[sites.size()];
            }
            int step = storage.rankStep();
            int[] ranks = allocator.allocate(spectra, 1 - Math.min(share, 0.999));
            for (int i = 0; i < ranks.length; i++) {
                // an allocator's "keep dense" (a rank at break-even) means a branch just below it: a branch is never replaced by W;
                // a branch in codes costs a quarter of float32 or less, so its rank may go up to the spectrum's length
                SiteSpectrum s = spectra.get(i);
                int length = sites.get(i).spectrum().length;
                int cap = storage.quantizedBranch() ? length : Math.min(RankRules.breakEvenRank(s.m(), s.n()) - 1, length);
                cap -= cap % step;
                int nearest = (ranks[i] + step / 2) / step * step; // the nearest rank the storage can hold
                ranks[i] = Math.max(0, Math.min(nearest, cap));
            }
            return ranks;
        }

        /** The allocator's ranks at a share, trimmed (one step at a time) from the last site back until they fit. */
        int[] fitted(double share) {
            int[] ranks = allocated(share);
            int step = storage.rankStep();
            long cost = cost(ranks);
            for (int i = ranks.length - 1; cost > branchBytes && i >= 0; i--) {
                while (ranks[i] > 0 && cost > branchBytes) {
                    cost -= siteCost(i, ranks[i]);
                    ranks[i] -= step;
                    cost += siteCost(i, ranks[i]);
                }
            }
            return ranks;
        }

        long cost(int[] ranks) {
            long total = 0;
            for (int i = 0; i < ranks.length; i++) {
                total += siteCost(i, ranks[i]);
            }
            return total;
        }

        private long siteCost(int i, int rank) {
            return storage.branchBytes(weights.get(i).outFeatures(), weights.get(i).inFeatures(), rank);
        }
    }

    /** Σ r(m + n): the branch parameters of these ranks. */
    public static long branchParameters(List<LinearWeight> weights, int[] ranks) {
        long total = 0;
        for (int i = 0; i < ranks.length; i++) {
            total += (long) ranks[i] * (weights.get(i).outFeatures() + weights.get(i).inFeatures());
        }
        return total;
    }

    /** The bytes of these ranks' branches in the storage's format. */
    public static long branchBytes(List<LinearWeight> weights, int[] ranks, QuantizedBase storage) {
        long total = 0;
        for (int i = 0; i < ranks.length; i++) {
            total += storage.branchBytes(weights.get(i).outFeatures(), weights.get(i).inFeatures(), ranks[i]);
        }
        return total;
    }

    /**
     * Every site's factorization at its rank, its branch in codes when the storage says so. A site's relative loss is the output error left over the output energy,
     * {@code ‖X(W − Ŵ)ᵀ‖² / ‖X Wᵀ‖²} from the Gram when the site has statistics, else the weight error
     * {@code ‖W − Ŵ‖² / ‖W‖²}.
     */
    public static CompressionResult build(String method, String allocation, List<LinearWeight> weights, List<QuantizedSite> sites, int[] ranks,
                                          Map<String, LayerStats> stats, QuantizedBase storage) {
        // a site's factorization at a rank may be real work (lq-lora alternates SVD and rounding), so sites run in parallel
        Map<LinearWeight, Integer> index = new java.util.IdentityHashMap<>();
        for (int i = 0; i < weights.size(); i++) {
            index.put(weights.get(i), i);
        }
        List<SiteResult> results = Compressor.perSite("factor", weights, w -> {
            int i = index.get(w);
            Factorization f = sites.get(i).at(ranks[i]);
            if (storage.quantizedBranch() && f instanceof QuantizedLowRank q) {
                f = q.withBranchCodes(storage.branch().bits(), storage.group());
            }
            LayerStats s = stats.get(w.name());
            return new SiteResult(w, ranks[i], f, sites.get(i).spectrum(), relativeLoss(w.weight(), f.toDense(), s == null ? null : s.gram()));
        }, Progress.NONE);
        long before = 0, after = 0;
        for (SiteResult r : results) {
            LinearWeight w = r.weight();
            Factorization f = r.factorization();
            before += w.denseParameters();
            after += f.parameterCount();
        }
        return new CompressionResult(method, allocation, 0, results, before, after);
    }

    /** ‖(W − Ŵ)R‖² / ‖W R‖² with R Rᵀ = G (or R = I without a Gram), as traces: tr(D G Dᵀ) / tr(W G Wᵀ). */
    static double relativeLoss(DoubleMatrix w, DoubleMatrix approx, DoubleMatrix gram) {
        DoubleMatrix d = w.copy();
        for (int i = 0; i < d.rows(); i++) {
            for (int j = 0; j < d.cols(); j++) {
                d.set(i, j, d.get(i, j) - approx.get(i, j));
            }
        }
        if (gram == null) {
            double total = w.frobeniusNorm();
            return total == 0 ? 0 : Math.pow(d.frobeniusNorm() / total, 2);
        }
        double total = quadratic(w, gram);
        return total <= 0 ? 0 : quadratic(d, gram) / total;
    }

    /** tr(M G Mᵀ). */
    private static double quadratic(DoubleMatrix m, DoubleMatrix gram) {
        DoubleMatrix mg = Linalg.multiply(m, gram);
        double sum = 0;
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                sum += mg.get(i, j) * m.get(i, j);
            }
        }
        return sum;
    }
}
