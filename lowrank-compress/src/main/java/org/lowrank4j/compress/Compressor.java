package org.lowrank4j.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SiteSpectrum;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.linalg.Linalg;

/**
 * The format-independent middle of {@code compress}: prepare every site with the method (one decomposition
 * each), let the allocator pick ranks against the budget, then build each site's factorization. A site is
 * factorised only when r(m + n) < m·n; otherwise it stays {@link Dense}.
 */
public final class Compressor {
    private final CompressionMethod method;
    private final RankAllocator allocator;

    public Compressor(CompressionMethod method, RankAllocator allocator) {
        this.method = method;
        this.allocator = allocator;
    }

    /**
     * @param stats calibration statistics per site name (may be empty for methods that need none)
     */
    public CompressionResult compress(List<LinearWeight> weights, Map<String, LayerStats> stats, double ratio, Progress progress) {
        return build(weights, prepareForBuild(method, weights, stats, progress), ratio);
    }

    /**
     * The expensive part, once per method: one decomposition per site, reusable across ratios and allocators.
     * Sites are independent, so they run in parallel on Java threads (one per core) with single-threaded BLAS
     * inside each; that scales better than multi-threaded LAPACK on mid-sized matrices and does not collapse
     * when other processes share the cores. Results do not depend on the thread count.
     */
    public static List<PreparedSite> prepare(CompressionMethod method, List<LinearWeight> weights, Map<String, LayerStats> stats, Progress progress) {
        return perSite("decompose (" + method.name() + ")", weights, w -> method.prepare(w, stats.get(w.name())), progress);
    }

    /**
     * {@link #prepare} for sites that are kept for {@link #build} (over several ratios or allocators): each keeps its
     * factors only at the ranks that save parameters ({@link #savingRanksOnly}), which it settles in its own worker, so
     * that the decompositions and weighting matrices of all sites are never held at once.
     */
    public static List<PreparedSite> prepareForBuild(CompressionMethod method, List<LinearWeight> weights, Map<String, LayerStats> stats,
                                                     Progress progress) {
        return perSite("decompose (" + method.name() + ")", weights,
                w -> savingRanksOnly(method.prepare(w, stats.get(w.name())), w.outFeatures(), w.inFeatures()), progress);
    }

    /**
     * The site of an m×n weight kept for {@link #build}: factors only below the break-even rank, the only ranks build
     * (which keeps a site dense where a rank would not save parameters) and the sensitivity probes ask for.
     */
    public static PreparedSite savingRanksOnly(PreparedSite site, int m, int n) {
        return site.keepingRanksBelow(RankRules.breakEvenRank(m, n));
    }

    /**
     * Runs {@code work} on every site in parallel (one Java thread per core, single-threaded BLAS inside each) and
     * returns the results in site order; the first failure is rethrown as it is.
     */
    public static <T> List<T> perSite(String phase, List<LinearWeight> weights, java.util.function.Function<LinearWeight, T> work, Progress progress) {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("there are no linear sites to compress");
        }
        progress.update(phase, 0, weights.size(), "");
        AtomicInteger done = new AtomicInteger();
        int workers = Math.min(weights.size(), Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "lowrank-decompose");
            t.setDaemon(true);
            return t;
        });
        try {
            return Linalg.withSingleThreadedBlas(() -> {
                List<Future<T>> futures = new ArrayList<>();
                for (LinearWeight w : weights) {
                    futures.add(pool.submit(() -> {
                        T site = work.apply(w);
                        progress.update(phase, done.incrementAndGet(), weights.size(), w.name());
                        return site;
                    }));
                }
                List<T> prepared = new ArrayList<>();
                for (Future<T> f : futures) {
                    prepared.add(await(f));
                }
                return prepared;
            });
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decomposing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) { // out of memory in a worker: the caller's handler names it in one line
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Allocates ranks over prepared sites and builds each site's factorization. */
    public CompressionResult build(List<LinearWeight> weights, List<PreparedSite> prepared, double ratio) {
        RankRules.requireRatio(ratio);
        List<SiteSpectrum> spectra = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            LinearWeight w = weights.get(i);
            spectra.add(new SiteSpectrum(w.name(), w.role(), w.outFeatures(), w.inFeatures(), prepared.get(i).spectrum()));
        }
        int[] ranks = allocator.allocate(spectra, ratio);
        List<SiteResult> results = new ArrayList<>();
        long before = 0, after = 0;
        for (int i = 0; i < weights.size(); i++) {
            LinearWeight w = weights.get(i);
            int m = w.outFeatures(), n = w.inFeatures(), r = ranks[i];
            boolean factorise = RankRules.saves(m, n, r);
            Factorization f = factorise ? prepared.get(i).factorAt(r) : new Dense(w.weight());
            SiteSpectrum s = spectra.get(i);
            double loss = factorise && s.totalEnergy() > 0 ? s.tailEnergy(r) / s.totalEnergy() : 0;
            results.add(new SiteResult(w, factorise ? r : Math.min(m, n), f, s.spectrum(), loss));
            before += w.denseParameters();
            after += f.parameterCount();
        }
        return new CompressionResult(method.name(), allocator.name(), ratio, results, before, after);
    }
}
