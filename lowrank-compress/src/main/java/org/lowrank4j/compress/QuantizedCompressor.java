package org.lowrank4j.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SiteSpectrum;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * The format-independent middle of a quantizing compression: quantize every site with the method (in parallel), choose
 * the branch ranks (one rank for all sites, or a byte budget spent by a rank allocator on the branches' error spectra),
 * then build each site's {@link Quantized} or {@link QuantizedLowRank}.
 */
public final class QuantizedCompressor {

    private QuantizedCompressor() {
    }

    /** Quantizes every site (one {@link QuantizedMethod#prepare} each), in site order. */
    public static List<QuantizedSite> prepare(QuantizedMethod method, List<LinearWeight> weights, Map<String, LayerStats> stats, Progress progress) {
        return Compressor.perSite("quantize (" + method.name() + ")", weights, w -> method.prepare(w, stats.get(w.name())), progress);
    }

    /** The same branch rank for every site, capped at each site's spectrum length (0 for methods without a branch). */
    public static int[] uniformRanks(List<QuantizedSite> sites, int rank) {
        int[] ranks = new int[sites.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = Math.min(rank, sites.get(i).spectrum().length);
        }
        return ranks;
    }

    /**
     * Ranks whose float32 branches cost about {@code branchBytes} together: the allocator spends the budget as the
     * parameter share {@code 1 − ratio} of the targeted layers, over the sites' error spectra (so the global allocator
     * gives ranks where a rank removes the most of a site's weighted quantization error).
     */
    public static int[] budgetRanks(List<LinearWeight> weights, List<QuantizedSite> sites, RankAllocator allocator, long branchBytes) {
        long targeted = weights.stream().mapToLong(LinearWeight::denseParameters).sum();
        if (branchBytes <= 0) {
            return new int[sites.size()];
        }
        List<SiteSpectrum> spectra = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            LinearWeight w = weights.get(i);
            spectra.add(new SiteSpectrum(w.name(), w.role(), w.outFeatures(), w.inFeatures(), sites.get(i).spectrum()));
        }
        // allocators round down and keep ranks below break-even, so the share they are asked for is searched (bisection)
        // for the largest whose branches still fit the budget
        double low = 0, high = Math.min(0.999, 2.0 * branchBytes / 4.0 / targeted + 1e-6);
        int[] best = fitted(weights, sites, allocator, spectra, Math.min(branchBytes / 4.0 / targeted, 0.999), branchBytes);
        for (int step = 0; step < 30; step++) {
            double mid = 0.5 * (low + high);
            int[] ranks = fitted(weights, sites, allocator, spectra, mid, branchBytes);
            boolean fits = 4 * branchParameters(weights, ranks) <= branchBytes && !overTrimmed(weights, sites, allocator, spectra, mid, branchBytes);
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

    /** Whether the allocator's ranks at this share cost more than the budget (so they had to be trimmed). */
    private static boolean overTrimmed(List<LinearWeight> weights, List<QuantizedSite> sites, RankAllocator allocator, List<SiteSpectrum> spectra,
                                       double share, long branchBytes) {
        return 4 * branchParameters(weights, allocated(sites, allocator, spectra, share)) > branchBytes;
    }

    private static int[] allocated(List<QuantizedSite> sites, RankAllocator allocator, List<SiteSpectrum> spectra, double share) {
        if (share <= 0) {
            return new int[sites.size()];
        }
        int[] ranks = allocator.allocate(spectra, 1 - Math.min(share, 0.999));
        for (int i = 0; i < ranks.length; i++) {
            // an allocator's "keep dense" (a rank at break-even) means a branch just below it: a branch is never replaced by W
            SiteSpectrum s = spectra.get(i);
            int cap = Math.min(RankRules.breakEvenRank(s.m(), s.n()) - 1, sites.get(i).spectrum().length);
            ranks[i] = Math.max(0, Math.min(ranks[i], cap));
        }
        return ranks;
    }

    /** The allocator's ranks at a share, trimmed from the last site back until they fit the budget. */
    private static int[] fitted(List<LinearWeight> weights, List<QuantizedSite> sites, RankAllocator allocator, List<SiteSpectrum> spectra, double share,
                                long branchBytes) {
        int[] ranks = allocated(sites, allocator, spectra, share);
        long cost = branchParameters(weights, ranks);
        for (int i = ranks.length - 1; cost * 4 > branchBytes && i >= 0; i--) {
            while (ranks[i] > 0 && cost * 4 > branchBytes) {
                ranks[i]--;
                cost -= weights.get(i).outFeatures() + weights.get(i).inFeatures();
            }
        }
        return ranks;
    }

    /** Σ r(m + n): the branch parameters of these ranks. */
    public static long branchParameters(List<LinearWeight> weights, int[] ranks) {
        long total = 0;
        for (int i = 0; i < ranks.length; i++) {
            total += (long) ranks[i] * (weights.get(i).outFeatures() + weights.get(i).inFeatures());
        }
        return total;
    }

    /**
     * Every site's factorization at its rank. A site's relative loss is the output error left over the output energy,
     * {@code ‖X(W − Ŵ)ᵀ‖² / ‖X Wᵀ‖²} from the Gram when the site has statistics, else the weight error
     * {@code ‖W − Ŵ‖² / ‖W‖²}.
     */
    public static CompressionResult build(String method, String allocation, List<LinearWeight> weights, List<QuantizedSite> sites, int[] ranks,
                                          Map<String, LayerStats> stats) {
        // a site's factorization at a rank may be real work (lq-lora alternates SVD and rounding), so sites run in parallel
        Map<LinearWeight, Integer> index = new java.util.IdentityHashMap<>();
        for (int i = 0; i < weights.size(); i++) {
            index.put(weights.get(i), i);
        }
        List<SiteResult> results = Compressor.perSite("factor", weights, w -> {
            int i = index.get(w);
            Factorization f = sites.get(i).at(ranks[i]);
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
