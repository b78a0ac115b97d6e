package org.lowrank4j.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DenseMatrixTest {

    @Test
    void viewsShareDataWithoutCopying() {
        DoubleMatrix a = DoubleMatrix.of(3, 4, 0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23);
        DoubleMatrix block = a.view(1, 3, 1, 3);
        assertThat(block.shape()).isEqualTo("2x2");
        assertThat(block.get(0, 0)).isEqualTo(11);
        assertThat(block.get(1, 1)).isEqualTo(22);
        block.set(0, 1, -1);
        assertThat(a.get(1, 2)).isEqualTo(-1);
        assertThat(block.data()).isSameAs(a.data());
    }

    @Test
    void transposeSwapsStridesAndCompactCopies() {
        FloatMatrix a = FloatMatrix.of(2, 3, 1, 2, 3, 4, 5, 6);
        FloatMatrix t = a.transpose();
        assertThat(t.shape()).isEqualTo("3x2");
        assertThat(t.get(2, 1)).isEqualTo(6);
        assertThat(t.isCompact()).isFalse();
        assertThat(t.isColumnMajorStrided()).isTrue();
        assertThat(t.compact().toArray()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(a.compact()).isSameAs(a);
    }

    @Test
    void conversionsKeepValues() {
        DoubleMatrix a = DoubleMatrix.of(2, 2, 1.5, -2, 3, 4);
        assertThat(a.toFloat().toDouble()).isEqualTo(a);
        assertThat(a.toDouble()).isSameAs(a);
    }

    @Test
    void rejectsBadShapesAndRanges() {
        assertThatThrownBy(() -> DoubleMatrix.wrap(new double[5], 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2x3");
        DoubleMatrix a = DoubleMatrix.zeros(2, 3);
        assertThatThrownBy(() -> a.rowRange(1, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2x3");
        assertThatThrownBy(() -> a.colRange(2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DoubleMatrix.zeros(-1, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void multiplyChecksInnerSizes() {
        assertThatThrownBy(() -> Linalg.multiply(DoubleMatrix.zeros(2, 3), DoubleMatrix.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2x3").hasMessageContaining("inner");
    }

    @Test
    void frobeniusNormSurvivesHugeAndTinyValues() {
        DoubleMatrix huge = DoubleMatrix.of(1, 2, 3e200, 4e200);
        assertThat(huge.frobeniusNorm()).isCloseTo(5e200, org.assertj.core.data.Percentage.withPercentage(1e-12));
        DoubleMatrix tiny = DoubleMatrix.of(1, 2, 3e-200, 4e-200);
        assertThat(tiny.frobeniusNorm()).isCloseTo(5e-200, org.assertj.core.data.Percentage.withPercentage(1e-12));
    }

    @Test
    void requireFiniteNamesThePosition() {
        DoubleMatrix a = DoubleMatrix.of(2, 2, 1, 2, Double.NaN, 4);
        assertThatThrownBy(() -> Linalg.requireFinite("weight", a)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight").hasMessageContaining("2x2").hasMessageContaining("(1, 0)");
    }
}
