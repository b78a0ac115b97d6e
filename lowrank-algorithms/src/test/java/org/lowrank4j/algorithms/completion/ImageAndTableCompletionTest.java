package org.lowrank4j.algorithms.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ImageAndTableCompletionTest {

    /** A 60×48 RGB image whose channels are rank 2 (smooth gradients and a product pattern). */
    static BufferedImage lowRankImage(int type) {
        int w = 60, h = 48;
        BufferedImage image = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double a = (double) x / w, b = (double) y / h;
                int r = (int) Math.round(200 * a * b + 30), g = (int) Math.round(120 * a + 100 * b * b), bl = (int) Math.round(90 + 80 * Math.sin(3 * a) * b);
                image.setRGB(x, y, (r << 16) | (g << 8) | bl);
            }
        }
        return image;
    }

    @Test
    void inpaintingBeatsMeanFillingByAWideMargin() {
        CompletionSetup setup = new CompletionSetup(RobustAltMinOptions.ofRank(3).withMaxIterations(30), 0.7, 5, true, 10);
        ImageInpainting.Result result = ImageInpainting.run(lowRankImage(BufferedImage.TYPE_INT_RGB), "synthetic", setup);
        HoldOutScores s = result.scores();
        System.out.printf("synthetic 60x48 image, 70%% hidden: alt-min %.3f, soft-impute %.3f, mean filling %.3f%n", s.altMin(), s.softImpute(), s.meanFill());
        assertThat(s.hiddenEntries()).isGreaterThan(3 * 60 * 48 / 2);
        assertThat(s.altMin()).isLessThan(s.meanFill() / 5);
        assertThat(s.softImpute()).isLessThan(s.meanFill());
        assertThat(result.completed().getWidth()).isEqualTo(60);
    }

    @Test
    void anImageThatIsNotRgbIsOneClearLine() {
        CompletionSetup setup = new CompletionSetup(RobustAltMinOptions.ofRank(2), 0.5, 1, false, 10);
        assertThatThrownBy(() -> ImageInpainting.run(new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY), "gray.png", setup))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gray.png is a grayscale image; this needs an RGB image (3 channels)");
        assertThatThrownBy(() -> ImageInpainting.run(new BufferedImage(20, 20, BufferedImage.TYPE_INT_ARGB), "alpha.png", setup))
                .hasMessage("alpha.png has an alpha channel; this needs an RGB image without transparency");
        assertThatThrownBy(() -> ImageInpainting.run(lowRankImage(BufferedImage.TYPE_INT_RGB), "small.png",
                new CompletionSetup(RobustAltMinOptions.ofRank(50), 0.5, 1, false, 10)))
                .hasMessage("rank 50 is above the dimensions of small.png (60x48 pixels: at most 48)");
    }

    @Test
    void parsesATableWithHeaderLabelsAndMissingCells() {
        NumericTable t = NumericTable.parse("id,a,b\nx,1,\ny,NA,4.5\n\"z,1\",3,5\n", "t.csv", true);
        assertThat(t.header()).containsExactly("id", "a", "b");
        assertThat(t.labels()).containsExactly("x", "y", "z,1");
        assertThat(t.rows()).isEqualTo(3);
        assertThat(t.cols()).isEqualTo(2);
        assertThat(t.missing()).isEqualTo(2);
        assertThat(t.toCsv()).isEqualTo("id,a,b\nx,1,\ny,,4.5\n\"z,1\",3,5\n");
        NumericTable plain = NumericTable.parse("1,2\n3,4\n", "p.csv", false);
        assertThat(plain.header()).isNull();
        assertThat(plain.values()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aCsvWithMissingColumnsIsOneClearLine() {
        assertThatThrownBy(() -> NumericTable.parse("a,b,c\n1,2,3\n4,5\n", "t.csv", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("t.csv line 3 has 2 fields where the header has 3; every row needs the same columns (leave a cell empty for a missing entry)");
        assertThatThrownBy(() -> NumericTable.parse("a,b\n1,x\n", "t.csv", false))
                .hasMessage("t.csv line 2, column 'b': 'x' is not a finite number (leave the cell empty for a missing entry)");
    }

    @Test
    void tableCompletionScoresHiddenCellsInTheTablesUnits() {
        int m = 40, n = 30;
        double[] planted = Planted.matrix(m, n, 2, 31);
        double[] values = new double[m * n];
        for (int e = 0; e < values.length; e++) {
            values[e] = 100 + 10 * (e % n) + planted[e] * (1 + e % n); // columns on different scales and offsets
        }
        values[7] = Double.NaN;
        NumericTable table = new NumericTable(null, null, m, n, values);
        // rank 3: the planted rank 2 plus the error of the observed column means (a rank-1 offset)
        TableCompletion.Result result = TableCompletion.run(table, new CompletionSetup(RobustAltMinOptions.ofRank(3), 0.3, 3, false, 5));
        assertThat(result.scores().altMin()).isLessThan(result.scores().meanFill() / 10);
        assertThat(result.completed().missing()).isZero();
        assertThat(Math.abs(result.completed().values()[7] - (100 + 70 + planted[7] * 8))).isLessThan(0.5);
        assertThat(result.completed().values()[8]).isCloseTo(values[8], org.assertj.core.data.Offset.offset(1e-6));
    }
}
