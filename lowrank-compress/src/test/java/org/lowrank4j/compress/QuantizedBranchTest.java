package org.lowrank4j.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;

class QuantizedBranchTest {

    private static LowRank random(int m, int n, int r, long seed) {
        Random random = new Random(seed);
        DoubleMatrix a = DoubleMatrix.zeros(m, r), b = DoubleMatrix.zeros(r, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < r; j++) {
                a.set(i, j, random.nextGaussian());
            }
        }
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < n; j++) {
                b.set(i, j, random.nextGaussian() * 0.1);
            }
        }
        return new LowRank(a, b);
    }

    @Test
    void eightBitFactorsKeepTheProductToAFewParts() {
        LowRank branch = random(48, 64, 32, 1);
        QuantizedBranch codes = QuantizedBranch.round(branch, 8, 32);
        assertThat(codes.first().rows()).isEqualTo(32);
        assertThat(codes.first().cols()).isEqualTo(64);
        assertThat(codes.second().rows()).isEqualTo(48);
        assertThat(codes.second().groupSize()).isEqualTo(32); // the largest power of two dividing 32, at most the group
        double error = relative(branch.toDense(), codes.dequantized().toDense());
        double error4 = relative(branch.toDense(), QuantizedBranch.round(branch, 4, 32).dequantized().toDense());
        assertThat(error).isGreaterThan(0).isLessThan(0.01);
        assertThat(error4).isGreaterThan(5 * error).isLessThan(0.2);
    }

    @Test
    void bytesAreCodesPlusOneScalePerGroup() {
        for (int[] c : new int[][] {{48, 64, 16, 8, 32}, {48, 64, 48, 4, 32}, {384, 1536, 112, 8, 32}, {96, 32, 64, 4, 16}}) {
            LowRank branch = random(c[0], c[1], c[2], c[0] + c[2]);
            QuantizedBranch codes = QuantizedBranch.round(branch, c[3], c[4]);
            assertThat(codes.bytes()).as(java.util.Arrays.toString(c)).isEqualTo(QuantizedBranch.bytes(c[0], c[1], c[2], c[3], c[4]));
            long values = (long) c[2] * (c[0] + c[1]);
            assertThat(codes.bytes()).isGreaterThan(values * c[3] / 8).isLessThan(values * c[3] / 8 + values / 2);
        }
        assertThat(QuantizedBranch.rankGroup(48, 32)).isEqualTo(16);
        assertThat(QuantizedBranch.rankGroup(64, 32)).isEqualTo(32);
        assertThat(QuantizedBranch.rankGroup(32, 128)).isEqualTo(32);
    }

    @Test
    void aRankOffTheStepAndABranchOfAnotherRankAreRefused() {
        assertThatThrownBy(() -> QuantizedBranch.round(random(32, 32, 20, 2), 8, 16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a quantized branch has a rank that is a multiple of 16, got 20");
        QuantizedBranch codes = QuantizedBranch.round(random(32, 32, 16, 3), 8, 16);
        org.lowrank4j.linalg.quant.QuantizedMatrix base = org.lowrank4j.linalg.quant.RoundToNearest.quantize(DoubleMatrix.zeros(32, 32),
                org.lowrank4j.linalg.quant.QuantizationFormat.symmetric(4, 16));
        assertThatThrownBy(() -> new QuantizedLowRank(base, random(32, 32, 32, 4), null, codes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("branch codes of rank 16 beside a rank-32 branch");
        QuantizedLowRank q = new QuantizedLowRank(base, random(32, 32, 16, 5)).withBranchCodes(8, 16);
        assertThat(q.bytes()).isEqualTo(base.bytes() + q.branchCodes().bytes());
        assertThat(q.describe()).endsWith("(int8 factors)");
    }

    private static double relative(DoubleMatrix exact, DoubleMatrix approx) {
        double diff = 0, total = 0;
        for (int i = 0; i < exact.rows(); i++) {
            for (int j = 0; j < exact.cols(); j++) {
                diff += Math.pow(exact.get(i, j) - approx.get(i, j), 2);
                total += Math.pow(exact.get(i, j), 2);
            }
        }
        return Math.sqrt(diff / total);
    }
}
