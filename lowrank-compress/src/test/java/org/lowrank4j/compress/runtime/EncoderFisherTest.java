package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.eval.LogisticProbe;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * An encoder's Fisher from a labelled task: each site's sum equals Σ_d (∂L_d/∂W)², L_d the head's log-loss of text d,
 * with the gradient taken by central finite differences through the whole chain (encoder, pooling, normalisation,
 * head), so the back-propagation is checked, not restated.
 */
class EncoderFisherTest {

    private static BertModel encoder(long seed) {
        BertModel model = BertModel.zeros(new BertConfig(50, 16, 2, 2, 24, 12, 2, 1e-12, MlpActivation.GELU_ERF), Precision.FLOAT64);
        TinyModels.spread(model, new Random(seed), 0.25);
        return model;
    }

    /** Six texts of 3–10 random ids, labels 0,1,0,1,…; token types all 0. */
    private static EncoderTask task(Pooling pooling, long seed) {
        Random random = new Random(seed);
        List<int[]> ids = new ArrayList<>(), types = new ArrayList<>();
        int[] labels = new int[6];
        for (int d = 0; d < labels.length; d++) {
            int[] row = new int[3 + random.nextInt(8)];
            for (int t = 0; t < row.length; t++) {
                row[t] = random.nextInt(50);
            }
            ids.add(row);
            types.add(new int[row.length]);
            labels[d] = d % 2;
        }
        return new EncoderTask(ids, types, labels, pooling, true, "random ids");
    }

    private static int[][] calibration() {
        Random random = new Random(3);
        int[][] out = new int[4][];
        for (int i = 0; i < out.length; i++) {
            out[i] = random.ints(6 + i, 0, 50).toArray();
        }
        return out;
    }

    @Test
    void theFisherOfEachSiteIsTheSumOverTextsOfTheSquaredTaskLossGradient() {
        for (Pooling pooling : Pooling.values()) {
            BertModel model = encoder(11);
            EncoderTask task = task(pooling, 5);
            EncoderRuntime runtime = EncoderRuntime.of(model, List.of(calibration()), 0, 2);
            double[] before = values(model);
            Map<String, LayerStats> stats = RuntimeCalibration.collect(runtime, Progress.NONE);
            EncoderFisherStatistics.Summary summary = EncoderFisherStatistics.accumulate(runtime, task, stats, Progress.NONE);
            assertThat(summary.texts()).isEqualTo(6);
            assertThat(summary.tokens()).isEqualTo(task.ids().stream().mapToInt(r -> r.length).sum());
            assertThat(values(model)).containsExactly(before);
            for (Parameter p : model.parameters()) {
                assertThat(p.gradient().norm()).as(p.name()).isZero();
            }

            // the oracle's head: the same fit on the same features (deterministic), then finite differences of its loss
            float[][] features = new float[task.size()][];
            for (int d = 0; d < task.size(); d++) {
                double[] e = feature(model, task, d);
                features[d] = new float[e.length];
                for (int c = 0; c < e.length; c++) {
                    features[d][c] = (float) e[c];
                }
            }
            LogisticProbe head = LogisticProbe.fit(features, task.labels(), EncoderFisherStatistics.HEAD_L2);
            Random pick = new Random(7);
            for (RuntimeSite site : runtime.sites()) {
                Tensor w = ((DenseWeight) site.linear().weight()).weight().value();
                LayerStats s = stats.get(site.name());
                assertThat(s.fisherSamples()).isEqualTo(6);
                double scale = 0;
                for (int i = 0; i < s.fisher().rows(); i++) {
                    for (int j = 0; j < s.fisher().cols(); j++) {
                        scale = Math.max(scale, s.fisher().get(i, j));
                    }
                }
                assertThat(scale).as(site.name()).isPositive();
                for (int k = 0; k < 3; k++) {
                    int i = pick.nextInt(site.outFeatures()), j = pick.nextInt(site.inFeatures());
                    double want = 0, h = 1e-5, original = w.get(i * site.inFeatures() + j);
                    for (int d = 0; d < task.size(); d++) {
                        w.set(i * site.inFeatures() + j, original + h);
                        double up = loss(head, feature(model, task, d), task.labels()[d]);
                        w.set(i * site.inFeatures() + j, original - h);
                        double down = loss(head, feature(model, task, d), task.labels()[d]);
                        w.set(i * site.inFeatures() + j, original);
                        double g = (up - down) / (2 * h);
                        want += g * g;
                    }
                    assertThat(Math.abs(s.fisher().get(i, j) - want)).as(pooling + " " + site.name() + " (" + i + ", " + j + ")")
                            .isLessThan(1e-5 * scale + 1e-6 * want);
                }
            }
        }
    }

    @Test
    void fwsvdOnAnEncoderNeedsATaskAndThenCompressesWithItsFisher() {
        BertModel model = encoder(12);
        RuntimeCompression job = new RuntimeCompression(EncoderRuntime.of(model, List.of(calibration()), 0, 2));
        assertThatThrownBy(() -> job.compress(Methods.byName("fwsvd"), new UniformAllocator(), 0.3, Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labelled task");
        double[] before = values(model);
        job.withTask(task(Pooling.MEAN, 9));
        CompressionResult fwsvd = job.compress(Methods.byName("fwsvd"), new UniformAllocator(), 0.3, Progress.NONE);
        assertThat(fwsvd.achievedRatio()).isPositive();
        assertThat(job.stats().values()).allSatisfy(s -> assertThat(s.fisherSamples()).isEqualTo(6));
        assertThat(job.fisherSummary().texts()).isEqualTo(6);
        job.restore();
        assertThat(values(model)).containsExactly(before);
        assertThatThrownBy(() -> job.withTask(task(Pooling.MEAN, 9))).hasMessageContaining("already collected");
    }

    @Test
    void aTaskOfOneClassIsRefused() {
        assertThatThrownBy(() -> new EncoderTask(List.of(new int[] {1, 2}, new int[] {3}), List.of(new int[2], new int[1]), new int[] {1, 1},
                Pooling.MEAN, true, "t.tsv")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t.tsv").hasMessageContaining("one class");
    }

    private static double[] feature(BertModel model, EncoderTask task, int d) {
        int[] ids = task.ids().get(d);
        Tensor h = model.forward(ids, task.types().get(d), null, 1, ids.length);
        return EncoderFisherStatistics.normalized(EncoderFisherStatistics.pool(h, ids.length, model.config().hiddenSize(), task.pooling()));
    }

    private static double loss(LogisticProbe head, double[] row, int label) {
        double p = head.probability(row);
        return -Math.log(label == 1 ? p : 1 - p);
    }

    private static double[] values(BertModel model) {
        return model.parameters().stream().flatMapToDouble(p -> Arrays.stream(p.value().toDoubleArray())).toArray();
    }
}
