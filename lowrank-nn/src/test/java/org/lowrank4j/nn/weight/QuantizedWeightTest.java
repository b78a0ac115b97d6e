package org.lowrank4j.nn.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A quantized weight (tiled dequantization, with and without a branch) computes what the dense dequantized weight does,
 * checked against plain float64 loops over {@link QuantizedMatrix#dequantize()} (+ A·B).
 */
class QuantizedWeightTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // format, out, in, rank, tile rows, cache
                Arguments.of(QuantizationFormat.int8PerChannel(), 13, 24, 0, 5, false),
                Arguments.of(QuantizationFormat.asymmetric(8, 8), 7, 40, 3, 3, false),
                Arguments.of(QuantizationFormat.asymmetric(4, 8), 13, 24, 0, 4, false),
                Arguments.of(QuantizationFormat.symmetric(4, 12), 11, 36, 2, 64, false),
                Arguments.of(QuantizationFormat.asymmetric(4, 5), 9, 15, 2, 2, false), // odd group: nibbles straddle groups
                Arguments.of(QuantizationFormat.asymmetric(3, 8), 13, 24, 4, 5, false),
                Arguments.of(QuantizationFormat.symmetric(3, 6), 5, 18, 0, 1, false),
                Arguments.of(QuantizationFormat.asymmetric(2, 16), 17, 32, 3, 6, false),
                Arguments.of(QuantizationFormat.nf4(8), 13, 24, 3, 5, false),
                Arguments.of(QuantizationFormat.asymmetric(4, 8), 13, 24, 3, 5, true));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardAndBackwardMatchTheDequantizedWeight(QuantizationFormat format, int out, int in, int rank, int tile, boolean cache) {
        for (Precision p : Precision.values()) {
            Random random = new Random(7 + out + in);
            QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(out, in, random), format);
            LowRankWeight branch = rank == 0 ? null : new LowRankWeight(new Parameter("w.A", Tensor.gaussian(p, random, 0.3, out, rank)),
                    new Parameter("w.B", Tensor.gaussian(p, random, 0.3, rank, in)));
            QuantizedWeight weight = new QuantizedWeight("w", q, branch, p, tile, cache);
            double[][] w = reference(q, branch);
            double tol = p == Precision.FLOAT64 ? 1e-12 : 3e-5;

            Tensor x = Tensor.gaussian(p, random, 1, 2, 3, in);
            Tensor y = weight.forward(x);
            assertThat(y.shape()).containsExactly(2, 3, out);
            assertThat(maxRelative(y, times(x, w, false))).as(format + " forward, " + p).isLessThan(tol);
            for (int rows : new int[] {1, QuantizedWeight.VECTOR_ROWS}) { // a token or a few: float32 reads the codes, no tile
                Tensor few = Tensor.gaussian(p, random, 1, 1, rows, in);
                assertThat(maxRelative(weight.forward(few), times(few, w, false))).as(format + " forward of " + rows + " rows, " + p)
                        .isLessThan(tol);
            }

            Tensor dy = Tensor.gaussian(p, random, 1, 2, 3, out);
            Tensor dx = weight.backward(dy, x);
            assertThat(maxRelative(dx, times(dy, w, true))).as(format + " dx, " + p).isLessThan(tol);

            Tensor dense = weight.toDense();
            double worst = 0;
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    worst = Math.max(worst, Math.abs(dense.get(r * in + c) - w[r][c]));
                }
            }
            assertThat(worst).as("toDense").isLessThan(tol);
            if (branch == null) {
                assertThat(weight.parameters()).isEmpty();
            } else {
                // dA = dyᵀ (x Bᵀ), dB = (dy A)ᵀ x, in float64 loops
                assertThat(weight.parameters()).containsExactly(branch.left(), branch.right());
                double[][] xb = times(x, rows(branch.right().value(), rank, in), false);         // (N, r)
                double[][] da = transposeTimes(rowsOf(dy, out), xb);
                double[][] dyA = times(dy, transpose(rows(branch.left().value(), out, rank)), false); // (N, r) = dy A
                double[][] db = transposeTimes(dyA, rowsOf(x, in));
                assertThat(maxRelative(branch.left().gradient(), da)).as("dA").isLessThan(tol);
                assertThat(maxRelative(branch.right().gradient(), db)).as("dB").isLessThan(tol);
            }
            // after the gradient checks, since this backward adds to the branch gradients: more input rows than the
            // weight has output rows, so the whole weight is one tile
            Tensor batch = Tensor.gaussian(p, random, 1, 2, out + 3, in), dBatch = Tensor.gaussian(p, random, 1, 2, out + 3, out);
            assertThat(maxRelative(weight.forward(batch), times(batch, w, false))).as(format + " forward of a batch, " + p).isLessThan(tol);
            assertThat(maxRelative(weight.backward(dBatch, batch), times(dBatch, w, true))).as(format + " dx of a batch, " + p).isLessThan(tol);
        }
    }

    /**
     * forwardInto and backwardInto write over buffers that hold anything (NaN here) exactly what forward and backward
     * return, or add to them with accumulate: for a token (read from the codes), a batch over several tiles, a batch in
     * one tile and a cached dense weight; twice each, so that the per-thread tile buffer is reused.
     */
    @Test
    void intoBuffersGivesWhatTheNewTensorsHold() {
        Random random = new Random(3);
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(13, 24, random), QuantizationFormat.asymmetric(4, 8));
        for (boolean cache : new boolean[] {false, true}) {
            QuantizedWeight weight = new QuantizedWeight("w", q, null, Precision.FLOAT32, 4, cache);
            for (int rows : new int[] {1, 6, 20, 6, 20}) {
                Tensor x = Tensor.gaussian(Precision.FLOAT32, random, 1, rows, 24), dy = Tensor.gaussian(Precision.FLOAT32, random, 1, rows, 13);
                Tensor y = Tensor.zeros(Precision.FLOAT32, rows, 13), dx = Tensor.zeros(Precision.FLOAT32, rows, 24);
                y.fill(Double.NaN);
                dx.fill(Double.NaN);
                weight.forwardInto(y, x);
                weight.backwardInto(dx, dy, x, false);
                assertThat(y.toDoubleArray()).as("forwardInto, %d rows, cache %s", rows, cache).containsExactly(weight.forward(x).toDoubleArray());
                Tensor expected = weight.backward(dy, x);
                assertThat(dx.toDoubleArray()).as("backwardInto, %d rows, cache %s", rows, cache).containsExactly(expected.toDoubleArray());
                weight.backwardInto(dx, dy, x, true);
                for (int i = 0; i < dx.size(); i++) {
                    assertThat(dx.get(i)).isCloseTo(2 * expected.get(i), org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void theTileCoversAboutTheDefaultBufferAndNeverMoreThanTheRows() {
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(3000, 320, new Random(1)), QuantizationFormat.asymmetric(4, 32));
        assertThat(QuantizedWeight.of("w", q, Precision.FLOAT32).tileRows()).isEqualTo(QuantizedWeight.DEFAULT_TILE_VALUES / 320);
        QuantizedMatrix small = RoundToNearest.quantize(DoubleMatrix.gaussian(5, 320, new Random(1)), QuantizationFormat.asymmetric(4, 32));
        assertThat(QuantizedWeight.of("w", small, Precision.FLOAT32).tileRows()).isEqualTo(5);
    }

    @Test
    void badInputGetsOneLineNamingWhatIsWrong() {
        Random random = new Random(3);
        assertThatThrownBy(() -> RoundToNearest.quantize(DoubleMatrix.gaussian(4, 24, random), QuantizationFormat.asymmetric(4, 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group size 10 does not divide the input dimension 24");
        DoubleMatrix bad = DoubleMatrix.gaussian(4, 24, random);
        bad.set(2, 5, Double.NaN);
        assertThatThrownBy(() -> RoundToNearest.quantize(bad, QuantizationFormat.asymmetric(4, 8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2, 5)").hasMessageContaining("must be finite");
        assertThatThrownBy(() -> new QuantizationFormat(QuantizationFormat.Kind.ASYMMETRIC, 5, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported bit width 5");

        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(4, 24, random), QuantizationFormat.asymmetric(4, 8));
        Tensor a = Tensor.gaussian(Precision.FLOAT32, random, 1, 4, 2);
        a.set(3, Double.POSITIVE_INFINITY);
        LowRankWeight infinite = new LowRankWeight(new Parameter("w.A", a), new Parameter("w.B", Tensor.gaussian(Precision.FLOAT32, random, 1, 2, 24)));
        assertThatThrownBy(() -> QuantizedWeight.of("w", q, infinite, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("w.A").hasMessageContaining("must be finite");
        LowRankWeight wrongShape = LowRankWeight.zeros("v", 4, 16, 2, Precision.FLOAT32);
        assertThatThrownBy(() -> QuantizedWeight.of("w", q, wrongShape, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match the 4x24 quantized base");
        assertThatThrownBy(() -> QuantizedWeight.of("w", q, Precision.FLOAT32).forward(Tensor.zeros(Precision.FLOAT32, 2, 23)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("24 input features");
    }

    // ---- float64 reference

    private static double[][] reference(QuantizedMatrix q, LowRankWeight branch) {
        DoubleMatrix d = q.dequantize().toDouble();
        double[][] w = new double[q.rows()][q.cols()];
        for (int r = 0; r < q.rows(); r++) {
            for (int c = 0; c < q.cols(); c++) {
                double v = d.get(r, c);
                if (branch != null) {
                    for (int k = 0; k < branch.rank(); k++) {
                        v += branch.left().value().get(r * branch.rank() + k) * branch.right().value().get(k * q.cols() + c);
                    }
                }
                w[r][c] = v;
            }
        }
        return w;
    }

    private static double[][] rows(Tensor t, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i][j] = t.get(i * cols + j);
            }
        }
        return m;
    }

    private static double[][] rowsOf(Tensor t, int cols) {
        return rows(t, t.size() / cols, cols);
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    /** x(N,k)·mᵀ for m (o,k), or x(N,o)·m for m (o,k) when {@code plain}. */
    private static double[][] times(Tensor x, double[][] m, boolean plain) {
        double[][] mm = plain ? m : transpose(m); // (k_in, k_out)
        int inner = mm.length, outer = mm[0].length;
        double[][] xs = rowsOf(x, inner);
        double[][] y = new double[xs.length][outer];
        for (int n = 0; n < xs.length; n++) {
            for (int j = 0; j < outer; j++) {
                double s = 0;
                for (int k = 0; k < inner; k++) {
                    s += xs[n][k] * mm[k][j];
                }
                y[n][j] = s;
            }
        }
        return y;
    }

    /** aᵀ b for a (N,p), b (N,q). */
    private static double[][] transposeTimes(double[][] a, double[][] b) {
        double[][] c = new double[a[0].length][b[0].length];
        for (int n = 0; n < a.length; n++) {
            for (int i = 0; i < a[0].length; i++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[n][i] * b[n][j];
                }
            }
        }
        return c;
    }

    /** max |t − ref| / max(1, max |ref|). */
    private static double maxRelative(Tensor t, double[][] ref) {
        double worst = 0, scale = 1;
        int cols = ref[0].length;
        for (int i = 0; i < ref.length; i++) {
            for (int j = 0; j < cols; j++) {
                scale = Math.max(scale, Math.abs(ref[i][j]));
                worst = Math.max(worst, Math.abs(t.get(i * cols + j) - ref[i][j]));
            }
        }
        assertThat(t.size()).isEqualTo(ref.length * cols);
        return worst / scale;
    }
}
