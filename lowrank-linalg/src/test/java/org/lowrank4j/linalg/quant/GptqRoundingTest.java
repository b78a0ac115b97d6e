package org.lowrank4j.linalg.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

class GptqRoundingTest {

    /** N×n inputs driven by a few shared latent factors (strongly correlated channels) plus a little noise. */
    static DoubleMatrix correlatedInputs(int samples, int n, long seed) {
        Random random = new Random(seed);
        int latent = 12;
        DoubleMatrix mixing = DoubleMatrix.gaussian(latent, n, random);
        DoubleMatrix x = Linalg.multiply(DoubleMatrix.gaussian(samples, latent, random), mixing);
        for (int t = 0; t < samples; t++) {
            for (int j = 0; j < n; j++) {
                x.set(t, j, x.get(t, j) + 0.2 * random.nextGaussian());
            }
        }
        return x;
    }

    /** ‖(W − Ŵ)·Xᵀ‖_F: how far the layer outputs move. */
    static double outputError(DenseMatrix w, QuantizedMatrix q, DoubleMatrix x) {
        DoubleMatrix difference = w.toDouble().copy();
        DoubleMatrix back = q.dequantize().toDouble();
        for (int i = 0; i < difference.rows(); i++) {
            for (int j = 0; j < difference.cols(); j++) {
                difference.set(i, j, difference.get(i, j) - back.get(i, j));
            }
        }
        return Linalg.multiply(x, difference.transpose()).frobeniusNorm();
    }

    @Test
    void gptqMovesTheOutputLessThanRoundToNearestOnCorrelatedInputs() {
        int m = 64;
        int n = 256;
        DoubleMatrix w = RoundToNearestTest.weights(m, n, 11);
        DoubleMatrix x = correlatedInputs(2048, n, 12);
        DoubleMatrix gram = Linalg.gram(x);
        for (QuantizationFormat format : new QuantizationFormat[] {
                QuantizationFormat.asymmetric(4, 32), QuantizationFormat.asymmetric(4, 128),
                QuantizationFormat.asymmetric(3, 64), QuantizationFormat.asymmetric(2, 64),
                QuantizationFormat.int8PerChannel(), QuantizationFormat.nf4(64)}) {
            double rtn = outputError(w, RoundToNearest.quantize(w, format), x);
            double gptq = outputError(w, new GptqRounding().quantize(w, gram, format), x);
            System.out.printf("%s: ‖ΔW·Xᵀ‖ RTN %.4g, GPTQ %.4g (ratio %.3f)%n", format, rtn, gptq, gptq / rtn);
            assertThat(gptq).as(format.toString()).isLessThan(0.8 * rtn);
        }
    }

    @Test
    void anIdentityGramMeansNoCompensationSoGptqEqualsRoundToNearest() {
        DoubleMatrix w = RoundToNearestTest.weights(16, 128, 13);
        for (QuantizationFormat format : new QuantizationFormat[] {
                QuantizationFormat.asymmetric(4, 32), QuantizationFormat.int8PerChannel(), QuantizationFormat.nf4(64)}) {
            QuantizedMatrix gptq = new GptqRounding().quantize(w, DoubleMatrix.identity(128), format);
            QuantizedMatrix rtn = RoundToNearest.quantize(w, format);
            assertThat(gptq.packedCodes()).as(format.toString()).isEqualTo(rtn.packedCodes());
            assertThat(gptq.scales()).isEqualTo(rtn.scales());
        }
    }

    @Test
    void blockSizeDoesNotChangeTheResultBeyondRounding() {
        DoubleMatrix w = RoundToNearestTest.weights(8, 128, 14);
        DoubleMatrix x = correlatedInputs(512, 128, 15);
        DoubleMatrix gram = Linalg.gram(x);
        QuantizationFormat format = QuantizationFormat.asymmetric(4, 32);
        double byOne = outputError(w, new GptqRounding(0.01, 32).quantize(w, gram, format), x);
        double byAll = outputError(w, new GptqRounding(0.01, 128).quantize(w, gram, format), x);
        assertThat(byOne).isCloseTo(byAll, org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void deadInputsAreZeroedAndEverythingStaysFinite() {
        int n = 64;
        DoubleMatrix w = RoundToNearestTest.weights(8, n, 16);
        DoubleMatrix x = correlatedInputs(256, n, 17);
        for (int t = 0; t < x.rows(); t++) {
            x.set(t, 5, 0);
        }
        QuantizedMatrix q = new GptqRounding().quantize(w, Linalg.gram(x), QuantizationFormat.asymmetric(4, 32));
        for (int r = 0; r < 8; r++) {
            assertThat(q.value(r, 5)).isZero();
        }
        assertThat(q.dequantize().firstNonFinite()).isNull();
    }

    @Test
    void sameInputGivesIdenticalOutput() {
        DoubleMatrix w = RoundToNearestTest.weights(16, 128, 18);
        DoubleMatrix gram = Linalg.gram(correlatedInputs(300, 128, 19));
        QuantizedMatrix a = new GptqRounding().quantize(w, gram, QuantizationFormat.asymmetric(3, 32));
        QuantizedMatrix b = new GptqRounding().quantize(w, gram, QuantizationFormat.asymmetric(3, 32));
        assertThat(a.packedCodes()).isEqualTo(b.packedCodes());
        assertThat(a.scales()).isEqualTo(b.scales());
        assertThat(a.packedZeroPoints()).isEqualTo(b.packedZeroPoints());
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        DoubleMatrix w = RoundToNearestTest.weights(4, 64, 20);
        GptqRounding gptq = new GptqRounding();
        assertThatThrownBy(() -> gptq.quantize(w, DoubleMatrix.identity(32), QuantizationFormat.asymmetric(4, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64x64 Gram matrix")
                .hasMessageContaining("got 32x32");
        assertThatThrownBy(() -> gptq.quantize(w, DoubleMatrix.zeros(64, 63), QuantizationFormat.asymmetric(4, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64x63");
        assertThatThrownBy(() -> gptq.quantize(w, DoubleMatrix.identity(64), QuantizationFormat.asymmetric(4, 48)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not divide");
        DoubleMatrix nan = DoubleMatrix.identity(64);
        nan.set(3, 3, Double.NaN);
        assertThatThrownBy(() -> gptq.quantize(w, nan, QuantizationFormat.asymmetric(4, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Gram matrix");
        DoubleMatrix negative = DoubleMatrix.identity(64);
        negative.set(3, 3, -1);
        assertThatThrownBy(() -> gptq.quantize(w, negative, QuantizationFormat.asymmetric(4, 32)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative diagonal");
        assertThatThrownBy(() -> new GptqRounding(-0.1, 128)).isInstanceOf(IllegalArgumentException.class);
    }
}
