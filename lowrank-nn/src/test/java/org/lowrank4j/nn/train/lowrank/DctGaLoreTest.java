package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/** The DCT basis and the SVD-free column selection. */
class DctGaLoreTest {

    @Test
    void dctMatrixIsOrthonormal() {
        for (int n : new int[] {1, 2, 5, 8, 13}) {
            Tensor q = DctBasis.matrix(n, Precision.FLOAT64);
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < n; b++) {
                    double rows = 0, cols = 0;
                    for (int k = 0; k < n; k++) {
                        rows += q.get(a * n + k) * q.get(b * n + k);
                        cols += q.get(k * n + a) * q.get(k * n + b);
                    }
                    assertThat(rows).as("Q·Qᵀ[%d,%d] n=%d", a, b, n).isCloseTo(a == b ? 1 : 0, within(1e-12));
                    assertThat(cols).as("Qᵀ·Q[%d,%d] n=%d", a, b, n).isCloseTo(a == b ? 1 : 0, within(1e-12));
                }
            }
        }
        // the first row is constant 1/sqrt(n), the second a half cosine period: the DCT-II, not another transform
        Tensor q = DctBasis.matrix(4, Precision.FLOAT64);
        assertThat(q.get(0)).isCloseTo(0.5, within(1e-15));
        assertThat(q.get(4)).isCloseTo(Math.sqrt(0.5) * Math.cos(Math.PI / 8), within(1e-15));
    }

    /** G built from chosen columns of Q (right case) or Q columns on the left: the selection recovers them, largest first. */
    @Test
    void selectionRecoversThePlantedColumns() {
        int n = 8;
        Tensor q = DctBasis.matrix(n, Precision.FLOAT64);
        java.util.Random random = new java.util.Random(5);
        // right case: G (10×8) = Σ_k c_k a_k Q[:, j_k]ᵀ with planted j = 6 (weight 3) and 1 (weight 2)
        int m = 10;
        Tensor g = Tensor.zeros(Precision.FLOAT64, m, n);
        int[] planted = {6, 1};
        double[] weight = {3, 2};
        for (int k = 0; k < planted.length; k++) {
            for (int i = 0; i < m; i++) {
                double a = weight[k] * (1 + 0.1 * random.nextDouble());
                for (int j = 0; j < n; j++) {
                    g.set(i * n + j, g.get(i * n + j) + a * q.get(j * n + planted[k]));
                }
            }
        }
        Parameter p = new Parameter("model.layers.0.w", Tensor.zeros(Precision.FLOAT64, m, n));
        p.gradient().copyFrom(g);
        DctGaLore opt = new DctGaLore(List.of(p), new AdamW.Settings(0.9, 0.999, 1e-8, 0), new ProjectionSettings(2, 5, 1),
                ProjectedAdam.BLOCK_MATRICES);
        opt.step(1e-3);
        assertThat(opt.indices(p)).containsExactly(6, 1);

        // left case: G (8×12) = Σ_k Q[:, j_k] b_kᵀ
        int cols = 12;
        Tensor h = Tensor.zeros(Precision.FLOAT64, n, cols);
        int[] plantedLeft = {3, 7, 0};
        for (int k = 0; k < plantedLeft.length; k++) {
            for (int j = 0; j < cols; j++) {
                double b = (3 - k) * (1 + 0.1 * random.nextDouble());
                for (int i = 0; i < n; i++) {
                    h.set(i * cols + j, h.get(i * cols + j) + b * q.get(i * n + plantedLeft[k]));
                }
            }
        }
        Parameter left = new Parameter("model.layers.0.u", Tensor.zeros(Precision.FLOAT64, n, cols));
        left.gradient().copyFrom(h);
        DctGaLore opt2 = new DctGaLore(List.of(left), new AdamW.Settings(0.9, 0.999, 1e-8, 0), new ProjectionSettings(3, 5, 1),
                ProjectedAdam.BLOCK_MATRICES);
        opt2.step(1e-3);
        assertThat(opt2.indices(left)).containsExactly(3, 7, 0);
    }

    /** Stored state: r indices a matrix plus one shared Q per size, far below GaLore's r×n basis. */
    @Test
    void storesIndicesNotBases() {
        Parameter a = new Parameter("model.layers.0.a", Tensor.zeros(Precision.FLOAT32, 40, 16));
        Parameter b = new Parameter("model.layers.0.b", Tensor.zeros(Precision.FLOAT32, 16, 40));
        AdamW.Settings s = new AdamW.Settings(0.9, 0.999, 1e-8, 0);
        DctGaLore dct = new DctGaLore(List.of(a, b), s, new ProjectionSettings(4, 5, 1), ProjectedAdam.BLOCK_MATRICES);
        GaLore galore = new GaLore(List.of(a, b), s, new ProjectionSettings(4, 5, 1), ProjectedAdam.BLOCK_MATRICES);
        assertThat(dct.state()).containsKeys("lowrank.index.model.layers.0.a", "lowrank.index.model.layers.0.b");
        assertThat(dct.state().get("lowrank.index.model.layers.0.a").size()).isEqualTo(4);
        // moments 2·(40·4 + 4·40) floats, indices 2·4, one 16×16 Q
        assertThat(dct.stateBytes()).isEqualTo(4L * (2 * (160 + 160) + 8 + 256));
        assertThat(galore.stateBytes()).isEqualTo(4L * (2 * (160 + 160) + 64 + 64));
    }
}
