package org.lowrank4j.adapt.fastgrad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.fastgrad.TaylorFeaturesTest.uniform;

import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;

/** The exact attention gradient against finite differences, and the Taylor path against the exact one (spec 19 tests 2 and 4). */
class TaylorAttentionTest {
    private static final int L = 48, D = 4;

    /** Σ O ⊙ R: its gradient with respect to O is R. */
    private static double loss(AttentionCore core, DoubleMatrix q, DoubleMatrix k, DoubleMatrix v, DoubleMatrix r) {
        DoubleMatrix o = core.output(q, k, v);
        double s = 0;
        for (int i = 0; i < o.rows(); i++) {
            for (int c = 0; c < o.cols(); c++) {
                s += o.get(i, c) * r.get(i, c);
            }
        }
        return s;
    }

    private static DoubleMatrix finiteDifferences(java.util.function.DoubleSupplier loss, DoubleMatrix x) {
        DoubleMatrix g = DoubleMatrix.zeros(x.rows(), x.cols());
        double h = 1e-6;
        for (int i = 0; i < x.rows(); i++) {
            for (int c = 0; c < x.cols(); c++) {
                double original = x.get(i, c);
                x.set(i, c, original + h);
                double plus = loss.getAsDouble();
                x.set(i, c, original - h);
                double minus = loss.getAsDouble();
                x.set(i, c, original);
                g.set(i, c, (plus - minus) / (2 * h));
            }
        }
        return g;
    }

