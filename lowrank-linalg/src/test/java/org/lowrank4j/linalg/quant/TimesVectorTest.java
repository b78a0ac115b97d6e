package org.lowrank4j.linalg.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;

/** The quantized matrix times a vector, read from the codes, against the product with its dequantized matrix. */
class TimesVectorTest {

    @Test
    void equalsTheDequantizedProductForEveryFormatAndGroupShape() {
        Random random = new Random(5);
        for (QuantizationFormat format : DequantizeRowsTest.formats()) {
            int rows = 37, cols = DequantizeRowsTest.columns(format);
            QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(rows, cols, random), format);
            FloatMatrix w = q.dequantize();
            float[] x = new float[cols + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] y = new float[rows + 2];
            y[0] = Float.NaN; // outside the rows written: left alone
            q.timesVector(x, 3, y, 1, 0, rows);
            assertThat(y[0]).isNaN();
            for (int r = 0; r < rows; r++) {
                double expected = 0, magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    expected += (double) w.get(r, c) * x[3 + c];
                    magnitude += Math.abs((double) w.get(r, c) * x[3 + c]);
                }
                assertThat((double) y[1 + r]).as("%s row %d", format, r).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * magnitude));
            }
            float[] part = new float[5]; // a block of rows, as a split over cores computes it
            q.timesVector(x, 3, part, 0, 30, 5);
            for (int i = 0; i < 5; i++) {
                assertThat(part[i]).as("%s rows 30..35", format).isEqualTo(y[1 + 30 + i]);
            }
        }
    }

    @Test
    void rowsOrArraysOutOfRangeAreRefused() {
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(4, 8, new Random(1)), QuantizationFormat.symmetric(4, 8));
        assertThatThrownBy(() -> q.timesVector(new float[8], 0, new float[4], 0, 2, 3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("rows [2, 5) of a 4x8 matrix");
        assertThatThrownBy(() -> q.timesVector(new float[8], 1, new float[4], 0, 0, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> q.timesVector(new float[8], 0, new float[3], 0, 0, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
