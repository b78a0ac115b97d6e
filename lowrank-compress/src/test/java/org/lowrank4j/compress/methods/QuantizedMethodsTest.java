package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.linalg.DoubleMatrix;

/** rtn, gptq, eora and lq-lora on synthetic layers: the orderings their specs promise, exact bytes, and clear refusals. */
class QuantizedMethodsTest {
    private static final LinearWeight W = Synthetic.weight(48, 64, 3);
    /** Strongly correlated inputs with outlier channels: where error-compensated rounding pays. */
    private static final DoubleMatrix X = Synthetic.activations(600, 64, 3, 8, 4);
    private static final LayerStats STATS = Synthetic.stats(X);

    private static double outputError(String spec, int rank) {
        QuantizedSite site = Methods.quantizedByName(spec).prepare(W, STATS);
        return Synthetic.outputError(X, W.weight(), site.at(rank));
    }

    @Test
    void gptqBeatsRoundToNearestOnOutputErrorWithCorrelatedInputs() {
        for (String bits : new String[] {"4", "2"}) {
            double rtn = outputError("rtn:bits=" + bits + ":group=16", 0);
            double gptq = outputError("gptq:bits=" + bits + ":group=16", 0);
            assertThat(gptq).as(bits + " bits: gptq %.4g against rtn %.4g", gptq, rtn).isLessThan(0.9 * rtn);
        }
    }

    @Test
    void eoraCompensatesBelowItsBaseAndIsTheBaseAtRankZero() {
        for (String base : new String[] {"gptq", "rtn"}) {
            EoraMethodSite eora = new EoraMethodSite("eora:base=" + base + ":bits=4:group=16");
            double baseError = outputError(base + ":bits=4:group=16", 0);
            Factorization zero = eora.site.at(0);
            assertThat(zero).isInstanceOf(Quantized.class);
            assertThat(zero.toDense().approximatelyEquals(Methods.quantizedByName(base + ":bits=4:group=16").prepare(W, STATS).at(0).toDense(), 0))
                    .as("eora at rank 0 is its %s base exactly", base).isTrue();
            double previous = baseError;
            for (int r : new int[] {2, 8, 32}) {
                double e = Synthetic.outputError(X, W.weight(), eora.site.at(r));
                assertThat(e).as("%s base, rank %d", base, r).isLessThan(previous);
                previous = e;
            }
            // full rank removes the quantization error on the calibration inputs entirely
            assertThat(Synthetic.outputError(X, W.weight(), eora.site.at(48))).isLessThan(1e-6 * baseError);
        }
    }

    @Test
    void eoraBeatsPlainSvdOfTheErrorOnTheOutput() {
        QuantizedSite site = Methods.quantizedByName("eora:base=rtn:bits=4:group=16").prepare(W, STATS);
        Factorization eora = site.at(8);
        DoubleMatrix error = MethodFixtures.minus(W.weight(), site.at(0).toDense());
        Factorization plain = new QuantizedLowRank(site.base(), new org.lowrank4j.compress.methods.svd.PlainSvdMethod()
                .prepare(new LinearWeight("error", "ffn.up", 0, error), null).factorAt(8));
        assertThat(Synthetic.outputError(X, W.weight(), eora)).isLessThanOrEqualTo(Synthetic.outputError(X, W.weight(), plain) * (1 + 1e-9));
    }

    @Test
    void lqLoraLowersTheWeightErrorBelowQuantizingAloneAndAbsorbsOutlierColumns() {
        DoubleMatrix w = W.weight().copy();
        for (int i = 0; i < w.rows(); i++) {
            for (int c : new int[] {5, 21, 40}) {
                w.set(i, c, w.get(i, c) * 30); // three outlier input columns: rank 3 takes them off the grid
            }
        }
        LinearWeight outliers = new LinearWeight("outliers", "ffn.up", 0, w);
        QuantizedSite site = Methods.quantizedByName("lq-lora:group=16").prepare(outliers, null);
        double alone = MethodFixtures.minus(w, site.at(0).toDense()).frobeniusNorm();
        double rank3 = MethodFixtures.minus(w, site.at(3).toDense()).frobeniusNorm();
        assertThat(rank3).as("weight error at rank 3 %.4g against NF4 alone %.4g", rank3, alone).isLessThan(0.5 * alone);
        assertThat(((QuantizedLowRank) site.at(3)).base().format().kind()).isEqualTo(org.lowrank4j.linalg.quant.QuantizationFormat.Kind.NORMAL_FLOAT);
        assertThat(site.at(3)).isSameAs(site.at(3)); // each rank's alternation is computed once
    }

    @Test
    void bytesAreExact() {
        // 48 rows × 64 columns, groups of 16: 4 groups per row
        Factorization rtn4 = Methods.quantizedByName("rtn:bits=4:group=16").prepare(W, null).at(0);
        long codes = 48L * 64 / 2, scales = 4L * 48 * 4, zeros = 48L * 2; // 4-bit zero points: 4 per row in 2 bytes
        assertThat(rtn4.bytes()).isEqualTo(codes + scales + zeros);
        Factorization sym8 = Methods.quantizedByName("rtn:bits=8:group=32:scheme=symmetric").prepare(W, null).at(0);
        assertThat(sym8.bytes()).isEqualTo(48L * 64 + 4L * 48 * 2);
        Factorization branch = Methods.quantizedByName("eora:bits=4:group=16").prepare(W, STATS).at(5);
        assertThat(branch).isInstanceOf(QuantizedLowRank.class);
        assertThat(branch.bytes()).isEqualTo(codes + scales + zeros + 4L * 5 * (48 + 64));
        assertThat(branch.describe()).isEqualTo("quantized " + ((QuantizedLowRank) branch).base().format() + " + low-rank r=5");
    }

    @Test
    void badInputIsOneClearLine() {
        assertThatThrownBy(() -> Methods.quantizedByName("rtn:bits=5")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported bit width 5");
        assertThatThrownBy(() -> Methods.quantizedByName("rtn:group=24").prepare(Synthetic.weight(8, 40, 1), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("test 8x40").hasMessageContaining("24");
        assertThatThrownBy(() -> Methods.quantizedByName("gptq").prepare(W, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gptq needs calibration statistics");
        assertThatThrownBy(() -> Methods.quantizedByName("eora:rank=-2")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank");
        assertThatThrownBy(() -> Methods.quantizedByName("gptq:alpha=1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gptq has no option 'alpha'");
        assertThatThrownBy(() -> Methods.quantizedByName("rtn:embeddings=int3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fp32, int8, int4");
        assertThatThrownBy(() -> Methods.quantizedByName("rtn:accuracy=2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("accuracy must be 0 (float activations) or 4");
        assertThatThrownBy(() -> Methods.byName("rtn")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quantizes");
    }

    /** An eora site on the shared fixture. */
    private static final class EoraMethodSite {
        final QuantizedSite site;

        EoraMethodSite(String spec) {
            site = Methods.quantizedByName(spec).prepare(W, STATS);
        }
    }
}