    static double relative(DoubleMatrix a, DoubleMatrix b) {
        double diff = 0, na = 0, nb = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int c = 0; c < a.cols(); c++) {
                diff += Math.pow(a.get(i, c) - b.get(i, c), 2);
                na += a.get(i, c) * a.get(i, c);
                nb += b.get(i, c) * b.get(i, c);
            }
        }
        return Math.sqrt(diff / Math.max(na, nb));
    }

    /** Over every token and causal, with scores well above 1, so the row maximum matters and the weights are far from uniform. */
    @Test
    void exactGradientsMatchFiniteDifferences() {
        for (boolean causal : new boolean[] {false, true}) {
            DoubleMatrix q = uniform(11, L, D, 2), k = uniform(12, L, D, 2), v = uniform(13, L, D, 1), r = uniform(14, L, D, 1);
            ExactAttention exact = new ExactAttention(causal);
            AttentionCore.Gradients g = exact.gradients(q, k, v, r);
            assertThat(relative(g.dq(), finiteDifferences(() -> loss(exact, q, k, v, r), q))).as("dQ, causal %s", causal).isLessThan(1e-7);
            assertThat(relative(g.dk(), finiteDifferences(() -> loss(exact, q, k, v, r), k))).as("dK, causal %s", causal).isLessThan(1e-7);
            assertThat(relative(g.dv(), finiteDifferences(() -> loss(exact, q, k, v, r), v))).as("dV, causal %s", causal).isLessThan(1e-7);
        }
    }

    /**
     * More tokens than one block holds, on both paths (the exact one: 699 query rows a block at L = 3,000; the Taylor one:
     * 523 rows of W and Z̃ at w = 1,001, d = 4): the two independent implementations still agree.
     */
    @Test
    void bothPathsAgreeOnMoreTokensThanOneBlockHolds() {
        int n = 3000;
        DoubleMatrix q = uniform(15, n, D, 0.5), k = uniform(16, n, D, 0.5), v = uniform(17, n, D, 1), r = uniform(18, n, D, 1);
        AttentionCore.Gradients g = new ExactAttention().gradients(q, k, v, r);
        AttentionCore.Gradients t = new TaylorAttention(D, 10).gradients(q, k, v, r);
        assertThat(relative(g.dq(), t.dq())).isLessThan(1e-8);
        assertThat(relative(g.dk(), t.dk())).isLessThan(1e-8);
        assertThat(relative(g.dv(), t.dv())).isLessThan(1e-8);
    }

    /** Spec 19 test 2: the Taylor gradients approach the exact ones as the degree grows, and are close at g = 8. */
    @Test
    void taylorGradientsConvergeToTheExactOnesWithTheDegree() {
        DoubleMatrix q = uniform(21, L, D, 0.5), k = uniform(22, L, D, 0.5), v = uniform(23, L, D, 1), r = uniform(24, L, D, 1);
        AttentionCore.Gradients exact = new ExactAttention().gradients(q, k, v, r);
        DoubleMatrix exactOut = new ExactAttention().output(q, k, v);
        double previous = Double.POSITIVE_INFINITY;
        for (int g = 1; g <= 8; g++) {
            TaylorAttention taylor = new TaylorAttention(D, g);
            AttentionCore.Gradients approx = taylor.gradients(q, k, v, r);
            double error = Math.max(relative(exact.dq(), approx.dq()), Math.max(relative(exact.dk(), approx.dk()), relative(exact.dv(), approx.dv())));
            assertThat(error).as("degree %d", g).isLessThan(previous);
            assertThat(relative(exactOut, taylor.output(q, k, v))).as("output at degree %d", g).isLessThanOrEqualTo(2 * taylor.errorBound(q, k));
            previous = error;
        }
        assertThat(previous).isLessThan(1e-6);
    }

    /** A causal token's output does not depend on later tokens: changing the last key and value leaves the others. */
    @Test
    void causalOutputsIgnoreLaterTokens() {
        int n = 150;
        DoubleMatrix q = uniform(55, n, D, 0.5), k = uniform(56, n, D, 0.5), v = uniform(57, n, D, 1);
        for (AttentionCore core : new AttentionCore[] {new ExactAttention(true), new TaylorAttention(new TaylorFeatures(D, 6), true)}) {
            DoubleMatrix before = core.output(q, k, v);
            DoubleMatrix k2 = k.copy(), v2 = v.copy();
            for (int c = 0; c < D; c++) {
                k2.set(n - 1, c, 0.4);
                v2.set(n - 1, c, 3);
            }
            DoubleMatrix after = core.output(q, k2, v2);
            assertThat(relative(before.rowRange(0, n - 1).copy(), after.rowRange(0, n - 1).copy())).as(core.getClass().getSimpleName()).isZero();
            assertThat(after.get(n - 1, 0)).isNotEqualTo(before.get(n - 1, 0));
        }
    }

    /**
     * The causal Taylor path converges to the exact causal gradients over 150 tokens (three blocks of 64, the last one
     * short: pairs within a block and across blocks), and both agree over 3,000 tokens.
     */
    @Test
    void causalTaylorGradientsConvergeToTheExactOnes() {
        int n = 150;
        DoubleMatrix q = uniform(61, n, D, 0.5), k = uniform(62, n, D, 0.5), v = uniform(63, n, D, 1), r = uniform(64, n, D, 1);
        AttentionCore.Gradients exact = new ExactAttention(true).gradients(q, k, v, r);
        double previous = Double.POSITIVE_INFINITY;
        for (int g = 1; g <= 8; g++) {
            AttentionCore.Gradients approx = new TaylorAttention(new TaylorFeatures(D, g), true).gradients(q, k, v, r);
            double error = Math.max(relative(exact.dq(), approx.dq()), Math.max(relative(exact.dk(), approx.dk()), relative(exact.dv(), approx.dv())));
            assertThat(error).as("degree %d", g).isLessThan(previous);
            previous = error;
        }
        assertThat(previous).isLessThan(1e-6);
        int big = 3000;
        DoubleMatrix bq = uniform(65, big, D, 0.5), bk = uniform(66, big, D, 0.5), bv = uniform(67, big, D, 1), br = uniform(68, big, D, 1);
        AttentionCore.Gradients e = new ExactAttention(true).gradients(bq, bk, bv, br);
        AttentionCore.Gradients t = new TaylorAttention(new TaylorFeatures(D, 10), true).gradients(bq, bk, bv, br);
        assertThat(relative(e.dq(), t.dq())).isLessThan(1e-8);
        assertThat(relative(e.dk(), t.dk())).isLessThan(1e-8);
        assertThat(relative(e.dv(), t.dv())).isLessThan(1e-8);
    }

    /** Spec 19 test 4: past the threshold (entries near 3·√log L) the degree-8 path fails loudly or is far off. */
    @Test
    void pastTheThresholdTheApproximationBreaksDown() {
        double big = 3 * Math.sqrt(Math.log(L));
        DoubleMatrix q = uniform(31, L, D, big), k = uniform(32, L, D, big), v = uniform(33, L, D, 1), r = uniform(34, L, D, 1);
        TaylorAttention taylor = new TaylorAttention(D, 8);
        assertThat(taylor.errorBound(q, k)).isGreaterThan(1);
        AttentionCore.Gradients exact = new ExactAttention().gradients(q, k, v, r);
        try {
            AttentionCore.Gradients approx = taylor.gradients(q, k, v, r);
            assertThat(relative(exact.dq(), approx.dq())).isGreaterThan(0.1);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageContaining("too large for the polynomial path");
        }
    }

    @Test
    void badOperandsGetOneLine() {
        DoubleMatrix q = uniform(41, 5, 3, 1);
        TaylorAttention taylor = new TaylorAttention(3, 2);
        assertThatThrownBy(() -> taylor.output(q, uniform(42, 6, 3, 1), q)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("K is 6x3");
        DoubleMatrix nan = uniform(43, 5, 3, 1);
        nan.set(2, 1, Double.NaN);
        assertThatThrownBy(() -> new ExactAttention().gradients(q, q, q, nan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dO has a non-finite value at (2, 1)");
        assertThatThrownBy(() -> new TaylorAttention(4, 2).output(q, q, q)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("head dimension 4");
    }
}
