package org.lowrank4j.nn.train.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/** GaLore: the basis, the update against an independent computation, the option checks. */
class GaLoreTest {
    private static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.999, 1e-8, 0.1);

    /** Orthonormal columns (m×k) by Gram-Schmidt on Gaussian vectors. */
    static double[][] orthonormal(int m, int k, Random random) {
        double[][] q = new double[k][m];
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < m; i++) {
                q[c][i] = random.nextGaussian();
            }
            for (int d = 0; d < c; d++) {
                double dot = 0;
                for (int i = 0; i < m; i++) {
                    dot += q[c][i] * q[d][i];
                }
                for (int i = 0; i < m; i++) {
                    q[c][i] -= dot * q[d][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += q[c][i] * q[c][i];
            }
            for (int i = 0; i < m; i++) {
                q[c][i] /= Math.sqrt(norm);
            }
        }
        return q;
    }

    /** G = U·diag(s)·Vᵀ with random orthonormal U, V and the given singular values. */
    static Tensor withSingularValues(int m, int n, double[] s, double[][] u, double[][] v) {
        Tensor g = Tensor.zeros(Precision.FLOAT64, m, n);
        for (int k = 0; k < s.length; k++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    g.set(i * n + j, g.get(i * n + j) + s[k] * u[k][i] * v[k][j]);
                }
            }
        }
        return g;
    }

    /** The basis spans the top-r singular subspace: right singular vectors for m ≥ n, left ones otherwise. */
    @Test
    void basisSpansTheTopSingularVectors() {
        Random random = new Random(1);
        for (int[] shape : new int[][] {{7, 5}, {5, 7}, {6, 6}}) {
            int m = shape[0], n = shape[1], r = 2;
            double[][] u = orthonormal(m, 5, random), v = orthonormal(n, 5, random);
            Tensor g = withSingularValues(m, n, new double[] {9, 4, 1, 0.5, 0.25}, u, v);
            Parameter p = new Parameter("model.layers.0.w", Tensor.zeros(Precision.FLOAT64, m, n));
            p.gradient().copyFrom(g);
            GaLore opt = new GaLore(List.of(p), ADAM, new ProjectionSettings(r, 10, 1), ProjectedAdam.BLOCK_MATRICES);
            opt.step(1e-3);
            Tensor b = opt.state().get("lowrank.basis.model.layers.0.w");
            boolean right = m >= n;
            double[][] top = right ? v : u;
            int length = right ? n : m;
            assertThat(b.shape()).containsExactly(right ? new int[] {r, n} : new int[] {m, r});
            for (int k = 0; k < r; k++) {
                // basis vector k (a row on the right, a column on the left) minus its projection on the top-2 vectors
                double[] vec = new double[length];
                for (int i = 0; i < length; i++) {
                    vec[i] = right ? b.get(k * n + i) : b.get(i * r + k);
                }
                double normSq = 0, inSpan = 0;
                for (int i = 0; i < length; i++) {
                    normSq += vec[i] * vec[i];
                }
                for (int t = 0; t < r; t++) {
                    double dot = 0;
                    for (int i = 0; i < length; i++) {
                        dot += vec[i] * top[t][i];
                    }
                    inSpan += dot * dot;
                }
                assertThat(normSq).as("%dx%d basis %d norm", m, n, k).isCloseTo(1, within(1e-10));
                assertThat(inSpan).as("%dx%d basis %d in the top-%d span", m, n, k, r).isCloseTo(1, within(1e-10));
            }
        }
    }

    /**
     * Three steps with changing gradients (the basis is re-chosen at step 2): the weights equal Adam run by hand on
     * the projected gradients g = G·Bᵀ (or Bᵀ·G), back-projected with α and followed by the decoupled decay.
     */
    @Test
    void updateIsAdamOnTheProjectedGradientBackProjected() {
        for (int[] shape : new int[][] {{6, 4}, {4, 6}}) {
            int m = shape[0], n = shape[1], r = 2, gap = 2;
            double alpha = 0.5, lr = 0.01;
            boolean right = m >= n;
            Random random = new Random(7);
            Tensor w0 = Tensor.gaussian(Precision.FLOAT64, random, 1, m, n);
            Parameter p = new Parameter("model.layers.0.mlp.w", w0.copy());
            GaLore opt = new GaLore(List.of(p), ADAM, new ProjectionSettings(r, gap, alpha), ProjectedAdam.BLOCK_MATRICES);
            Tensor[] gradients = new Tensor[3];
            Tensor[] basisUsed = new Tensor[3];
            for (int t = 0; t < 3; t++) {
                gradients[t] = Tensor.gaussian(Precision.FLOAT64, random, 1, m, n);
                p.gradient().copyFrom(gradients[t]);
                opt.step(lr);
                basisUsed[t] = opt.state().get("lowrank.basis.model.layers.0.mlp.w").copy();
            }
            assertThat(basisUsed[1].toDoubleArray()).containsExactly(basisUsed[0].toDoubleArray());
            assertThat(basisUsed[2].toDoubleArray()).isNotEqualTo(basisUsed[1].toDoubleArray());

            // by hand
            int lr0 = right ? m : r, lc = right ? r : n;
            double[] w = w0.toDoubleArray(), mom = new double[lr0 * lc], var = new double[lr0 * lc];
            for (int t = 0; t < 3; t++) {
                double[][] b = new double[right ? r : m][right ? n : r];
                for (int i = 0; i < b.length; i++) {
                    for (int j = 0; j < b[0].length; j++) {
                        b[i][j] = basisUsed[t].get(i * b[0].length + j);
                    }
                }
                double[] g = gradients[t].toDoubleArray();
                double[] low = new double[lr0 * lc];
                for (int i = 0; i < lr0; i++) {
                    for (int j = 0; j < lc; j++) {
                        double sum = 0;
                        if (right) { // (G·Bᵀ)[i][j] = Σ_k G[i][k]·B[j][k]
                            for (int k = 0; k < n; k++) {
                                sum += g[i * n + k] * b[j][k];
                            }
                        } else { // (Bᵀ·G)[i][j] = Σ_k B[k][i]·G[k][j]
                            for (int k = 0; k < m; k++) {
                                sum += b[k][i] * g[k * n + j];
                            }
                        }
                        low[i * lc + j] = sum;
                    }
                }
                double c1 = 1 - Math.pow(0.9, t + 1), c2 = 1 - Math.pow(0.999, t + 1);
                double[] nn = new double[low.length];
                for (int i = 0; i < low.length; i++) {
                    mom[i] = 0.9 * mom[i] + 0.1 * low[i];
                    var[i] = 0.999 * var[i] + 0.001 * low[i] * low[i];
                    nn[i] = mom[i] / (Math.sqrt(var[i]) + 1e-8);
                }
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double back = 0;
                        if (right) { // (N·B)[i][j]
                            for (int k = 0; k < r; k++) {
                                back += nn[i * r + k] * b[k][j];
                            }
                        } else { // (B·N)[i][j]
                            for (int k = 0; k < r; k++) {
                                back += b[i][k] * nn[k * n + j];
                            }
                        }
                        w[i * n + j] = (w[i * n + j] - lr * Math.sqrt(c2) / c1 * alpha * back) * (1 - lr * 0.1);
                    }
                }
            }
            double[] actual = p.value().toDoubleArray();
            for (int i = 0; i < w.length; i++) {
                assertThat(actual[i]).as("%dx%d w[%d]", m, n, i).isCloseTo(w[i], within(1e-12));
            }
            assertThat(opt.stepCount()).isEqualTo(3);
        }
    }

    /** With r = min(m, n) the projection loses nothing: back(project(G)) = G. */
    @Test
    void fullRankProjectionIsTheIdentity() {
        Random random = new Random(3);
        for (int[] shape : new int[][] {{5, 3}, {3, 5}}) {
            Parameter p = new Parameter("model.layers.1.w", Tensor.zeros(Precision.FLOAT64, shape[0], shape[1]));
            Tensor g = Tensor.gaussian(Precision.FLOAT64, random, 1, shape[0], shape[1]);
            p.gradient().copyFrom(g);
            GaLore opt = new GaLore(List.of(p), ADAM, new ProjectionSettings(3, 1, 1), ProjectedAdam.BLOCK_MATRICES);
            opt.step(0);
            ProjectedAdam.Slot slot = opt.slots().get(0);
            Tensor back = opt.backProject(slot, opt.project(slot, g), 1);
            for (int i = 0; i < g.size(); i++) {
                assertThat(back.get(i)).isCloseTo(g.get(i), within(1e-12));
            }
        }
    }

    /** Only rank-2 parameters of the blocks are projected; embeddings, norms and biases stay on AdamW. */
    @Test
    void projectsOnlyTheBlocksMatrices() {
        Parameter embedding = new Parameter("model.embed_tokens.token.weight", Tensor.zeros(Precision.FLOAT32, 10, 4));
        Parameter norm = new Parameter("model.layers.0.input_layernorm.weight", Tensor.zeros(Precision.FLOAT32, 4));
        Parameter q = new Parameter("model.layers.0.self_attn.q_proj.weight", Tensor.zeros(Precision.FLOAT32, 4, 4));
        GaLore opt = new GaLore(List.of(embedding, norm, q), ADAM, new ProjectionSettings(2, 1, 1), ProjectedAdam.BLOCK_MATRICES);
        assertThat(opt.projectedParameters()).containsExactly(q);
        assertThat(opt.state()).containsKeys("m.model.embed_tokens.token.weight", "v.model.layers.0.input_layernorm.weight",
                "lowrank.m.model.layers.0.self_attn.q_proj.weight", "lowrank.basis.model.layers.0.self_attn.q_proj.weight");
        assertThat(opt.state()).doesNotContainKey("m.model.layers.0.self_attn.q_proj.weight");
    }

    @Test
    void badOptionsAreOneLineErrors() {
        Parameter k = new Parameter("model.layers.3.self_attn.k_proj.weight", Tensor.zeros(Precision.FLOAT32, 4, 8));
        TrainingMethod tooHigh = TrainingMethods.configure("galore", options("rank", 5));
        assertThatThrownBy(() -> tooHigh.create(List.of(k), ADAM)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("galore: rank 5 is above the dimensions of model.layers.3.self_attn.k_proj.weight (4×8); the rank must be at "
                        + "most 4 = min(out, in) of every block matrix");
        for (String method : TrainingMethods.names().subList(1, 4)) {
            assertThatThrownBy(() -> TrainingMethods.configure(method, options("gap", 0))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(method + ": option gap must be >= 1 (steps between projection updates), got 0");
        }
        assertThatThrownBy(() -> TrainingMethods.configure("galora", MethodOptions.NONE)).hasMessageStartingWith(
                "unknown training method 'galora'; choose one of full, galore, galore-dct, fira"); // more methods follow
        assertThat(TrainingMethods.configure("galore", MethodOptions.NONE).describe()).isEqualTo("galore:rank=128:gap=200:scale=0.25");
    }

    /** Options holding one integer. */
    static MethodOptions options(String key, int value) {
        return new MethodOptions() {
            @Override
            public double number(String k, double fallback) {
                return k.equals(key) ? value : fallback;
            }

            @Override
            public int integer(String k, int fallback) {
                return k.equals(key) ? value : fallback;
            }

            @Override
            public void requireAllRead() {
            }
        };
    }
}
