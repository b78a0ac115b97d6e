package org.lowrank4j.nn.train.lowrank.maestro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Maestro's ordered factors: SVD init, width-k forward, float64 gradients, group lasso, shrinking, soft cross-entropy. */
class OrderedWeightTest {
    private static final Precision F64 = Precision.FLOAT64;

    private static Tensor randomMatrix(long seed, int out, int in) {
        return Tensor.gaussian(F64, new Random(seed), 1, out, in);
    }

    private static Tensor apply(Tensor w, Tensor x) {
        Tensor y = Tensor.zeros(F64, x.dim(0), w.dim(0));
        MatMul.timesTransposed(y, x, w, 0);
        return y;
    }

    /** Σ_{j in cols} U[:, j]·V[j, :] of the weight's factors, densely. */
    private static Tensor product(OrderedWeight w, int... cols) {
        int out = w.outFeatures(), in = w.inFeatures(), p = w.rank();
        Tensor d = Tensor.zeros(F64, out, in);
        for (int j : cols) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    d.set(o * in + i, d.get(o * in + i) + w.u().value().get(o * p + j) * w.v().value().get(j * in + i));
                }
            }
        }
        return d;
    }

    @Test
    void decompositionAtFullWidthIsTheDenseLayer() {
        for (int[] shape : new int[][] {{7, 5}, {5, 7}, {6, 6}}) {
            Tensor w = randomMatrix(1, shape[0], shape[1]);
            OrderedWeight ordered = OrderedWeight.of("fc", w);
            assertThat(ordered.rank()).isEqualTo(Math.min(shape[0], shape[1]));
            assertThat(ordered.keptCount()).isEqualTo(ordered.rank());
            Tensor x = randomMatrix(2, 4, shape[1]);
            assertThat(GradientCheck.compare(ordered.forward(x), apply(w, x))).isLessThan(1e-5);
            assertThat(GradientCheck.compare(ordered.toDense(), w)).isLessThan(1e-12);
            // the importance of component j is σ_j: ‖Ũ_j σ_j^½‖·‖σ_j^½ Ṽ_j‖
            SvdResult svd = new ExactSvd().decompose(w.matrix(shape[0], shape[1]), ordered.rank());
            for (int j = 0; j < ordered.rank(); j++) {
                assertThat(ordered.importance(j)).isCloseTo(svd.s()[j], org.assertj.core.data.Offset.offset(1e-10));
            }
        }
    }

    @Test
    void widthKIsTheProductOfTheFirstKKeptComponents() {
        Tensor w = randomMatrix(3, 6, 5);
        OrderedWeight ordered = OrderedWeight.of("fc", w);
        Tensor x = randomMatrix(4, 3, 5);
        SvdResult svd = new ExactSvd().decompose(w.matrix(6, 5), 5);
        for (int k = 0; k <= 5; k++) {
            ordered.setWidth(k);
            int[] first = java.util.stream.IntStream.range(0, k).toArray();
            assertThat(GradientCheck.compare(ordered.forward(x), apply(product(ordered, first), x))).as("width %d", k).isLessThan(1e-12);
            // which is the rank-k truncated SVD of W
            Tensor truncated = Tensor.zeros(F64, 6, 5);
            for (int j = 0; j < k; j++) {
                for (int o = 0; o < 6; o++) {
                    for (int i = 0; i < 5; i++) {
                        truncated.set(o * 5 + i, truncated.get(o * 5 + i) + svd.u().get(o, j) * svd.s()[j] * svd.vt().get(j, i));
                    }
                }
            }
            assertThat(GradientCheck.compare(product(ordered, first), truncated)).isLessThan(1e-12);
        }
        // a dropped component is skipped: width 2 of kept {0, 2, 3, 4} is components 0 and 2
        ordered.setWidth(OrderedWeight.ALL);
        ordered.keptFlags().set(1, 0);
        ordered.setWidth(2);
        assertThat(ordered.activeIndices()).containsExactly(0, 2);
        assertThat(GradientCheck.compare(ordered.forward(x), apply(product(ordered, 0, 2), x))).isLessThan(1e-12);
        assertThat(GradientCheck.compare(ordered.toDense(), product(ordered, 0, 2, 3, 4))).isLessThan(1e-12);
        assertThatThrownBy(() -> ordered.setWidth(5)).hasMessage("fc.maestro_u: width 5 is outside 0..4 (the kept components)");
    }

    @Test
    void gradientsMatchFiniteDifferencesInFloat64AtFullAndTruncatedWidth() {
        for (int width : new int[] {OrderedWeight.ALL, 3, 1}) {
            for (int[] shape : new int[][] {{7, 5}, {4, 6}}) {
                OrderedWeight ordered = OrderedWeight.of("fc", randomMatrix(5, shape[0], shape[1]));
                Random random = new Random(6);
                for (Parameter p : ordered.parameters()) {
                    for (int i = 0; i < p.size(); i++) {
                        p.value().set(i, p.value().get(i) + 0.1 * random.nextGaussian());
                    }
                }
                ordered.setWidth(width);
                Linear linear = new Linear("fc", ordered, new Parameter("fc.bias", Tensor.gaussian(F64, random, 1, shape[0])));
                Tensor x = Tensor.gaussian(F64, random, 1, 2, 3, shape[1]);
                double error = GradientCheck.check("Maestro ordered weight " + shape[0] + "x" + shape[1] + " width " + width, () -> linear.forward(x),
                        linear::backward, x, linear.parameters(), 7);
                assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
                if (width != OrderedWeight.ALL) {
                    // the components outside the active prefix got exactly zero gradient
                    int p = ordered.rank();
                    for (int j = width; j < p; j++) {
                        for (int o = 0; o < shape[0]; o++) {
                            assertThat(ordered.u().gradient().get(o * p + j)).isZero();
                        }
                        for (int i = 0; i < shape[1]; i++) {
                            assertThat(ordered.v().gradient().get(j * shape[1] + i)).isZero();
                        }
                    }
                }
            }
        }
    }

    @Test
    void groupLassoIsTheSumOfNormsAndItsGradientMatchesFiniteDifferences() {
        OrderedWeight ordered = OrderedWeight.of("fc", randomMatrix(8, 5, 4));
        ordered.keptFlags().set(2, 0); // a dropped component is not penalised
        double brute = 0;
        int p = 4;
        for (int j : new int[] {0, 1, 3}) {
            double rn = 0, cn = 0;
            for (int i = 0; i < 4; i++) {
                rn += Math.pow(ordered.v().value().get(j * 4 + i), 2);
            }
            for (int o = 0; o < 5; o++) {
                cn += Math.pow(ordered.u().value().get(o * p + j), 2);
            }
            brute += Math.sqrt(rn) + Math.sqrt(cn);
        }
        assertThat(ordered.groupLasso(0)).isCloseTo(brute, org.assertj.core.data.Offset.offset(1e-12));
        for (Parameter param : ordered.parameters()) {
            param.zeroGradient();
        }
        double lambda = 0.3;
        ordered.groupLasso(lambda);
        for (Parameter param : ordered.parameters()) {
            double error = GradientCheck.checkScalar("Maestro group lasso " + param.name(), () -> lambda * ordered.groupLasso(0), param.gradient(), param.value());
            assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
        }
        for (int o = 0; o < 5; o++) {
            assertThat(ordered.u().gradient().get(o * p + 2)).isZero();
        }
    }

    @Test
    void shrinkingDropsExactlyTheComponentsBelowTheThresholdAndKeepsZeroOnesInvisible() {
        OrderedWeight ordered = OrderedWeight.of("fc", randomMatrix(9, 6, 5));
        int p = 5, in = 5;
        // component 1 exactly zero (V row), component 3 tiny but above, component 4 tiny and below the threshold
        for (int i = 0; i < in; i++) {
            ordered.v().value().set(1 * in + i, 0);
        }
        scale(ordered, 3, 2e-5 / ordered.importance(3));
        scale(ordered, 4, 0.5e-5 / ordered.importance(4));
        ordered.keptFlags().set(4, 1);
        Tensor x = randomMatrix(10, 3, in);
        Tensor before = ordered.forward(x);
        Tensor withoutFour = apply(product(ordered, 0, 1, 2, 3), x);
        assertThat(ordered.shrink(1e-5)).isEqualTo(2);
        assertThat(ordered.keptIndices()).containsExactly(0, 2, 3);
        // the exactly-zero component changes nothing; the dropped tiny one changes the output by its own contribution only
        assertThat(GradientCheck.compare(ordered.forward(x), withoutFour)).isLessThan(1e-12);
        Tensor zeroOnly = apply(product(ordered, 0, 2, 3), x);
        assertThat(GradientCheck.compare(zeroOnly, withoutFour)).isLessThan(1e-12);
        assertThat(GradientCheck.compare(before, withoutFour)).isGreaterThan(0);
        assertThat(ordered.shrink(1e-5)).isZero();
        assertThat(p).isEqualTo(ordered.rank());
    }

    private static void scale(OrderedWeight w, int j, double factor) {
        int in = w.inFeatures();
        for (int i = 0; i < in; i++) {
            w.v().value().set(j * in + i, w.v().value().get(j * in + i) * factor);
        }
    }

    @Test
    void softCrossEntropyGradientMatchesFiniteDifferences() {
        Random random = new Random(11);
        Tensor logits = Tensor.gaussian(F64, random, 1, 2, 3, 5);
        Tensor target = Tensor.zeros(F64, 2, 3, 5);
        for (int n = 0; n < 6; n++) {
            double sum = 0;
            for (int c = 0; c < 5; c++) {
                double t = random.nextDouble();
                target.set(n * 5 + c, t);
                sum += t;
            }
            for (int c = 0; c < 5; c++) {
                target.set(n * 5 + c, target.get(n * 5 + c) / sum);
            }
        }
        Tensor d = logits.zerosLike();
        MaestroObjective.softCrossEntropy(logits, target, d);
        double error = GradientCheck.checkScalar("Maestro soft cross-entropy", () -> MaestroObjective.softCrossEntropy(logits, target, logits.zerosLike()), d,
                logits);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
        // against a one-hot target it is the ordinary cross-entropy
        Tensor onehot = Tensor.zeros(F64, 1, 5);
        onehot.set(2, 1);
        Tensor z = Tensor.of(F64, new double[] {0.1, -0.3, 0.7, 0.2, 0}, 1, 5);
        double lse = Math.log(Math.exp(0.1) + Math.exp(-0.3) + Math.exp(0.7) + Math.exp(0.2) + 1);
        assertThat(MaestroObjective.softCrossEntropy(z, onehot, z.zerosLike())).isCloseTo(lse - 0.7, org.assertj.core.data.Offset.offset(1e-12));
    }

    /**
     * The spec's linear toy: on y = W·x with x uniform in [-1, 1]^n, training ordered factors from a random start on the
     * ordered-dropout objective (the mean over widths k of ‖y − U_:k·V_k:·x‖²) makes the columns of U, in order, the
     * left singular vectors of W.
     */
    @Test
    void orderedDropoutRecoversTheSingularVectorsOfALinearMapInOrder() {
        int m = 4, n = 6, p = 4, batch = 64;
        Random random = new Random(12);
        // W = Q1·diag(3, 2, 1, 0.5)·Q2ᵀ with random orthonormal Q1 (4×4), Q2 (6×4)
        SvdResult basis = new ExactSvd().decompose(randomMatrix(13, m, n).matrix(m, n), p);
        double[] sigma = {3, 2, 1, 0.5};
        Tensor w = Tensor.zeros(F64, m, n);
        for (int j = 0; j < p; j++) {
            for (int o = 0; o < m; o++) {
                for (int i = 0; i < n; i++) {
                    w.set(o * n + i, w.get(o * n + i) + basis.u().get(o, j) * sigma[j] * basis.vt().get(j, i));
                }
            }
        }
        OrderedWeight ordered = OrderedWeight.of("toy", Tensor.gaussian(F64, random, 0.3, m, n));
        // scramble the SVD start so that nothing is aligned at the beginning
        for (Parameter param : ordered.parameters()) {
            for (int i = 0; i < param.size(); i++) {
                param.value().set(i, 0.3 * random.nextGaussian());
            }
        }
        java.util.Map<Parameter, Tensor> velocity = new java.util.HashMap<>();
        for (Parameter param : ordered.parameters()) {
            velocity.put(param, param.value().zerosLike());
        }
        for (int step = 0; step < 4000; step++) {
            Tensor x = Tensor.zeros(F64, batch, n);
            for (int i = 0; i < x.size(); i++) {
                x.set(i, 2 * random.nextDouble() - 1);
            }
            Tensor y = apply(w, x);
            for (Parameter param : ordered.parameters()) {
                param.zeroGradient();
            }
            for (int k = 1; k <= p; k++) {
                ordered.setWidth(k);
                Tensor out = ordered.forward(x);
                Tensor dy = out.zerosLike();
                for (int i = 0; i < dy.size(); i++) {
                    dy.set(i, 2 * (out.get(i) - y.get(i)) / (batch * p));
                }
                ordered.backward(dy, x);
            }
            ordered.setWidth(OrderedWeight.ALL);
            double lr = step < 3000 ? 0.05 : 0.01;
            for (Parameter param : ordered.parameters()) {
                Tensor v = velocity.get(param);
                for (int i = 0; i < param.size(); i++) {
                    v.set(i, 0.9 * v.get(i) + param.gradient().get(i));
                    param.value().set(i, param.value().get(i) - lr * v.get(i));
                }
            }
        }
        assertThat(GradientCheck.compare(ordered.toDense(), w)).isLessThan(1e-2);
        for (int j = 0; j < p; j++) {
            double dot = 0, norm = 0;
            for (int o = 0; o < m; o++) {
                double a = ordered.u().value().get(o * p + j);
                dot += a * basis.u().get(o, j);
                norm += a * a;
            }
            assertThat(Math.abs(dot) / Math.sqrt(norm)).as("|cos| of U column %d with left singular vector %d", j, j).isGreaterThan(0.99);
        }
    }
}
