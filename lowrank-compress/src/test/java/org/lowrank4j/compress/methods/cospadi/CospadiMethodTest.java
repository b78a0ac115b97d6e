package org.lowrank4j.compress.methods.cospadi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dictionary;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.dictionary.SparseCodes;

class CospadiMethodTest {
    private static final LinearWeight W = Synthetic.weight(40, 24, 3);
    private static final DoubleMatrix X = Synthetic.activations(500, 24, 2, 10, 4);
    private static final LayerStats STATS = Synthetic.stats(X);

    /** Spec c11 test 1: dense codes (s = k) from the SVD start are the whitened (SVD-LLM) rank-k solution. */
    @Test
    void denseCodesFromTheSvdStartAreWhitenedSvd() {
        CospadiGroup group = CospadiGroup.whiten(List.of(W), Map.of(W.name(), STATS), 1e-6);
        for (int k : new int[] {3, 8, 15}) {
            CospadiOptions one = new CospadiOptions(1, 1, 1, 2, CospadiOptions.Init.SVD, 1e-6);
            Dictionary d = group.learn(k, k, one).sites().get(0);
            DoubleMatrix svdLlm = Methods.byName("whitened").prepare(W, STATS).factorAt(k).toDense();
            double scale = svdLlm.frobeniusNorm();
            DoubleMatrix ours = d.toDense();
            double diff = 0;
            for (int i = 0; i < ours.rows(); i++) {
                for (int j = 0; j < ours.cols(); j++) {
                    diff = Math.max(diff, Math.abs(ours.get(i, j) - svdLlm.get(i, j)));
                }
            }
            assertThat(diff / scale).as("rank %d", k).isLessThan(1e-8);
        }
    }

    /** K-SVD lowers the whitened error from its SVD start, never raising it, and that error is the calibration output error. */
    @Test
    void kSvdLowersTheWhitenedErrorFromItsStart() {
        CospadiGroup group = CospadiGroup.whiten(List.of(W), Map.of(W.name(), STATS), 1e-6);
        CospadiGroup.Learned learned = group.learn(12, 3, new CospadiOptions(4, 1, 8, 2, CospadiOptions.Init.SVD, 1e-6));
        double[] e = learned.errors();
        assertThat(e[e.length - 1]).isLessThan(e[0]);
        for (int t = 1; t < e.length; t++) {
            assertThat(e[t]).isLessThanOrEqualTo(e[t - 1] * (1 + 1e-12));
        }
        // the whitened error is the output error on the calibration rows: ‖X (Wᵀ − D C)‖ = ‖W̃ − D̃ C‖
        double output = Synthetic.outputError(X, W.weight(), learned.sites().get(0));
        double whitenedTotal = Synthetic.outputError(X, W.weight(), new org.lowrank4j.compress.Dense(DoubleMatrix.zeros(40, 24)));
        assertThat(output / whitenedTotal).isCloseTo(learned.relativeError(), org.assertj.core.api.Assertions.within(1e-6));
    }

    /** Spec c11 test 5: every shape the solver returns fits the budget, and one more atom would not. */
    @Test
    void budgetShapesFitAndAreMaximal() {
        for (int n : new int[] {24, 320, 384, 1536}) {
            for (long m : new long[] {24, 384, 864, 1536, 9216}) {
                for (double ratio : new double[] {0.1, 0.2, 0.4, 0.5, 0.9}) {
                    for (double rho : new double[] {1, 2, 4, 8}) {
                        DictionaryBudget.Shape s = DictionaryBudget.solve(n, m, ratio, rho);
                        double budget = (1 - ratio) * 4.0 * n * m;
                        assertThat(s).as("n=%d m=%d ratio=%s rho=%s", n, m, ratio, rho).isNotNull();
                        assertThat((double) DictionaryBudget.bytes(n, m, s.atoms(), s.sparsity())).isLessThanOrEqualTo(budget);
                        assertThat(s.sparsity()).isBetween(1, Math.min(s.atoms(), n));
                        int next = s.atoms() + 1;
                        assertThat((double) DictionaryBudget.bytes(n, m, next, DictionaryBudget.sparsityFor(next, rho, n))).isGreaterThan(budget);
                    }
                }
            }
        }
        assertThat(DictionaryBudget.solve(4, 1, 0.99, 4)).isNull(); // not even k = s = 1 fits
    }

    @Test
    void bytesCountTheIndices() {
        SparseCodes codes = SparseCodes.empty(300, 10, 4);
        Dictionary d = new Dictionary(DoubleMatrix.zeros(24, 300), codes);
        // k = 300 > 256: two-byte indices (8 bytes per column) against a 300-bit mask (38 bytes): 8
        assertThat(Dictionary.indexBytesPerColumn(300, 4)).isEqualTo(8);
        assertThat(Dictionary.indexBytesPerColumn(64, 40)).isEqualTo(8); // mask of 64 bits beats 40 one-byte indices
        assertThat(d.bytes()).isEqualTo(4L * 24 * 300 + 10 * (4L * 4 + 8));
        assertThat(d.parameterCount()).isEqualTo((d.bytes() + 3) / 4);
    }

    @Test
    void groupsShareOneDictionaryCountedOnce() {
        LinearWeight a = new LinearWeight("block 0 ffn.up", "ffn.up", 0, Synthetic.weight(40, 24, 5).weight());
        LinearWeight b = new LinearWeight("block 1 ffn.up", "ffn.up", 1, Synthetic.weight(40, 24, 6).weight());
        CospadiMethod method = (CospadiMethod) Methods.crossLayerByName("cospadi:group=2:iterations=2");
        CompressionResult r = method.prepare(List.of(a, b), Map.of(a.name(), STATS, b.name(), STATS), 0.3, Progress.NONE)
                .build(0.3, new UniformAllocator());
        Dictionary da = (Dictionary) r.sites().get(0).factorization(), db = (Dictionary) r.sites().get(1).factorization();
        assertThat(da.dictionary()).isSameAs(db.dictionary());
        long bytes = da.dictionaryBytes() + da.codeBytes() + db.codeBytes();
        assertThat(r.targetedParametersAfter()).isEqualTo((da.dictionaryBytes() + 3) / 4 + da.codeParameterCount() + db.codeParameterCount());
        assertThat((double) bytes).isLessThanOrEqualTo(0.7 * 4 * 2 * 40 * 24);
        DictionaryBudget.Shape shape = DictionaryBudget.solve(24, 80, 0.3, 4);
        assertThat(da.atoms()).isEqualTo(shape.atoms());
        assertThat(da.sparsity()).isEqualTo(shape.sparsity());
    }

    @Test
    void refusesBadOptionsNamingThem() {
        assertThatThrownBy(() -> Methods.crossLayerByName("cospadi:rho=0.5")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rho");
        assertThatThrownBy(() -> Methods.crossLayerByName("cospadi:group=0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group");
        assertThatThrownBy(() -> Methods.crossLayerByName("cospadi:init=random")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("svd");
        assertThatThrownBy(() -> Methods.byName("cospadi")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("across layers");
        assertThat(Methods.isCrossLayer("cospadi:rho=2")).isTrue();
        assertThat(Methods.crossLayerByName("cospadi:rho=2").name()).isEqualTo("cospadi:rho=2");
    }
}
