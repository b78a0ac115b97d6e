package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.eval.MatrixNuclearNorm;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;

/** Spec c18's checks, and the decoder's last hidden state that MNN reads. */
class MatrixNuclearNormTest {

    private static double nuclear(double[] z, int rows, int cols) {
        double sum = 0;
        for (double s : new ExactSvd().decompose(DoubleMatrix.wrap(z.clone(), rows, cols)).s()) {
            sum += s;
        }
        return sum;
    }

    @Test
    void columnNormSumOfOrthogonalColumnsIsTheNuclearNorm() {
        // columns along distinct axes, scaled: mutually orthogonal
        int rows = 6, cols = 4;
        double[] z = new double[rows * cols];
        for (int j = 0; j < cols; j++) {
            z[(j + 1) * cols + j] = j + 1.5;
        }
        assertThat(MatrixNuclearNorm.columnNormSum(z, rows, cols, cols)).isCloseTo(nuclear(z, rows, cols), within(1e-10));
    }

    @Test
    void boundsInvariancesAndTruncation() {
        Random random = new Random(3);
        int rows = 7, cols = 12;
        double[] z = new double[rows * cols];
        for (int i = 0; i < z.length; i++) {
            z[i] = random.nextGaussian() + (i % cols == 2 ? 3 : 0);
        }
        double mnn = MatrixNuclearNorm.of(z, rows, cols);
        assertThat(mnn).isPositive().isLessThanOrEqualTo(MatrixNuclearNorm.columnNormSum(normalised(z, rows, cols), rows, cols, cols) + 1e-12);
        assertThat(nuclear(normalised(z, rows, cols), rows, cols)).isLessThanOrEqualTo(MatrixNuclearNorm.columnNormSum(normalised(z, rows, cols), rows, cols, cols) + 1e-9);
        // scale, token order and column order do not matter
        double[] scaled = z.clone(), permuted = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            scaled[i] *= 3.7;
        }
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < cols; j++) {
                permuted[((t + 3) % rows) * cols + (cols - 1 - j)] = z[t * cols + j];
            }
        }
        assertThat(MatrixNuclearNorm.of(scaled, rows, cols)).isCloseTo(mnn, within(1e-10));
        assertThat(MatrixNuclearNorm.of(permuted, rows, cols)).isCloseTo(mnn, within(1e-10));
        assertThat(MatrixNuclearNorm.perToken(z, rows, cols)).isCloseTo(mnn / rows, within(1e-12));
    }

    @Test
    void identicalTokensAreGuardedNotNaN() {
        double[] z = {1, 2, 3, 1, 2, 3, 1, 2, 3};
        assertThat(MatrixNuclearNorm.of(z, 3, 3)).isZero();
    }

    /** Centred, unit rows: what MNN sums column norms of. */
    private static double[] normalised(double[] z, int rows, int cols) {
        double[] out = z.clone();
        for (int j = 0; j < cols; j++) {
            double mean = 0;
            for (int t = 0; t < rows; t++) {
                mean += z[t * cols + j] / rows;
            }
            for (int t = 0; t < rows; t++) {
                out[t * cols + j] -= mean;
            }
        }
        for (int t = 0; t < rows; t++) {
            double norm = 0;
            for (int j = 0; j < cols; j++) {
                norm += out[t * cols + j] * out[t * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                out[t * cols + j] /= Math.sqrt(norm);
            }
        }
        return out;
    }

    @Test
    void theEvaluationScoresEachFullWindowsHiddenStateFromThePerplexityPass() {
        LlamaModel model = TinyModels.decoder(32);
        int time = TinyModels.CONTEXT, c = model.config().hiddenSize();
        int[] tokens = java.util.Arrays.copyOf(TinyModels.text(1000), 3 * time + 5); // three full windows and a short tail
        var scores = org.lowrank4j.compress.eval.DecoderEvaluation.evaluate(model, tokens, time, tokens.length);
        double expected = 0;
        for (int w = 0; w < 3; w++) {
            int[] ids = java.util.Arrays.copyOfRange(tokens, w * time, (w + 1) * time);
            expected += MatrixNuclearNorm.perToken(DecoderRuntime.lastHiddenState(model, ids, 1, time), time, c) / 3;
        }
        assertThat(scores.mnnWindows()).isEqualTo(3);
        assertThat(scores.mnnPerToken()).isCloseTo(expected, within(1e-5));
        assertThat(scores.perplexity().windows()).isEqualTo(4);
    }

    @Test
    void lastHiddenStateTimesTheTiedTableGivesTheLogits() {
        LlamaModel model = TinyModels.decoder(31);
        int time = TinyModels.CONTEXT, c = model.config().hiddenSize(), v = model.vocabSize();
        int[] ids = java.util.Arrays.copyOf(TinyModels.text(100), 2 * time);
        double[] logits = model.forward(ids, 2, time).toDoubleArray();
        double[] hidden = org.lowrank4j.compress.runtime.DecoderRuntime.lastHiddenState(model, ids, 2, time);
        Parameter table = model.parameters().get(0); // embedding (V, C), tied to the output projection
        double max = 0;
        for (int n = 0; n < ids.length; n++) {
            for (int k = 0; k < v; k++) {
                double dot = 0;
                for (int j = 0; j < c; j++) {
                    dot += hidden[n * c + j] * table.value().get(k * c + j);
                }
                max = Math.max(max, Math.abs(dot - logits[n * v + k]));
            }
        }
        assertThat(max).isLessThan(1e-4);
    }
}
