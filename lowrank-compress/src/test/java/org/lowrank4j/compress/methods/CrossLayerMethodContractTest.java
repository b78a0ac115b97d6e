package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * The table every cross-layer method of {@link Methods#allCrossLayer()} passes: the result covers every site in input
 * order with its shape, keeps within the requested ratio's parameters, loses less output error at a smaller ratio, gives
 * the same result for the same input, and refuses missing statistics and unknown options naming the method.
 *
 * <p>A new method adds one row to {@link #TABLE}: a configuration with groups of two blocks.
 */
class CrossLayerMethodContractTest {
    static final Map<String, String> TABLE = Map.of(
            "basis-sharing", "basis-sharing:group=2",
            "cospadi", "cospadi:group=2:iterations=3");

    private static final int BLOCKS = 4;
    private static final Map<String, DoubleMatrix> INPUTS = new LinkedHashMap<>();
    private static final List<LinearWeight> SITES = sites();
    private static final Map<String, LayerStats> STATS = stats();

    static Stream<String> specs() {
        return Methods.allCrossLayer().stream().map(m -> {
            String spec = TABLE.get(m.name());
            assertThat(spec).as("add a row for cross-layer method '%s' to CrossLayerMethodContractTest.TABLE", m.name()).isNotNull();
            return spec;
        });
    }

    private static List<LinearWeight> sites() {
        List<LinearWeight> out = new java.util.ArrayList<>();
        for (int b = 0; b < BLOCKS; b++) {
            out.add(new LinearWeight("block " + b + " ffn.up", "ffn.up", b, Synthetic.weight(40, 24, 10 + b).weight()));
            out.add(new LinearWeight("block " + b + " attention.query", "attention.query", b, Synthetic.weight(24, 24, 20 + b).weight()));
        }
        return out;
    }

    private static Map<String, LayerStats> stats() {
        Map<String, LayerStats> out = new LinkedHashMap<>();
        for (LinearWeight w : SITES) {
            DoubleMatrix x = Synthetic.activations(300, 24, 2, 8, 100 + w.block());
            INPUTS.put(w.name(), x);
            out.put(w.name(), Synthetic.stats(x));
        }
        return out;
    }

    private static double outputError(CompressionResult r) {
        double sq = 0;
        for (SiteResult s : r.sites()) {
            DoubleMatrix diff = s.weight().weight().copy();
            DoubleMatrix approx = s.factorization().toDense();
            for (int i = 0; i < diff.rows(); i++) {
                for (int j = 0; j < diff.cols(); j++) {
                    diff.set(i, j, diff.get(i, j) - approx.get(i, j));
                }
            }
            double e = Linalg.multiply(INPUTS.get(s.weight().name()), diff.transpose()).frobeniusNorm();
            sq += e * e;
        }
        return Math.sqrt(sq);
    }

    @ParameterizedTest
    @MethodSource("specs")
    void coversEverySiteWithinTheBudgetAndLosesLessAtSmallerRatios(String spec) {
        CrossLayerMethod method = Methods.crossLayerByName(spec);
        CrossLayerMethod.Prepared prepared = method.prepare(SITES, STATS, 0.3, Progress.NONE);
        double previous = -1;
        for (double ratio : new double[] {0.6, 0.3, 0.1}) {
            CompressionResult r = prepared.build(ratio, new UniformAllocator());
            assertThat(r.sites()).extracting(s -> s.weight().name()).containsExactlyElementsOf(SITES.stream().map(LinearWeight::name).toList());
            for (SiteResult s : r.sites()) {
                assertThat(s.factorization().toDense().shape()).isEqualTo(s.weight().weight().shape());
            }
            assertThat(r.targetedParametersBefore()).isEqualTo(SITES.stream().mapToLong(LinearWeight::denseParameters).sum());
            assertThat(r.achievedRatio()).as("ratio %s", ratio).isGreaterThanOrEqualTo(ratio - 1e-9);
            double error = outputError(r);
            if (previous >= 0) {
                assertThat(error).as("output error at ratio %s", ratio).isLessThan(previous);
            }
            previous = error;
        }
        assertThat(prepared.groupNames()).anySatisfy(g -> assertThat(g).hasSize(2));
    }

    @ParameterizedTest
    @MethodSource("specs")
    void sameInputSameResult(String spec) {
        CompressionResult a = Methods.crossLayerByName(spec).prepare(SITES, STATS, 0.3, Progress.NONE).build(0.3, new UniformAllocator());
        CompressionResult b = Methods.crossLayerByName(spec).prepare(SITES, STATS, 0.3, Progress.NONE).build(0.3, new UniformAllocator());
        for (int i = 0; i < a.sites().size(); i++) {
            assertThat(a.sites().get(i).factorization().toDense().approximatelyEquals(b.sites().get(i).factorization().toDense(), 0)).isTrue();
        }
        assertThat(a.targetedParametersAfter()).isEqualTo(b.targetedParametersAfter());
    }

    @ParameterizedTest
    @MethodSource("specs")
    void refusesMissingStatisticsAndUnknownOptions(String spec) {
        CrossLayerMethod method = Methods.crossLayerByName(spec);
        Map<String, LayerStats> missing = new LinkedHashMap<>(STATS);
        missing.remove(SITES.get(3).name());
        assertThatThrownBy(() -> method.prepare(SITES, missing, 0.3, Progress.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SITES.get(3).name());
        assertThatThrownBy(() -> Methods.crossLayerByName(spec + ":nonsense=1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nonsense");
    }
}
