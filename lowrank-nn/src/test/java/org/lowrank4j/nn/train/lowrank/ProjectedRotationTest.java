package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/** {@code rotate=1}: Adam's moments follow a change of basis (the DCT paper's rotate_subspace). */
class ProjectedRotationTest {
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.99, 1e-8, 0);

    /** A gradient whose DCT energy sits on the given columns (right case, m×n) or rows of Qᵀ·G (left case). */
    private static Tensor planted(int m, int n, boolean right, int[] columns, Random random) {
        int size = Math.min(m, n);
        Tensor q = DctBasis.matrix(size, Precision.FLOAT64);
        Tensor g = Tensor.zeros(Precision.FLOAT64, m, n);
        for (int k = 0; k < columns.length; k++) {
            double weight = columns.length - k + 1;
            for (int a = 0; a < (right ? m : n); a++) {
                double c = weight * (1 + 0.2 * random.nextDouble());
                for (int b = 0; b < size; b++) {
                    int i = right ? a : b, j = right ? b : a;
                    g.set(i * n + j, g.get(i * n + j) + c * q.get(b * size + columns[k]));
                }
            }
        }
        return g;
    }

    /** g = G·Q[:, I] (right) or Q[:, I]ᵀ·G (left), by definition. */
    private static double projected(Tensor g, int m, int n, boolean right, int index, int at) {
        int size = Math.min(m, n);
        Tensor q = DctBasis.matrix(size, Precision.FLOAT64);
        double sum = 0;
        for (int b = 0; b < size; b++) {
            sum += right ? g.get(at * n + b) * q.get(b * size + index) : q.get(b * size + index) * g.get(b * n + at);
        }
        return sum;
    }

    @Test
    void dctMomentsFollowTheirColumnsAndNewColumnsStartFromZero() {
        for (boolean right : new boolean[] {true, false}) {
            int m = right ? 10 : 8, n = right ? 8 : 11, rank = 3;
            Random random = new Random(right ? 3 : 4);
            Parameter p = new Parameter("model.layers.0.w", Tensor.zeros(Precision.FLOAT64, m, n));
            DctGaLore opt = new DctGaLore(List.of(p), ADAM, new ProjectionSettings(rank, 1, 1, true), ProjectedAdam.BLOCK_MATRICES);
            p.gradient().copyFrom(planted(m, n, right, new int[] {6, 1, 4}, random));
            opt.step(1e-3);
            int[] before = opt.indices(p);
            assertThat(before).containsExactly(6, 1, 4);
            Tensor m1 = opt.state().get("lowrank.m." + p.name()).copy();
            Tensor v1 = opt.state().get("lowrank.v." + p.name()).copy();

            Tensor g2 = planted(m, n, right, new int[] {1, 2, 6}, random);
            p.gradient().copyFrom(g2);
            opt.step(1e-3);
            int[] after = opt.indices(p);
            assertThat(after).containsExactly(1, 2, 6);
            Tensor m2 = opt.state().get("lowrank.m." + p.name());
            Tensor v2 = opt.state().get("lowrank.v." + p.name());
            int lowCols = right ? rank : n;
            for (int b = 0; b < rank; b++) {
                int was = -1;
                for (int a = 0; a < rank; a++) {
                    if (before[a] == after[b]) {
                        was = a;
                    }
                }
                for (int at = 0; at < (right ? m : n); at++) {
                    int newCell = right ? at * lowCols + b : b * lowCols + at;
                    int oldCell = was < 0 ? -1 : right ? at * lowCols + was : was * lowCols + at;
                    double g = projected(g2, m, n, right, after[b], at);
                    double mPrev = was < 0 ? 0 : m1.get(oldCell), vPrev = was < 0 ? 0 : v1.get(oldCell);
                    assertThat(m2.get(newCell)).as("M right=%s column %d", right, after[b]).isCloseTo(0.9 * mPrev + 0.1 * g, within(1e-12));
                    assertThat(v2.get(newCell)).as("V right=%s column %d", right, after[b]).isCloseTo(0.99 * vPrev + 0.01 * g * g, within(1e-12));
                }
            }
        }
    }

    /** GaLore: M₂ = β₁·M₁·R + (1−β₁)·g₂ with R = B₁·B₂ᵀ from the stored bases; without rotation M₁ is used as it is. */
    @Test
    void galoreMomentsAreCarriedByTheBasisOverlap() {
        int m = 12, n = 7, rank = 3;
        for (boolean rotate : new boolean[] {true, false}) {
            Random random = new Random(11);
            Parameter p = new Parameter("model.layers.0.w", Tensor.zeros(Precision.FLOAT64, m, n));
            GaLore opt = new GaLore(List.of(p), ADAM, new ProjectionSettings(rank, 1, 1, rotate), ProjectedAdam.BLOCK_MATRICES);
            p.gradient().copyFrom(gaussian(m, n, random));
            opt.step(1e-3);
            Tensor b1 = opt.state().get("lowrank.basis." + p.name()).copy();
            Tensor m1 = opt.state().get("lowrank.m." + p.name()).copy();
            Tensor g2 = gaussian(m, n, random);
            p.gradient().copyFrom(g2);
            opt.step(1e-3);
            Tensor b2 = opt.state().get("lowrank.basis." + p.name());
            Tensor m2 = opt.state().get("lowrank.m." + p.name());
            Tensor v2 = opt.state().get("lowrank.v." + p.name());
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < rank; c++) {
                    double carried = 0;
                    for (int a = 0; a < rank; a++) {
                        double r = 0;
                        for (int j = 0; j < n; j++) {
                            r += b1.get(a * n + j) * b2.get(c * n + j);
                        }
                        carried += m1.get(i * rank + a) * (rotate ? r : a == c ? 1 : 0);
                    }
                    double g = 0;
                    for (int j = 0; j < n; j++) {
                        g += g2.get(i * n + j) * b2.get(c * n + j);
                    }
                    assertThat(m2.get(i * rank + c)).as("rotate=%s M[%d,%d]", rotate, i, c).isCloseTo(0.9 * carried + 0.1 * g, within(1e-12));
                    assertThat(v2.get(i * rank + c)).isGreaterThanOrEqualTo(0);
                }
            }
        }
    }

    @Test
    void rotateIsZeroOrOneAndAppearsInTheDescriptionOnlyWhenOn() {
        assertThat(TrainingMethods.configure("galore-dct", ProjectedResumeTest.opts(4, 10, 1)).describe())
                .isEqualTo("galore-dct:rank=4:gap=10:scale=0.25:rotate=1");
        assertThat(TrainingMethods.configure("galore", ProjectedResumeTest.opts(4, 10, 0)).describe())
                .isEqualTo("galore:rank=4:gap=10:scale=0.25");
        assertThatThrownBy(() -> TrainingMethods.configure("fira", ProjectedResumeTest.opts(4, 10, 2)))
                .hasMessageContaining("fira: option rotate must be 0");
    }

    private static Tensor gaussian(int m, int n, Random random) {
        Tensor t = Tensor.zeros(Precision.FLOAT64, m, n);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, random.nextGaussian());
        }
        return t;
    }
}
