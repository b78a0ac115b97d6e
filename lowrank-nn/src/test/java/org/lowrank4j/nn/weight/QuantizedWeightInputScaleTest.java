package org.lowrank4j.nn.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A quantized weight whose base reads a per-channel scaled input (SVDQuant): {@code y = (x ⊙ s)·dequant(Q)ᵀ + (x·Bᵀ)·Aᵀ},
 * {@code dx = (dy·dequant(Q)) ⊙ s + dy·A·B}, checked with float64 loops that apply s to x (not to the weight).
 */
class QuantizedWeightInputScaleTest {

    @Test
    void theScaleMultipliesTheBaseInputOnly() {
        Random random = new Random(5);
        int out = 11, in = 32, rank = 3, n = 4;
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(out, in, random), QuantizationFormat.asymmetric(4, 16));
        float[] s = new float[in];
        for (int j = 0; j < in; j++) {
            s[j] = (float) Math.exp(random.nextGaussian());
        }
        for (boolean cache : new boolean[] {false, true}) {
            LowRankWeight branch = new LowRankWeight(new Parameter("w.A", Tensor.gaussian(Precision.FLOAT64, random, 0.3, out, rank)),
                    new Parameter("w.B", Tensor.gaussian(Precision.FLOAT64, random, 0.3, rank, in)));
            QuantizedWeight w = new QuantizedWeight("w", q, branch, s, Precision.FLOAT64, 4, cache);
            DoubleMatrix d = q.dequantize().toDouble();
            Tensor x = Tensor.gaussian(Precision.FLOAT64, random, 1, n, in);
            Tensor y = w.forward(x);
            Tensor dy = Tensor.gaussian(Precision.FLOAT64, random, 1, n, out);
            Tensor dx = w.backward(dy, x);
            double worstY = 0, worstDx = 0;
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < out; o++) {
                    double v = 0;
                    for (int j = 0; j < in; j++) {
                        double ab = 0;
                        for (int k = 0; k < rank; k++) {
                            ab += branch.left().value().get(o * rank + k) * branch.right().value().get(k * in + j);
                        }
                        v += x.get(t * in + j) * s[j] * d.get(o, j) + x.get(t * in + j) * ab;
                    }
                    worstY = Math.max(worstY, Math.abs(v - y.get(t * out + o)));
                }
                for (int j = 0; j < in; j++) {
                    double v = 0;
                    for (int o = 0; o < out; o++) {
                        double ab = 0;
                        for (int k = 0; k < rank; k++) {
                            ab += branch.left().value().get(o * rank + k) * branch.right().value().get(k * in + j);
                        }
                        v += dy.get(t * out + o) * (d.get(o, j) * s[j] + ab);
                    }
                    worstDx = Math.max(worstDx, Math.abs(v - dx.get(t * in + j)));
                }
            }
            // dequantized values and scales are float32 in the tile, so products round at about 1e-7 relative
            assertThat(worstY).as("forward, cache %s", cache).isLessThan(1e-5);
            assertThat(worstDx).as("dx, cache %s", cache).isLessThan(1e-5);
            assertThat(w.bytes()).isEqualTo(q.bytes() + 4L * rank * (out + in) + 4L * in);
            assertThat(w.inputScale()).isEqualTo(s);
        }
        assertThat(QuantizedWeight.of("w", q, null, null, Precision.FLOAT32).inputScale()).isNull();
    }

    @Test
    void oneFloatRowReadFromTheCodesEqualsTheDequantizedProduct() { // the decoding path, with the scale and a branch
        Random random = new Random(6);
        int out = 13, in = 64, rank = 2;
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(out, in, random), QuantizationFormat.symmetric(4, 32));
        float[] s = new float[in];
        for (int j = 0; j < in; j++) {
            s[j] = (float) Math.exp(random.nextGaussian());
        }
        LowRankWeight branch = new LowRankWeight(new Parameter("w.A", Tensor.gaussian(Precision.FLOAT32, random, 0.3, out, rank)),
                new Parameter("w.B", Tensor.gaussian(Precision.FLOAT32, random, 0.3, rank, in)));
        QuantizedWeight fromCodes = new QuantizedWeight("w", q, branch, s, Precision.FLOAT32, 4, false);
        QuantizedWeight dense = new QuantizedWeight("w", q, branch, s, Precision.FLOAT32, 4, true);
        Tensor x = Tensor.gaussian(Precision.FLOAT32, random, 1, 1, 1, in);
        Tensor a = fromCodes.forward(x), b = dense.forward(x);
        double scale = 0;
        for (int i = 0; i < out; i++) {
            scale = Math.max(scale, Math.abs(b.get(i)));
        }
        for (int i = 0; i < out; i++) {
            assertThat(a.get(i)).as("output %d", i).isCloseTo(b.get(i), org.assertj.core.data.Offset.offset(1e-5 * scale));
        }
    }

    @Test
    void aBadScaleIsOneLine() {
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(4, 16, new Random(1)), QuantizationFormat.asymmetric(4, 16));
        assertThatThrownBy(() -> QuantizedWeight.of("w", q, null, new float[15], Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15 values for 16 input features");
        float[] zero = new float[16];
        java.util.Arrays.fill(zero, 1);
        zero[3] = 0;
        assertThatThrownBy(() -> QuantizedWeight.of("w", q, null, zero, Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("feature 3");
    }
}
