package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** The LoRA branch's one-pass dropout mask and its masked accumulation, in float and double. */
class ElementwiseTest {

    @ParameterizedTest(name = "{0} p={1}")
    @CsvSource({"FLOAT32,0.05", "FLOAT32,0.5", "FLOAT64,0.1", "FLOAT64,0.3", "FLOAT32,0"})
    void maskDropsAboutPAndScalesTheRest(Precision precision, double p) {
        int n = 200_001; // odd: the last entry uses half of a 64-bit draw
        Tensor x = Tensor.gaussian(precision, new Random(3), 1, n);
        Tensor keep = Tensor.zeros(precision, n), used = Tensor.zeros(precision, n);
        keep.fill(Double.NaN); // every entry must be written
        used.fill(Double.NaN);
        Elementwise.dropout(new SplittableRandom(11), p, x, keep, used);
        double kept = precision == Precision.FLOAT32 ? (float) (1 / (1 - p)) : 1 / (1 - p);
        int dropped = 0;
        for (int i = 0; i < n; i++) {
            double k = keep.get(i);
            assertThat(k == 0 || k == kept).as("keep[%d] = %s", i, k).isTrue();
            double expected = precision == Precision.FLOAT32 ? (float) ((float) x.get(i) * (float) k) : x.get(i) * k;
            assertThat(used.get(i)).as("used[%d]", i).isEqualTo(expected);
            if (k == 0) {
                dropped++;
            }
        }
        double sigma = Math.sqrt(n * p * (1 - p));
        assertThat((double) dropped).as("dropped of %d at p = %s", n, p).isBetween(n * p - 5 * sigma - 0.5, n * p + 5 * sigma + 0.5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT32", "FLOAT64"})
    void theMaskIsAFunctionOfTheRandomSourceAndDrawsBothHalvesOfEachWord(Precision precision) {
        int n = 4_096;
        Tensor x = Tensor.gaussian(precision, new Random(4), 1, n);
        Tensor[] keeps = new Tensor[3];
        for (int run = 0; run < 3; run++) {
            keeps[run] = Tensor.zeros(precision, n);
            Elementwise.dropout(new SplittableRandom(run < 2 ? 7 : 8), 0.5, x, keeps[run], Tensor.zeros(precision, n));
        }
        assertThat(keeps[1].toDoubleArray()).containsExactly(keeps[0].toDoubleArray());
        assertThat(keeps[2].toDoubleArray()).isNotEqualTo(keeps[0].toDoubleArray());
        // neighbours come from the two halves of one 64-bit word: at p = 0.5 they must disagree about half the time
        int differ = 0;
        for (int i = 0; i + 1 < n; i += 2) {
            if (keeps[0].get(i) != keeps[0].get(i + 1)) {
                differ++;
            }
        }
        assertThat(differ).isBetween(n / 4 - 200, n / 4 + 200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT32", "FLOAT64"})
    void addProductAccumulates(Precision precision) {
        Tensor out = Tensor.gaussian(precision, new Random(1), 1, 37), a = Tensor.gaussian(precision, new Random(2), 1, 37),
                b = Tensor.gaussian(precision, new Random(3), 1, 37);
        double[] before = out.toDoubleArray();
        Elementwise.addProduct(out, a, b);
        for (int i = 0; i < 37; i++) {
            double expected = precision == Precision.FLOAT32 ? (float) ((float) before[i] + (float) a.get(i) * (float) b.get(i))
                    : before[i] + a.get(i) * b.get(i);
            assertThat(out.get(i)).as("out[%d]", i).isEqualTo(expected);
        }
    }
}
