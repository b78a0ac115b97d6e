package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** Installing results into a runtime model and restoring the original. */
class RuntimeInstallTest {
    private static final int[] IDS = java.util.Arrays.copyOf(TinyModels.text(64), 2 * TinyModels.CONTEXT);

    private static double[] logits(LlamaModel model) {
        return model.forward(IDS, 2, TinyModels.CONTEXT).toDoubleArray();
    }

    @Test
    void installingThenRestoringGivesBackTheOriginalLogitsExactly() {
        LlamaModel model = TinyModels.decoder(5);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(2), 2);
        double[] original = logits(model);
        RuntimeCompression job = new RuntimeCompression(runtime);
        CompressionResult result = job.compress(new PlainSvdMethod(), new UniformAllocator(), 0.5, Progress.NONE);
        assertThat(result.sites()).anyMatch(s -> s.factorization() instanceof LowRank);
        assertThat(runtime.sites()).anyMatch(s -> s.linear().weight() instanceof LowRankWeight);
        assertThat(logits(model)).isNotEqualTo(original);
        assertThat(model.parameterCount()).isEqualTo(job.modelParametersWith(result));
        job.restore();
        assertThat(logits(model)).containsExactly(original);
        assertThat(model.parameterCount()).isEqualTo(job.modelParameters());
    }

    @Test
    void aLowRankWhoseProductIsTheWeightGivesTheDenseLogits() {
        LlamaModel model = TinyModels.decoder(6);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(2), 2);
        double[] dense = logits(model);
        List<SiteResult> sites = new ArrayList<>();
        for (RuntimeSite s : runtime.sites()) {
            LinearWeight w = s.weight();
            int m = w.outFeatures(), n = w.inFeatures();
            Factorization f = new PlainSvdMethod().prepare(w, null).factorAt(Math.min(m, n)); // full rank: A·B = W up to rounding
            sites.add(new SiteResult(w, Math.min(m, n), f, new double[] {1}, 0));
        }
        WeightInstaller installer = new WeightInstaller(runtime.sites());
        installer.install(new CompressionResult("exact", "none", 0.5, sites, 0, 0));
        double[] factored = logits(model);
        double max = 0;
        for (int i = 0; i < dense.length; i++) {
            max = Math.max(max, Math.abs(factored[i] - dense[i]));
        }
        assertThat(max).isLessThanOrEqualTo(1e-4);
        installer.restore();
        assertThat(logits(model)).containsExactly(dense);
    }

    @Test
    void factorsThatAreOneMatrixBecomeOneParameterAndDenseKeepsTheOriginal() {
        LlamaModel model = TinyModels.decoder(7);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(2), 2);
        RuntimeSite q = runtime.sites().get(0), k = runtime.sites().get(1), v = runtime.sites().get(2);
        DoubleMatrix basis = DoubleMatrix.gaussian(3, q.inFeatures(), new java.util.Random(8)); // one shared B (r × in)
        SiteResult sq = new SiteResult(q.weight(), 3, new LowRank(DoubleMatrix.gaussian(q.outFeatures(), 3, new java.util.Random(9)), basis), new double[] {1}, 0);
        SiteResult sk = new SiteResult(k.weight(), 3, new LowRank(DoubleMatrix.gaussian(k.outFeatures(), 3, new java.util.Random(10)), basis), new double[] {1}, 0);
        SiteResult sv = new SiteResult(v.weight(), 8, new Dense(v.weight().weight()), new double[] {1}, 0);
        var originalV = v.linear().weight();
        WeightInstaller installer = new WeightInstaller(runtime.sites());
        installer.install(new CompressionResult("shared", "none", 0.5, List.of(sq, sk, sv), 0, 0));
        LowRankWeight wq = (LowRankWeight) q.linear().weight(), wk = (LowRankWeight) k.linear().weight();
        assertThat(wq.right()).isSameAs(wk.right());
        assertThat(wq.left()).isNotSameAs(wk.left());
        assertThat(v.linear().weight()).isSameAs(originalV);
        Tensor product = wk.toDense();
        DoubleMatrix want = Linalg.multiply(sk.factorization() instanceof LowRank lr ? lr.a() : null, basis);
        for (int i = 0; i < product.size(); i++) {
            assertThat(Math.abs(product.get(i) - want.get(i / want.cols(), i % want.cols()))).isLessThan(1e-5);
        }
    }
}
