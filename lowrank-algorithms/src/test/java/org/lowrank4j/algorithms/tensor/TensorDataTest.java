package org.lowrank4j.algorithms.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorDataTest {

    @Test
    void indexedCsvBecomesATensorWithItsMissingCellsMarked() {
        String csv = "year,month,day,births\n1970,2,1,10\n1970,1,1,20\n1969,1,2,30\n1969,2,1,40\n";
        TensorData.Indexed t = TensorData.fromCsv(csv, "b.csv", List.of("year", "month", "day"), "births");
        assertThat(t.tensor().shape()).containsExactly(2, 2, 2);
        assertThat(t.labels().get(0)).containsExactly("1969", "1970");
        assertThat(t.tensor().get(1, 1, 0)).isEqualTo(10);
        assertThat(t.tensor().get(0, 0, 1)).isEqualTo(30);
        assertThat(t.observedCount()).isEqualTo(4);
        assertThat(t.tensor().get(1, 1, 1)).isEqualTo(25); // not given: the mean
    }

    @Test
    void badCsvsAreOneClearLine() {
        assertThatThrownBy(() -> TensorData.fromCsv("year,births\n1970,3\n", "b.csv", List.of("year", "month"), "births"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("b.csv has no column 'month' (its columns: year, births)");
        assertThatThrownBy(() -> TensorData.fromCsv("year,month,births\n1970,1,3\n1970,2\n", "b.csv", List.of("year", "month"), "births"))
                .hasMessage("b.csv line 3 has 2 fields where the header has 3; every row needs the same columns");
        assertThatThrownBy(() -> TensorData.fromCsv("year,month,births\n1970,1,3\n1970,1,4\n", "b.csv", List.of("year", "month"), "births"))
                .hasMessage("b.csv row 2 repeats the index [1970, 1]; each cell of the tensor must be given once");
    }

    @Test
    void anRgbImageIsHeightByWidthByThree() {
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        image.setRGB(2, 1, (10 << 16) | (20 << 8) | 30);
        DenseTensor t = TensorData.fromImage(image, "p.png");
        assertThat(t.shape()).containsExactly(3, 4, 3);
        assertThat(new double[] {t.get(1, 2, 0), t.get(1, 2, 1), t.get(1, 2, 2)}).containsExactly(10, 20, 30);
        assertThatThrownBy(() -> TensorData.fromImage(new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY), "g.png"))
                .hasMessage("g.png is a grayscale image; this needs an RGB image (3 channels)");
    }
}
