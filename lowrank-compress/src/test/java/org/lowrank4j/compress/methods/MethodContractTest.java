package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/** The table every compression method passes (shapes, exactness at full rank, determinism, refusals). */
class MethodContractTest {

    static Stream<CompressionMethod> methods() {
        return Methods.all().stream();
    }

    private static final DoubleMatrix X = Synthetic.activations(400, 24, 2, 20, 1);
    private static final LayerStats STATS = Synthetic.stats(X);
    private static final LinearWeight W = Synthetic.weight(32, 24, 2);

    @ParameterizedTest
    @MethodSource("methods")
    void factorsHaveTheSpecShapes(CompressionMethod method) {
        LowRank f = method.prepare(W, STATS).factorAt(5);
        assertThat(f.a().shape()).isEqualTo("32x5");
        assertThat(f.b().shape()).isEqualTo("5x24");
        assertThat(f.parameterCount()).isEqualTo(5L * (32 + 24));
    }

    @ParameterizedTest
    @MethodSource("methods")
    void fullRankIsExact(CompressionMethod method) {
        PreparedSite site = method.prepare(W, STATS);
        LowRank f = site.factorAt(site.spectrum().length);
        assertThat(f.toDense().approximatelyEquals(W.weight(), 1e-9 * W.weight().frobeniusNorm())).isTrue();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void spectrumDescendsAndErrorFallsWithRank(CompressionMethod method) {
        PreparedSite site = method.prepare(W, STATS);
        double[] s = site.spectrum();
        for (int i = 1; i < s.length; i++) {
            assertThat(s[i]).isLessThanOrEqualTo(s[i - 1]);
        }
        double previous = Double.POSITIVE_INFINITY;
        for (int r = 1; r <= 24; r += 4) {
            double error = Synthetic.outputError(X, W.weight(), site.factorAt(r));
            assertThat(error).isLessThanOrEqualTo(previous * (1 + 1e-9));
            previous = error;
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void sameInputSameFactors(CompressionMethod method) {
        LowRank first = method.prepare(W, STATS).factorAt(7), second = method.prepare(W, STATS).factorAt(7);
        assertThat(first.a().toArray()).containsExactly(second.a().toArray());
        assertThat(first.b().toArray()).containsExactly(second.b().toArray());
    }

    @ParameterizedTest
    @MethodSource("methods")
    void dataAwareMethodsNeverLoseToPlainSvdOnTheirObjective(CompressionMethod method) {
        if (method.requirements().contains(CompressionMethod.Requirement.GRAM)) {
            for (int r : new int[] {2, 6, 12}) {
                double mine = Synthetic.outputError(X, W.weight(), method.prepare(W, STATS).factorAt(r));
                double plain = Synthetic.outputError(X, W.weight(), Methods.byName("svd").prepare(W, STATS).factorAt(r));
                assertThat(mine).isLessThanOrEqualTo(plain * (1 + 1e-9));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void refusesMissingOrMismatchedStatistics(CompressionMethod method) {
        if (method.requirements().isEmpty()) {
            return;
        }
        assertThatThrownBy(() -> method.prepare(W, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(W.name());
        LayerStats wrong = Synthetic.stats(Synthetic.activations(50, 10, 0, 1, 3));
        assertThatThrownBy(() -> method.prepare(W, wrong)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10 features").hasMessageContaining("24 inputs");
        assertThatThrownBy(() -> method.prepare(W, STATS).factorAt(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void identityGramReducesToPlainSvd(CompressionMethod method) {
        // Whitening with G = I and ASVD with constant channel scale are plain SVD (specs c03 test 1, c04 test 1).
        int n = 24;
        DoubleMatrix x = DoubleMatrix.identity(n);
        LayerStats identity = Synthetic.stats(x); // G = I, mean|x_j| = 1/n for every channel
        LowRank mine = method.prepare(W, identity).factorAt(6);
        SvdResult svd = new ExactSvd().decompose(W.weight(), 6);
        assertThat(mine.toDense().approximatelyEquals(svd.reconstruct(), 1e-9 * W.weight().frobeniusNorm())).isTrue();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void methodsAreFoundByName(CompressionMethod method) {
        assertThat(Methods.byName(method.name().toUpperCase()).name()).isEqualTo(method.name());
        assertThatThrownBy(() -> Methods.byName("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("svd");
    }
}
