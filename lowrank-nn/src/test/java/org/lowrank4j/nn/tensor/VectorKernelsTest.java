package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API forms of the float kernels against their plain-Java forms. The test JVMs start with the
 * {@code jdk.incubator.vector} module (the parent pom's test flags), so the first check makes sure the vector forms are
 * the ones every other kernel test runs, and the others compare the two forms directly.
 */
class VectorKernelsTest {

    @Test
    void theTestJvmRunsTheVectorForms() {
        assertThat(Simd.ON).as(Simd.describe()).isTrue();
        assertThat(Simd.describe()).startsWith("Vector API");
    }

    @Test
    void theVectorExponentialEqualsThePlainOnesBitForBit() {
        Random r = new Random(11);
        float[] special = {0f, -0f, -87f, 88f, -87.5f, 88.5f, -1e-30f, 1e-30f, Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE, 0.34657359f, -0.34657359f};
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 64, 100, 1025}) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = i % 5 == 0 ? special[r.nextInt(special.length)] : (float) (r.nextDouble() * 200 - 100);
            }
            for (float[] signShift : new float[][] {{1f, 0f}, {-1f, 0f}, {1f, -3.5f}}) {
                float[] vector = new float[x.length], loops = new float[x.length];
                VectorKernels.exp(x, vector, 2, 2 + n, signShift[0], signShift[1]);
                FloatExp.expLoops(x, loops, 2, 2 + n, signShift[0], signShift[1], new FloatExp.Scratch());
                for (int i = 0; i < x.length; i++) {
                    float one = i >= 2 && i < 2 + n ? FloatExp.exp(signShift[0] * x[i] + signShift[1]) : 0f;
                    assertThat(Float.floatToIntBits(vector[i])).as("n %d, x %s, index %d", n, x[i], i)
                            .isEqualTo(Float.floatToIntBits(loops[i])).isEqualTo(Float.floatToIntBits(one));
                }
            }
        }
    }

    @Test
    void theVectorSoftmaxRowAgreesWithThePlainOneAndLeavesTheRestOfTheRowZero() {
        Random r = new Random(12);
        int keys = 70;
        for (int first = 0; first < 40; first += 13) {
            for (int limit = first; limit <= keys; limit += 3) {
                float[] row = new float[keys + 4];
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) (r.nextGaussian() * 8);
                }
                float[] vector = row.clone(), plain = row.clone();
                VectorKernels.softmaxRow(vector, 2, first, limit, keys, new float[VectorKernels.lanes()]);
                FloatKernels.softmaxRowPlain(plain, 2, first, limit, keys, new FloatExp.Scratch());
                double sum = 0;
                for (int i = 0; i < row.length; i++) {
                    boolean inRow = i >= 2 && i < 2 + keys, kept = i >= 2 + first && i < 2 + limit;
                    if (!inRow) {
                        assertThat(vector[i]).as("outside the row").isEqualTo(row[i]);
                    } else if (!kept) {
                        assertThat(vector[i]).as("row %d..%d, index %d", first, limit, i).isZero();
                    } else {
                        assertThat(vector[i]).as("row %d..%d, index %d", first, limit, i)
                                .isCloseTo(plain[i], org.assertj.core.data.Offset.offset(1e-6f * Math.max(1, plain[i])));
                        sum += vector[i];
                    }
                }
                if (limit > first) {
                    assertThat(sum).as("row %d..%d sums to one", first, limit).isCloseTo(1, org.assertj.core.data.Offset.offset(2e-6));
                }
            }
        }
    }

    @Test
    void aNanScoreMakesTheVectorSoftmaxRowNanAsThePlainOneDoes() {
        float[] vector = new float[40];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = i * 0.1f;
        }
        vector[23] = Float.NaN;
        float[] plain = vector.clone();
        VectorKernels.softmaxRow(vector, 0, 0, 33, 40, new float[VectorKernels.lanes()]);
        FloatKernels.softmaxRowPlain(plain, 0, 0, 33, 40, new FloatExp.Scratch());
        for (int i = 0; i < 40; i++) {
            if (i < 33) {
                assertThat(vector[i]).as("index %d", i).isNaN();
                assertThat(plain[i]).as("index %d", i).isNaN();
            } else {
                assertThat(vector[i]).isZero();
                assertThat(plain[i]).isZero();
            }
        }
    }

    @Test
    void attentionSoftmaxTakesTheVectorRowsAndMatchesThePlainRowsOverCausalWindowedScores() {
        Random r = new Random(13);
        int batch = 2, heads = 3, time = 9, past = 4, keys = past + time, window = 6;
        Tensor scores = Tensor.gaussian(Precision.FLOAT32, r, 5, batch, heads, time, keys);
        float[] plain = ((FloatTensor) scores).data().clone();
        Kernels.of(scores).attentionSoftmax(scores, null, true, past, window);
        for (int row = 0; row < batch * heads * time; row++) {
            int t = row % time, limit = Math.min(keys, past + t + 1), first = Math.max(0, past + t - window + 1);
            FloatKernels.softmaxRowPlain(plain, row * keys, first, limit, keys, new FloatExp.Scratch());
        }
        float[] got = ((FloatTensor) scores).data();
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as("index %d", i).isCloseTo(plain[i], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
