package org.lowrank4j.spark.sites;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SiteSpectrum;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.linalg.Linalg;
import scala.Tuple2;

/**
 * The per-site decompositions of a compression run as Spark tasks: the same {@link CompressionMethod#prepare} and
 * {@link PreparedSite#factorAt} that {@link Compressor} runs on local threads, one site per task. A task receives the
 * method's spec string and one {@link SiteInput} (the weight and its Gram as flat float64 arrays) and returns the
 * spectrum, then the factors as flat arrays ({@link SiteFactors}); the rank allocation stays on the driver.
 *
 * <p>Every task runs with single-threaded BLAS, as {@link Compressor#perSite} does, so on the same inputs the factors
 * are bitwise those of the single-machine run (tested in local mode). Methods that read more than the weight, the input
 * Gram and the channel sums (Fisher gradients, compressed-prefix or cross statistics) are refused: their inputs are
 * produced by a sequential pass through the model that this job does not ship.
 */
public final class SparkSites {
    private static final Set<Requirement> SHIPPED = EnumSet.of(Requirement.GRAM, Requirement.MEAN_ABS);
    private final JavaSparkContext context;

    public SparkSites(SparkSession session) {
        this.context = JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    /**
     * What {@link Compressor#compress} gives, with the decompositions run as Spark tasks: pass 1 prepares every site
     * (kept in executor memory) and returns its spectrum, the driver allocates ranks, pass 2 returns the factors of the
     * sites that get factorised.
     *
     * @param methodSpec a per-site method, {@code NAME[:KEY=VALUE…]} ({@link Methods#byName})
     * @param stats      calibration statistics per site name (may be empty for methods that need none)
     * @throws IllegalArgumentException for an unknown or unsupported method, missing statistics, or a bad ratio
     */
    public CompressionResult compress(String methodSpec, RankAllocator allocator, List<LinearWeight> weights, Map<String, LayerStats> stats,
                                      double ratio) {
        RankRules.requireRatio(ratio);
        CompressionMethod method = shippable(methodSpec);
        List<SiteInput> inputs = encode(method, weights, stats);
        return Linalg.withSingleThreadedBlas(() -> unwrapped(() -> {
            JavaRDD<Prepared> prepared = context.parallelize(inputs, inputs.size())
                    .map(in -> new Prepared(in.index(), Compressor.savingRanksOnly(prepare(methodSpec, in), in.rows(), in.cols())))
                    .persist(StorageLevel.MEMORY_ONLY());
            try {
                List<Tuple2<Integer, double[]>> spectra = new ArrayList<>(prepared.map(p -> new Tuple2<>(p.index, p.site.spectrum())).collect());
                spectra.sort(Comparator.comparing(Tuple2::_1));
                List<SiteSpectrum> sites = new ArrayList<>();
                for (int i = 0; i < weights.size(); i++) {
                    LinearWeight w = weights.get(i);
                    sites.add(new SiteSpectrum(w.name(), w.role(), w.outFeatures(), w.inFeatures(), spectra.get(i)._2()));
                }
                int[] ranks = allocator.allocate(sites, ratio);
                boolean[] factorise = new boolean[ranks.length];
                for (int i = 0; i < ranks.length; i++) {
                    factorise[i] = RankRules.saves(weights.get(i).outFeatures(), weights.get(i).inFeatures(), ranks[i]);
                }
                List<SiteFactors> factors = prepared.filter(p -> factorise[p.index]).map(p -> SiteFactors.of(p.index, p.site.factorAt(ranks[p.index])))
                        .collect();
                LowRank[] byIndex = new LowRank[weights.size()];
                for (SiteFactors f : factors) {
                    byIndex[f.index()] = f.toLowRank();
                }
                List<PreparedSite> done = new ArrayList<>();
                for (int i = 0; i < weights.size(); i++) {
                    done.add(new ComputedSite(sites.get(i).spectrum(), ranks[i], byIndex[i]));
                }
                // build() allocates again on the same spectra (deterministic, so the same ranks) and does the accounting
                return new Compressor(method, allocator).build(weights, done, ratio);
            } finally {
                prepared.unpersist(false);
            }
        }));
    }

    /**
     * Each site's factors at a given rank, one Spark task per site (prepare and truncate in the same task).
     *
     * @param ranks one per site, 1 ≤ rank ≤ min(m, n)
     */
    public List<LowRank> decompose(String methodSpec, List<LinearWeight> weights, Map<String, LayerStats> stats, int[] ranks) {
        CompressionMethod method = shippable(methodSpec);
        if (ranks.length != weights.size()) {
            throw new IllegalArgumentException(ranks.length + " ranks given for " + weights.size() + " sites");
        }
        for (int i = 0; i < ranks.length; i++) {
            LinearWeight w = weights.get(i);
            if (ranks[i] < 1 || ranks[i] > Math.min(w.outFeatures(), w.inFeatures())) {
                throw new IllegalArgumentException("rank " + ranks[i] + " for " + w.name() + " (" + w.outFeatures() + "x" + w.inFeatures()
                        + ") must be between 1 and " + Math.min(w.outFeatures(), w.inFeatures()));
            }
        }
        List<SiteInput> inputs = encode(method, weights, stats);
        int[] fixed = ranks.clone();
        return Linalg.withSingleThreadedBlas(() -> unwrapped(() -> {
            List<SiteFactors> factors = new ArrayList<>(context.parallelize(inputs, inputs.size())
                    .map(in -> SiteFactors.of(in.index(), prepare(methodSpec, in).factorAt(fixed[in.index()])))
                    .collect());
            factors.sort(Comparator.comparingInt(SiteFactors::index));
            return factors.stream().map(SiteFactors::toLowRank).toList();
        }));
    }

    /** The method a spec names, refused when the task inputs cannot carry what it reads. */
    static CompressionMethod shippable(String methodSpec) {
        CompressionMethod method = Methods.byName(methodSpec);
        for (Requirement r : method.requirements()) {
            if (!SHIPPED.contains(r)) {
                throw new IllegalArgumentException("method " + method.name() + " needs " + r + " statistics, which the Spark route does not ship "
                        + "(it sends each site's weight, input Gram and channel sums); run it on one machine, or use one of the methods that "
                        + "read only those");
            }
        }
        return method;
    }

    private static List<SiteInput> encode(CompressionMethod method, List<LinearWeight> weights, Map<String, LayerStats> stats) {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("there are no linear sites to compress");
        }
        boolean needsStats = !method.requirements().isEmpty();
        List<SiteInput> inputs = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            LinearWeight w = weights.get(i);
            LayerStats s = stats.get(w.name());
            if (needsStats) {
                CompressionMethod.requireStats(method.name(), w, s);
            }
            inputs.add(SiteInput.of(i, w, needsStats ? s : null));
        }
        return inputs;
    }

    /** Runs in a task: one site's decomposition with single-threaded BLAS (as on the driver's local threads). */
    private static PreparedSite prepare(String methodSpec, SiteInput in) {
        if (Linalg.threads() != 1) {
            Linalg.setThreads(1); // a remote executor: its BLAS serves one task per core
        }
        return Methods.byName(methodSpec).prepare(in.toWeight(), in.toStats());
    }

    /** A task's IllegalArgumentException (a user mistake found in the data) comes back as itself, not wrapped by Spark. */
    private static <T> T unwrapped(java.util.function.Supplier<T> job) {
        try {
            return job.get();
        } catch (RuntimeException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof IllegalArgumentException iae) {
                    throw iae;
                }
            }
            throw e;
        }
    }

    /** A prepared site kept in executor memory between the two passes (never serialised: MEMORY_ONLY keeps objects). */
    private record Prepared(int index, PreparedSite site) {
    }

    /** A site whose factors were computed by a task at the one rank the allocator chose. */
    private record ComputedSite(double[] spectrum, int rank, LowRank factors) implements PreparedSite {
        @Override
        public LowRank factorAt(int r) {
            if (r != rank || factors == null) {
                throw new IllegalStateException("factors were computed at rank " + rank + ", asked at " + r);
            }
            return factors;
        }
    }
}
