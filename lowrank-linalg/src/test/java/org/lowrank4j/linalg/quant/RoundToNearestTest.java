package org.lowrank4j.linalg.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;

class RoundToNearestTest {

    static DoubleMatrix weights(int m, int n, long seed) {
        Random random = new Random(seed);
        DoubleMatrix w = DoubleMatrix.zeros(m, n);
        for (int i = 0; i < m; i++) {
            double rowScale = 0.02 * (1 + random.nextInt(5));
            for (int j = 0; j < n; j++) {
                w.set(i, j, rowScale * random.nextGaussian() + (j % 17 == 0 ? 0.3 : 0)); // a few outlier columns
            }
        }
        return w;
    }

    @Test
    void uniformErrorIsAtMostHalfAScale() {
        DoubleMatrix w = weights(24, 256, 1);
        for (QuantizationFormat format : new QuantizationFormat[] {
                QuantizationFormat.int8PerChannel(), QuantizationFormat.symmetric(4, 32),
                QuantizationFormat.asymmetric(4, 32), QuantizationFormat.asymmetric(4, 64),
                QuantizationFormat.asymmetric(4, 128), QuantizationFormat.asymmetric(3, 32),
                QuantizationFormat.asymmetric(2, 64), QuantizationFormat.asymmetric(8, 128)}) {
            QuantizedMatrix q = RoundToNearest.quantize(w, format);
            FloatMatrix back = q.dequantize();
            double worstRatio = 0;
            for (int i = 0; i < w.rows(); i++) {
                for (int j = 0; j < w.cols(); j++) {
                    double scale = q.scale(i, j / q.groupSize());
                    double error = Math.abs(w.get(i, j) - back.get(i, j));
                    worstRatio = Math.max(worstRatio, error / scale);
                    assertThat(back.get(i, j)).isEqualTo((float) q.value(i, j));
                }
            }
            System.out.println(format + ": max |error| / scale = " + worstRatio);
            assertThat(worstRatio).as(format.toString()).isLessThanOrEqualTo(0.5 + 1e-5);
        }
    }

    @Test
    void int8IsExactOnRepresentableValues() {
        Random random = new Random(2);
        int m = 9;
        int n = 40;
        FloatMatrix w = FloatMatrix.zeros(m, n);
        for (int i = 0; i < m; i++) {
            float step = (float) Math.scalb(1.0 + random.nextInt(64) / 64.0, -7 - i); // level·step is exact in float
            for (int j = 0; j < n; j++) {
                int level = j == 0 ? (i % 2 == 0 ? 127 : -127) : random.nextInt(255) - 127;
                w.set(i, j, (float) (level * (double) step));
            }
        }
        QuantizedMatrix q = RoundToNearest.quantize(w, QuantizationFormat.int8PerChannel());
        assertThat(q.dequantize()).isEqualTo(w);
        assertThat(q.packedZeroPoints()).isNull();
        assertThat(q.zeroPoint(3, 0)).isEqualTo(128);
    }

