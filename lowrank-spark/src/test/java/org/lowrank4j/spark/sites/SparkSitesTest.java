package org.lowrank4j.spark.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.GlobalGreedyAllocator;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.spark.SparkTestSession;

/** Issue 21 item 3: the per-site decompositions as Spark tasks in local[2] give bitwise the single-machine factors. */
class SparkSitesTest {
    private static SparkSession session;
    private static SparkSites spark;
    private static SyntheticSites sites;

    @BeforeAll
    static void start() {
        session = SparkTestSession.start();
        spark = new SparkSites(session);
        sites = new SyntheticSites(2, 24, 200, 7); // 12 sites: 24x24, 96x24, 24x96
    }

    @AfterAll
    static void stop() {
        session.stop();
    }

    /** Every per-site method whose inputs the job ships, against Compressor on local threads, factor by factor. */
    @Test
    void compressGivesBitwiseTheFactorsOfTheLocalRun() {
        int checked = 0;
        for (CompressionMethod method : Methods.all()) {
            try {
                SparkSites.shippable(method.name());
            } catch (IllegalArgumentException notShipped) {
                continue;
            }
            CompressionResult local = new Compressor(method, new GlobalGreedyAllocator()).compress(sites.weights, sites.stats, 0.4, Progress.NONE);
            CompressionResult distributed = spark.compress(method.name(), new GlobalGreedyAllocator(), sites.weights, sites.stats, 0.4);
            int factorised = assertIdentical(method.name(), local, distributed);
            System.out.printf("%-12s %d sites, %d factorised, Spark factors bitwise equal to the local run%n", method.name(),
                    local.sites().size(), factorised);
            assertThat(factorised).as(method.name() + " factorised some sites").isPositive();
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }

    @Test
    void decomposeAtGivenRanksMatchesPrepareThenTruncate() {
        int[] ranks = new int[sites.weights.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = 3 + i % 5;
        }
        List<LowRank> distributed = spark.decompose("whitened", sites.weights, sites.stats, ranks);
        CompressionMethod method = Methods.byName("whitened");
        for (int i = 0; i < ranks.length; i++) {
            LinearWeight w = sites.weights.get(i);
            PreparedSite p = method.prepare(w, sites.stats.get(w.name()));
            LowRank local = p.factorAt(ranks[i]);
            assertThat(distributed.get(i).rank()).isEqualTo(ranks[i]);
            assertThat(distributed.get(i).a().toArray()).as(w.name() + " A").containsExactly(local.a().toArray());
            assertThat(distributed.get(i).b().toArray()).as(w.name() + " B").containsExactly(local.b().toArray());
        }
    }

    @Test
    void aSiteInputRestoresTheSameWeightAndStatistics() {
        LinearWeight w = sites.weights.get(4);
        LayerStats s = sites.stats.get(w.name());
        SiteInput in = SiteInput.of(4, w, s);
        assertThat(in.toWeight().weight().toArray()).containsExactly(w.weight().toArray());
        assertThat(in.toStats().gram().toArray()).containsExactly(s.gram().toArray());
        assertThat(in.toStats().mean()).containsExactly(s.mean());
        assertThat(in.toStats().meanAbs()).containsExactly(s.meanAbs());
        assertThat(in.doubles()).isEqualTo((long) w.outFeatures() * w.inFeatures() + (long) s.features() * s.features() + 2L * s.features());
    }

    @Test
    void refusesWhatItCannotShipWithOneClearLine() {
        assertThatThrownBy(() -> spark.compress("fwsvd", new UniformAllocator(), sites.weights, sites.stats, 0.3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fwsvd").hasMessageContaining("GRADIENTS");
        Map<String, LayerStats> missing = new HashMap<>(sites.stats);
        missing.remove(sites.weights.get(2).name());
        assertThatThrownBy(() -> spark.compress("whitened", new UniformAllocator(), sites.weights, missing, 0.3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(sites.weights.get(2).name());
        assertThatThrownBy(() -> spark.decompose("svd", sites.weights, Map.of(), new int[sites.weights.size()]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 0");
        assertThatThrownBy(() -> spark.compress("no-such-method", new UniformAllocator(), sites.weights, sites.stats, 0.3))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Same ranks, same kind of factorization, bitwise equal factors; returns the number of factorised sites. */
    private static int assertIdentical(String method, CompressionResult local, CompressionResult distributed) {
        assertThat(distributed.sites()).hasSameSizeAs(local.sites());
        assertThat(distributed.targetedParametersAfter()).isEqualTo(local.targetedParametersAfter());
        int factorised = 0;
        for (int i = 0; i < local.sites().size(); i++) {
            SiteResult a = local.sites().get(i), b = distributed.sites().get(i);
            String site = method + " " + a.weight().name();
            assertThat(b.rank()).as(site + " rank").isEqualTo(a.rank());
            assertThat(b.spectrum()).as(site + " spectrum").containsExactly(a.spectrum());
            assertThat(b.relativeLoss()).as(site + " loss").isEqualTo(a.relativeLoss());
            if (a.factorization() instanceof LowRank la) {
                LowRank lb = (LowRank) b.factorization();
                assertThat(lb.a().toArray()).as(site + " A").containsExactly(la.a().toArray());
                assertThat(lb.b().toArray()).as(site + " B").containsExactly(la.b().toArray());
                assertThat(Arrays.equals(lb.biasShift(), la.biasShift())).as(site + " bias shift").isTrue();
                factorised++;
            } else {
                assertThat(a.factorization()).isInstanceOf(Dense.class);
                assertThat(b.factorization()).isInstanceOf(Dense.class);
            }
        }
        return factorised;
    }
}
