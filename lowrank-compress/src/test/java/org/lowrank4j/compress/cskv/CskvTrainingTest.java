package org.lowrank4j.compress.cskv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.cskv.CskvProjection;

class CskvTrainingTest {

    /** Inputs with very unequal channel scales, so the SVD of W alone is far from the data-weighted optimum. */
    private static DoubleMatrix gram(int in, int tokens, Random random) {
        DoubleMatrix x = DoubleMatrix.zeros(tokens, in);
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < in; j++) {
                x.set(t, j, random.nextGaussian() * (j < 4 ? 10 : 0.3));
            }
        }
        return Linalg.multiply(x.transpose(), x);
    }

    /** tr(E G Eᵀ) / tr(W G Wᵀ) with E = W − B·A, computed directly. */
    private static double relativeLoss(DoubleMatrix w, CskvProjection p, DoubleMatrix g) {
        DoubleMatrix a = DoubleMatrix.wrap(p.a(), p.rank(), p.in()), b = DoubleMatrix.wrap(p.b(), p.out(), p.rank());
        DoubleMatrix ba = Linalg.multiply(b, a), e = w.copy();
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                e.set(i, j, w.get(i, j) - ba.get(i, j));
            }
        }
        DoubleMatrix eg = Linalg.multiply(e, g), wg = Linalg.multiply(w, g);
        double num = 0, den = 0;
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                num += e.get(i, j) * eg.get(i, j);
                den += w.get(i, j) * wg.get(i, j);
            }
        }
        return num / den;
    }

    @Test
    void trainingLowersTheCalibrationLossAndReportsItExactly() {
        Random random = new Random(3);
        int out = 12, in = 16, rank = 3, tokens = 200;
        DoubleMatrix w = DoubleMatrix.gaussian(out, in, random);
        DoubleMatrix g = gram(in, tokens, random);
        CskvProjection start = CskvProjection.svd(w.toArray(), out, in, rank);
        CskvTraining.Result r = CskvTraining.train(start, w.toArray(), g, tokens, 400, 1e-2);
        assertThat(r.relativeLossBefore()).isCloseTo(relativeLoss(w, start, g), Offset.offset(1e-12));
        assertThat(r.relativeLossAfter()).isCloseTo(relativeLoss(w, r.projection(), g), Offset.offset(1e-12));
        assertThat(r.relativeLossAfter()).isLessThan(0.5 * r.relativeLossBefore());

        CskvTraining.Result none = CskvTraining.train(start, w.toArray(), g, tokens, 0, 1e-2);
        assertThat(none.projection().a()).containsExactly(start.a());
        assertThat(none.relativeLossAfter()).isEqualTo(none.relativeLossBefore());
    }

    @Test
    void badArgumentsAreRefused() {
        Random random = new Random(4);
        DoubleMatrix w = DoubleMatrix.gaussian(8, 8, random);
        CskvProjection start = CskvProjection.svd(w.toArray(), 8, 8, 2);
        assertThatThrownBy(() -> CskvTraining.train(start, w.toArray(), DoubleMatrix.identity(6), 10, 5, 1e-3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
        assertThatThrownBy(() -> CskvTraining.train(start, w.toArray(), DoubleMatrix.identity(8), 10, 5, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive learning rate");
    }
}