    @Test
    void nf4RoundsToTheNearestScaledLevel() {
        DoubleMatrix w = weights(8, 128, 3);
        QuantizedMatrix q = RoundToNearest.quantize(w, QuantizationFormat.nf4(64));
        double[] levels = NormalFloat.levels(4);
        double widestGap = 0;
        for (int i = 1; i < levels.length; i++) {
            widestGap = Math.max(widestGap, levels[i] - levels[i - 1]);
        }
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                double scale = q.scale(i, j / 64);
                assertThat(Math.abs(w.get(i, j) - q.value(i, j))).isLessThanOrEqualTo(scale * widestGap / 2 + 1e-9);
            }
        }
        // The absmax element of each block is exact (level ±1).
        int argmax = 0;
        for (int j = 0; j < 64; j++) {
            argmax = Math.abs(w.get(0, j)) > Math.abs(w.get(0, argmax)) ? j : argmax;
        }
        assertThat(q.value(0, argmax)).isEqualTo((double) (float) w.get(0, argmax), org.assertj.core.data.Offset.offset(1e-7));
    }

    @Test
    void byteCountsCountCodesScalesAndZeroPoints() {
        DoubleMatrix w = weights(384, 1536, 4);
        QuantizedMatrix int4 = RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 32));
        assertThat(int4.codeBytes()).isEqualTo(384L * 768);
        assertThat(int4.scaleBytes()).isEqualTo(384L * 48 * 4);
        assertThat(int4.zeroPointBytes()).isEqualTo(384L * 24);
        assertThat(int4.bytes()).isEqualTo(384L * (768 + 48 * 4 + 24));
        assertThat(int4.bitsPerWeight()).isEqualTo(4 + 32.0 / 32 + 4.0 / 32);

        QuantizedMatrix int3 = RoundToNearest.quantize(w, QuantizationFormat.asymmetric(3, 32));
        assertThat(int3.codeRowBytes()).isEqualTo(576);
        assertThat(int3.zeroPointRowBytes()).isEqualTo(18);
        assertThat(int3.bytes()).isEqualTo(384L * (576 + 48 * 4 + 18));

        QuantizedMatrix int8 = RoundToNearest.quantize(w, QuantizationFormat.int8PerChannel());
        assertThat(int8.bytes()).isEqualTo(384L * 1536 + 384 * 4);

        QuantizedMatrix nf4 = RoundToNearest.quantize(w, QuantizationFormat.nf4(64));
        assertThat(nf4.bytes()).isEqualTo(384L * (768 + 24 * 4));
    }

    @Test
    void codesArePackedLowBitsFirst() {
        DoubleMatrix w = weights(5, 64, 5);
        for (int bits : new int[] {2, 3, 4, 8}) {
            QuantizedMatrix q = RoundToNearest.quantize(w, QuantizationFormat.asymmetric(bits, 32));
            byte[] packed = q.packedCodes();
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 64; c++) {
                    long bit = (long) r * q.codeRowBytes() * 8 + (long) c * bits;
                    int code = 0;
                    for (int b = 0; b < bits; b++) {
                        long at = bit + b;
                        code |= ((packed[(int) (at / 8)] >> (at % 8)) & 1) << b;
                    }
                    assertThat(code).isEqualTo(q.code(r, c));
                }
            }
        }
        QuantizedMatrix q4 = RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 32));
        assertThat(q4.packedCodes()[0] & 0xf).isEqualTo(q4.code(0, 0));
        assertThat((q4.packedCodes()[0] >> 4) & 0xf).isEqualTo(q4.code(0, 1));
        assertThat(q4.packedZeroPoints()[0] & 0xf).isEqualTo(q4.zeroPoint(0, 0));
        assertThat((q4.packedZeroPoints()[0] >> 4) & 0xf).isEqualTo(q4.zeroPoint(0, 1));
    }

    @Test
    void sameInputGivesIdenticalOutput() {
        DoubleMatrix w = weights(16, 128, 6);
        QuantizedMatrix a = RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 64));
        QuantizedMatrix b = RoundToNearest.quantize(w.copy(), QuantizationFormat.asymmetric(4, 64));
        assertThat(a.packedCodes()).isEqualTo(b.packedCodes());
        assertThat(a.scales()).isEqualTo(b.scales());
        assertThat(a.packedZeroPoints()).isEqualTo(b.packedZeroPoints());
    }

    @Test
    void zeroWeightsStayZero() {
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.zeros(3, 32), QuantizationFormat.asymmetric(4, 32));
        assertThat(q.dequantize()).isEqualTo(FloatMatrix.zeros(3, 32));
        QuantizedMatrix nf = RoundToNearest.quantize(DoubleMatrix.zeros(3, 32), QuantizationFormat.nf4(32));
        assertThat(nf.dequantize()).isEqualTo(FloatMatrix.zeros(3, 32));
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> QuantizationFormat.asymmetric(5, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported bit width 5");
        assertThatThrownBy(() -> QuantizationFormat.asymmetric(16, 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported bit width 16");
        assertThatThrownBy(() -> new QuantizationFormat(QuantizationFormat.Kind.NORMAL_FLOAT, 8, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported bit width 8");
        assertThatThrownBy(() -> QuantizationFormat.asymmetric(4, -1)).isInstanceOf(IllegalArgumentException.class);
        DoubleMatrix w = weights(4, 96, 7);
        assertThatThrownBy(() -> RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group size 64 does not divide the input dimension 96");
        DoubleMatrix bad = w.copy();
        bad.set(2, 5, Double.NaN);
        assertThatThrownBy(() -> RoundToNearest.quantize(bad, QuantizationFormat.asymmetric(4, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN at (2, 5)");
        bad.set(2, 5, Double.POSITIVE_INFINITY);
        assertThatThrownBy(() -> RoundToNearest.quantize(bad, QuantizationFormat.int8PerChannel()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be finite");
        assertThatThrownBy(() -> new QuantizedMatrix(QuantizationFormat.asymmetric(4, 32), 2, 32, new byte[32],
                new float[2], null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero points");
    }
}
