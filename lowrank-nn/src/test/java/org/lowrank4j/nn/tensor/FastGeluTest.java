package org.lowrank4j.nn.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FastGeluTest {
    @Test
    void fastErfIsWithinFloatResolutionOfTheAccurateOne() {
        double max = 0;
        for (double x = -8; x <= 8; x += 1e-4) {
            max = Math.max(max, Math.abs(SpecialFunctions.erfRational((float) x) - SpecialFunctions.erf((float) x)));
        }
        assertThat(max).isLessThan(5e-7);
    }

    @Test
    void parallelGeluEqualsSequentialAtOddSizes() {
        for (int n : new int[] {1, 7, 1023, 200_003}) {
            float[] in = new float[n], a = new float[n];
            for (int i = 0; i < n; i++) {
                in[i] = (float) Math.sin(i * 0.37) * 5;
            }
            FloatKernels.geluErf(a, in);
            for (int i = 0; i < n; i++) {
                double x = in[i];
                assertThat((double) a[i]).isCloseTo(0.5 * x * (1 + SpecialFunctions.erf(x / Math.sqrt(2))), org.assertj.core.data.Offset.offset(2e-6 * Math.max(1, Math.abs(x))));
            }
        }
    }
}
