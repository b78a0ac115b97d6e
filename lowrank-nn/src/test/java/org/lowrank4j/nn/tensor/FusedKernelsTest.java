package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each fused kernel against the separate passes (or plain float64 loops) it replaces, on random inputs of odd sizes. */
class FusedKernelsTest {
    private static FloatTensor gaussian(Random r, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, r.nextGaussian());
        }
        return t;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void residualBiasLayerNormEqualsTheSeparatePasses() {
        Random r = new Random(1);
        int rows = 13, c = 37;
        for (boolean withBias : new boolean[] {true, false}) {
            FloatTensor y = gaussian(r, rows, c), residual = gaussian(r, rows, c), bias = gaussian(r, c), w = gaussian(r, c), b = gaussian(r, c);
            FloatTensor sum = y.copy();
            Kernels kn = Kernels.of(Precision.FLOAT32);
            if (withBias) {
                kn.addBias(sum, bias);
            }
            kn.addInPlace(sum, residual);
            FloatTensor expected = sum.zerosLike();
            kn.layerNormForward(expected, FloatTensor.zeros(rows), FloatTensor.zeros(rows), sum, w, withBias ? b : null, 1e-5);
            float[] out = new float[rows * c];
            FusedKernels.residualBiasLayerNorm(out, y.data(), withBias ? bias.data() : null, residual.data(), w.data(),
                    withBias ? b.data() : null, rows, c, 1e-5);
            assertThat(maxDiff(out, expected.data())).isLessThanOrEqualTo(1e-5);
            float[] aliased = y.data().clone(); // out may alias y
            FusedKernels.residualBiasLayerNorm(aliased, aliased, withBias ? bias.data() : null, residual.data(), w.data(),
                    withBias ? b.data() : null, rows, c, 1e-5);
            assertThat(aliased).containsExactly(out);
        }
    }

    @Test
    void layerNormEqualsTheKernel() {
        Random r = new Random(2);
        int rows = 5, c = 19;
        FloatTensor x = gaussian(r, rows, c), w = gaussian(r, c), b = gaussian(r, c), expected = FloatTensor.zeros(rows, c);
        Kernels.of(Precision.FLOAT32).layerNormForward(expected, FloatTensor.zeros(rows), FloatTensor.zeros(rows), x, w, b, 1e-12);
        float[] out = x.data().clone();
        FusedKernels.layerNorm(out, out, w.data(), b.data(), rows, c, 1e-12);
        assertThat(maxDiff(out, expected.data())).isLessThanOrEqualTo(1e-5);
    }

    @Test
    void biasGeluEqualsTheSeparatePasses() {
        Random r = new Random(3);
        int rows = 11, c = 29;
        FloatTensor x = gaussian(r, rows, c), bias = gaussian(r, c);
        FloatTensor shifted = x.copy();
        Kernels kn = Kernels.of(Precision.FLOAT32);
        kn.addBias(shifted, bias);
        FloatTensor expected = shifted.zerosLike();
        kn.activationForward(expected, shifted, MlpActivation.GELU_ERF);
        float[] out = x.data().clone();
        FusedKernels.biasGelu(out, bias.data(), rows, c);
        assertThat(maxDiff(out, expected.data())).isLessThanOrEqualTo(1e-6);
    }

    /** softmax(scale·(q+bq)(k+bk)ᵀ + mask)(v+bv) per (sequence, head) in float64, heads read from the (N, stride) rows. */
    private static double[] reference(float[] qkv, int stride, int qOff, int kOff, int vOff, float[] bq, float[] bk, float[] bv,
            int[] mask, int batch, int time, int heads, int kvHeads, int d, double scale) {
        double[] out = new double[batch * time * heads * d];
        int group = heads / kvHeads;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                for (int t = 0; t < time; t++) {
                    double[] s = new double[time];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u < time; u++) {
                        double dot = 0;
                        for (int j = 0; j < d; j++) {
                            double q = qkv[(b * time + t) * stride + qOff + h * d + j] + bq[h * d + j];
                            double k = qkv[(b * time + u) * stride + kOff + g * d + j] + bk[g * d + j];
                            dot += q * k;
                        }
                        s[u] = scale * dot;
                        if (mask == null || mask[b * time + u] != 0) {
                            max = Math.max(max, s[u]);
                        }
                    }
                    double sum = 0;
                    for (int u = 0; u < time; u++) {
                        s[u] = mask == null || mask[b * time + u] != 0 ? Math.exp(s[u] - max) : 0;
                        sum += s[u];
                    }
                    for (int j = 0; j < d; j++) {
                        double y = 0;
                        for (int u = 0; u < time; u++) {
                            if (sum > 0) {
                                y += s[u] / sum * (qkv[(b * time + u) * stride + vOff + g * d + j] + bv[g * d + j]);
                            }
                        }
                        out[(b * time + t) * heads * d + h * d + j] = y;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void attentionEqualsSoftmaxOfScoresTimesValuesWithMasksAndGroupedHeads() {
        Random r = new Random(4);
        int batch = 3, time = 7, d = 5;
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}; // middle padding; one all-padding sequence
        for (int[] heads : new int[][] {{4, 4}, {6, 2}}) {
            int nh = heads[0], nkv = heads[1], stride = nh * d + 2 * nkv * d + 3; // 3 unused columns: a wider row
            float[] qkv = gaussian(r, batch * time, stride).data();
            float[] bq = gaussian(r, nh * d).data(), bk = gaussian(r, nkv * d).data(), bv = gaussian(r, nkv * d).data();
            for (int[] m : new int[][] {mask, null}) {
                float[] out = new float[batch * time * nh * d], work = qkv.clone(); // the kernel adds the biases in place
                FusedKernels.attention(out, work, stride, 0, nh * d, nh * d + nkv * d, bq, bk, bv, m, batch, time, nh, nkv, d, 0.4f);
                double[] expected = reference(qkv, stride, 0, nh * d, nh * d + nkv * d, bq, bk, bv, m, batch, time, nh, nkv, d, 0.4);
                double max = 0;
                for (int i = 0; i < out.length; i++) {
                    max = Math.max(max, Math.abs(out[i] - expected[i]));
                }
                assertThat(max).isLessThanOrEqualTo(1e-5);
                if (m != null) { // the all-padding sequence attends to nothing
                    for (int i = 2 * time * nh * d; i < out.length; i++) {
                        assertThat(out[i]).isZero();
                    }
                }
            }
        }
    }

    @Test
    void expHasFloatAccuracyAndClampsInsteadOfOverflowing() {
        double worst = 0;
        for (int i = 0; i <= 200000; i++) {
            float x = 88f * i / 200000;
            worst = Math.max(worst, Math.abs(FloatExp.exp(x) - Math.exp(x)) / Math.exp(x));
        }
        assertThat(worst).isLessThan(3e-7);
        assertThat(FloatExp.exp(1000f)).isEqualTo(FloatExp.exp(88f)).isFinite();
        assertThat(FloatExp.exp(Float.NaN)).isNaN();
    }

    @Test
    void expOfNonPositiveArgumentsHasFloatAccuracy() {
        double worst = 0;
        for (int i = 0; i <= 200000; i++) {
            float x = -90f * i / 200000;
            double exact = Math.exp(x), got = FloatExp.exp(x);
            if (x >= -80) {
                worst = Math.max(worst, Math.abs(got - exact) / exact);
            } else {
                assertThat(got).isBetween(0.0, 1e-34);
            }
        }
        assertThat(worst).isLessThan(3e-7);
        assertThat(FloatExp.exp(0f)).isEqualTo(1f);
        assertThat(FloatExp.exp(Float.NEGATIVE_INFINITY)).isLessThan(1e-37f);
    }

    @Test
    void theRangeFormOfExpEqualsTheOneValueFormBitForBit() {
        java.util.Random random = new java.util.Random(7);
        float[] x = new float[2500]; // crosses two block boundaries
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 220 - 110);
        }
        x[3] = Float.NaN;
        x[4] = Float.POSITIVE_INFINITY;
        x[5] = Float.NEGATIVE_INFINITY;
        x[6] = -0f;
        for (float sign : new float[] {1f, -1f}) {
            float shift = sign > 0 ? -2.5f : 0f;
            float[] out = new float[x.length];
            java.util.Arrays.fill(out, 42f);
            FloatExp.exp(x, out, 0, x.length, sign, shift, new FloatExp.Scratch());
            for (int i = 0; i < x.length; i++) {
                assertThat(Float.floatToRawIntBits(out[i])).as("x = %s", x[i])
                        .isEqualTo(Float.floatToRawIntBits(FloatExp.exp(sign * x[i] + shift)));
            }
        }
        float[] inPlace = x.clone();
        FloatExp.exp(inPlace, inPlace, 17, 2111, 1f, 0f, new FloatExp.Scratch());
        for (int i = 0; i < x.length; i++) {
            float want = i >= 17 && i < 2111 ? FloatExp.exp(x[i]) : x[i]; // outside the range: untouched
            assertThat(Float.floatToRawIntBits(inPlace[i])).as("index %d", i).isEqualTo(Float.floatToRawIntBits(want));
        }
    }
}
