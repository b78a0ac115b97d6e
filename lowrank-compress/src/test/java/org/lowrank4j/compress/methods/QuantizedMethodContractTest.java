package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.InputScale;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * The table every quantizing method of {@link Methods#allQuantized()} passes: rank 0 is the base alone and its bytes
 * are the base's; the base has the method's format and shape; a branch spectrum descends and its ranks lower the output
 * error; same input, same codes; missing or mismatched statistics and unknown options are refused naming the method.
 */
class QuantizedMethodContractTest {
    private static final LinearWeight W = Synthetic.weight(32, 64, 2);
    private static final DoubleMatrix X = Synthetic.activations(300, 64, 2, 10, 5);
    private static final LayerStats STATS = Synthetic.stats(X);

    static Stream<QuantizedMethod> methods() {
        return Methods.allQuantized().stream();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void rankZeroIsTheBaseWithItsExactBytes(QuantizedMethod method) {
        QuantizedSite site = method.prepare(W, STATS);
        Factorization f = site.at(0);
        assertThat(f).isInstanceOf(Quantized.class);
        assertThat(site.base().format()).isEqualTo(method.storage().format());
        assertThat(site.base().rows()).isEqualTo(32);
        assertThat(site.base().cols()).isEqualTo(64);
        // a method that smooths (svdquant) stores a scale of the base's input beside the codes: W ≈ dequant(Q)·diag(s)
        InputScale scale = ((Quantized) f).inputScale();
        assertThat(f.bytes()).isEqualTo(site.base().bytes() + scaleBytes(f)).isLessThan(4L * 32 * 64);
        DoubleMatrix base = site.base().dequantize().toDouble();
        assertThat(f.toDense().approximatelyEquals(scale == null ? base : scale.scaleColumns(base), 0)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void branchSpectrumDescendsAndRanksLowerTheOutputError(QuantizedMethod method) {
        QuantizedSite site = method.prepare(W, STATS);
        double[] s = site.spectrum();
        assertThat(s.length).isEqualTo(method.hasBranch() ? 32 : 0);
        for (int i = 1; i < s.length; i++) {
            assertThat(s[i]).isLessThanOrEqualTo(s[i - 1]);
        }
        double previous = Synthetic.outputError(X, W.weight(), site.at(0));
        for (int r = 4; r <= s.length; r += 8) {
            double e = Synthetic.outputError(X, W.weight(), site.at(r));
            assertThat(e).as("rank %d", r).isLessThan(previous);
            assertThat(site.at(r).bytes()).isEqualTo(site.base().bytes() + 4L * r * (32 + 64) + scaleBytes(site.at(r)));
            previous = e;
        }
        assertThatThrownBy(() -> site.at(s.length + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The bytes of a factorization's input scale (0 without one). */
    private static long scaleBytes(Factorization f) {
        InputScale s = f instanceof Quantized q ? q.inputScale() : f instanceof QuantizedLowRank q ? q.inputScale() : null;
        return s == null ? 0 : s.bytes();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void sameInputSameCodes(QuantizedMethod method) {
        QuantizedSite a = method.prepare(W, STATS), b = method.prepare(W, STATS);
        assertThat(a.base().packedCodes()).isEqualTo(b.base().packedCodes());
        assertThat(a.base().scales()).isEqualTo(b.base().scales());
        assertThat(a.spectrum()).isEqualTo(b.spectrum());
    }

    @ParameterizedTest
    @MethodSource("methods")
    void refusesWhatItCannotUse(QuantizedMethod method) {
        if (!method.requirements().isEmpty()) {
            assertThatThrownBy(() -> method.prepare(W, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(method.name());
            assertThatThrownBy(() -> method.prepare(W, Synthetic.stats(Synthetic.activations(50, 32, 0, 1, 1))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 features");
        }
        assertThatThrownBy(() -> Methods.quantizedByName(method.name() + ":nonsense=1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(method.name() + " has no option 'nonsense'");
        assertThatThrownBy(() -> Methods.quantizedByName(method.name() + ":bits=7")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported bit width 7");
    }
}
