package org.lowrank4j.linalg.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;

/** Rows dequantized through the per-group code tables equal each weight's own value rounded to float32, bit for bit. */
class DequantizeRowsTest {

    /**
     * Every kind and width, groups of many shapes: odd groups of 5 (nibbles straddle two groups) over 95 columns, the
     * others over 96 ({@link #columns}).
     */
    static QuantizationFormat[] formats() {
        return new QuantizationFormat[] {
            QuantizationFormat.symmetric(4, 32), QuantizationFormat.asymmetric(4, 32), QuantizationFormat.asymmetric(4, 5),
            QuantizationFormat.symmetric(4, 6), QuantizationFormat.asymmetric(4, QuantizationFormat.WHOLE_ROW), QuantizationFormat.symmetric(8, 16),
            QuantizationFormat.int8PerChannel(), QuantizationFormat.asymmetric(8, 6), QuantizationFormat.symmetric(3, 32),
            QuantizationFormat.asymmetric(3, 5), QuantizationFormat.asymmetric(2, 8), QuantizationFormat.nf4(32),
            new QuantizationFormat(QuantizationFormat.Kind.NORMAL_FLOAT, 3, 16), new QuantizationFormat(QuantizationFormat.Kind.NORMAL_FLOAT, 2, 8)};
    }

    /** The columns of a test matrix in {@code format}: a whole number of its groups. */
    static int columns(QuantizationFormat format) {
        return format.groupSize() == 5 ? 95 : 96;
    }

    @Test
    void everyFormatGivesEachWeightsValueRoundedToFloat() {
        Random random = new Random(9);
        for (QuantizationFormat format : formats()) {
            int rows = 37, cols = columns(format);
            QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(rows, cols, random), format);
            float[] out = new float[30 * cols + 1];
            out[30 * cols] = Float.NaN; // past the rows asked for: left alone
            q.dequantizeRows(3, 30, out);
            assertThat(out[30 * cols]).isNaN();
            for (int r = 0; r < 30; r++) {
                for (int c = 0; c < cols; c++) {
                    assertThat(out[r * cols + c]).as("%s (%d, %d)", format, 3 + r, c).isEqualTo((float) q.value(3 + r, c));
                }
            }
        }
    }
}
