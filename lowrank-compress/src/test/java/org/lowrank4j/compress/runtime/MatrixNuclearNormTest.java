package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

    @Test
    void fewerTokensThanFeaturesSumOnlyTheLargestTokenCountColumnNorms() {
        // Spec c18 test 5: with N < d at most N singular values exist, so D = N column norms count and the rest are
        // dropped. Column-dependent scales make the norms distinct, so the dropped ones are clearly positive.
        Random random = new Random(17);
        int rows = 5, cols = 9;
        double[] z = new double[rows * cols];
        for (int i = 0; i < z.length; i++) {
            z[i] = random.nextGaussian() * (1 + i % cols);
        }
        double[] unit = normalised(z, rows, cols);
        double[] norms = new double[cols];
        for (int j = 0; j < cols; j++) {
            double sq = 0;
            for (int t = 0; t < rows; t++) {
                sq += unit[t * cols + j] * unit[t * cols + j];
            }
            norms[j] = Math.sqrt(sq);
        }
        java.util.Arrays.sort(norms);
        double all = 0, top = 0;
        for (int j = 0; j < cols; j++) {
            all += norms[j];
            top += j >= cols - rows ? norms[j] : 0;
        }
        double mnn = MatrixNuclearNorm.of(z, rows, cols);
        assertThat(mnn).isCloseTo(top, within(1e-12));
        assertThat(mnn).isLessThan(all);
    }

    @Test
    void tokensDifferingOnlyByScaleGiveAFiniteGuardedValue() {
        // Spec c18 test 3: a rank-1 Z (every token a multiple of v) centres to multiples of v; a token at the mean
        // scale becomes an exact zero row and is skipped, every other row normalises to ±v/‖v‖, so column j has norm
        // sqrt(nonzero rows)·|v_j|/‖v‖. Dyadic values keep the centring exact.
        double[] v = {0.5, -1, 2, 0.25};
        double vNorm = Math.sqrt(0.25 + 1 + 4 + 0.0625);
        double[] top3 = {2, 1, 0.5}; // the min(N, d) = 3 largest |v_j| for three tokens
        double[] z = scaledTokens(v, new double[] {1, 2, 3}); // the middle token equals the mean
        double mnn = MatrixNuclearNorm.of(z, 3, v.length);
        assertThat(mnn).isNotNaN().isCloseTo(Math.sqrt(2) * (top3[0] + top3[1] + top3[2]) / vNorm, within(1e-12));
        // no token at the mean: all four rows count, D = 4
        double[] w = scaledTokens(v, new double[] {1, 2, 4, -0.5});
        assertThat(MatrixNuclearNorm.of(w, 4, v.length)).isNotNaN().isCloseTo(2 * (2 + 1 + 0.5 + 0.25) / vNorm, within(1e-12));
    }

    @Test
    void aSingleTokenIsRefused() {
        // Spec c18 pitfall: N = 1 centres to a zero row and leaves nothing to measure; the toolkit requires N ≥ 2.
        assertThatThrownBy(() -> MatrixNuclearNorm.of(new double[] {1, 2, 3}, 1, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 token rows");
        assertThatThrownBy(() -> MatrixNuclearNorm.perToken(new double[] {1, 2, 3}, 1, 3)).isInstanceOf(IllegalArgumentException.class);
        // N = 2 is accepted: the rows centre to ∓e₃, so the two largest column norms are √2 and 0
        assertThat(MatrixNuclearNorm.of(new double[] {1, 2, 3, 1, 2, 5}, 2, 3)).isCloseTo(Math.sqrt(2), within(1e-12));
    }

    /** Rows {@code scales[t]·v}. */
    private static double[] scaledTokens(double[] v, double[] scales) {
        double[] z = new double[scales.length * v.length];
        for (int t = 0; t < scales.length; t++) {
            for (int j = 0; j < v.length; j++) {
                z[t * v.length + j] = scales[t] * v[j];
            }
        }
        return z;
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
