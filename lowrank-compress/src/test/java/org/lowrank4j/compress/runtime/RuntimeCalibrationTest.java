package org.lowrank4j.compress.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Tensor;

/** Runtime calibration: Grams are Σ x xᵀ of each Linear's real input rows, streamed over batches. */
class RuntimeCalibrationTest {

    @Test
    void decoderGramEqualsTheSumOfOuterProductsOfEachLinearsInputs() {
        LlamaModel model = TinyModels.decoder(1);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(5), 2); // batches of 2, 2, 1
        Map<String, LayerStats> stats = RuntimeCalibration.collect(runtime, Progress.NONE);
        assertThat(stats).hasSize(14);

        Map<String, DoubleMatrix> direct = new java.util.HashMap<>();
        for (int b = 0; b < runtime.batchCount(); b++) {
            runtime.forward(b);
            for (RuntimeSite s : runtime.sites()) {
                Tensor x = s.linear().lastInput();
                int n = x.dim(-1), rows = x.size() / n;
                DoubleMatrix g = direct.computeIfAbsent(s.name(), k -> DoubleMatrix.zeros(n, n));
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            g.set(i, j, g.get(i, j) + (double) (float) x.get(r * n + i) * (float) x.get(r * n + j));
                        }
                    }
                }
            }
        }
        for (RuntimeSite s : runtime.sites()) {
            LayerStats st = stats.get(s.name());
            assertThat(st.tokens()).isEqualTo(5L * TinyModels.CONTEXT);
            assertThat(maxDiff(st.gram(), direct.get(s.name()))).as(s.name()).isLessThan(1e-9 * (1 + maxAbs(direct.get(s.name()))));
        }
        // query, key and value read one tensor but own separate (equal) statistics objects
        assertThat(stats.get("block 0 attention.key")).isNotSameAs(stats.get("block 0 attention.query"));
        assertThat(maxDiff(stats.get("block 0 attention.key").gram(), stats.get("block 0 attention.query").gram())).isZero();
    }

    @Test
    void ownRealRowsOutliveTheNextForwardWhichWritesOverTheLayersInput() {
        LlamaModel model = TinyModels.decoder(2);
        DecoderRuntime runtime = new DecoderRuntime(model, TinyModels.windows(4), 2); // batches of 2 and 2
        RuntimeSite down = runtime.sites().stream().filter(s -> s.name().equals("block 0 mlp.down")).findFirst().orElseThrow();
        runtime.forward(0);
        float[] live = RuntimeSite.realRows(down.linear().lastInput(), null), own = RuntimeSite.ownRealRows(down.linear().lastInput(), null);
        float[] first = live.clone();
        runtime.forward(1);
        assertThat(down.linear().lastInput().toDoubleArray()).as("the MLP reuses its buffer").isNotEqualTo(toDoubles(first));
        assertThat(own).containsExactly(first);
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    @Test
    void encoderPaddingRowsStayOutOfTheStatistics() {
        BertModel model = TinyModels.encoder(2);
        Random random = new Random(3);
        List<int[]> sentences = new ArrayList<>();
        for (int length : new int[] {7, 3, 5, 2}) {
            int[] ids = new int[length];
            for (int i = 0; i < length; i++) {
                ids[i] = 1 + random.nextInt(49);
            }
            sentences.add(ids);
        }
        // Padded together, and each alone (no padding at all): the same real rows, so the same statistics.
        Map<String, LayerStats> padded = RuntimeCalibration.collect(EncoderRuntime.of(model, sentences, 0, 4), Progress.NONE);
        Map<String, LayerStats> alone = RuntimeCalibration.collect(EncoderRuntime.of(model, sentences, 0, 1), Progress.NONE);
        for (String site : padded.keySet()) {
            assertThat(padded.get(site).tokens()).isEqualTo(17);
            DoubleMatrix a = padded.get(site).gram(), b = alone.get(site).gram();
            assertThat(maxDiff(a, b)).as(site).isLessThan(1e-4 * (1 + maxAbs(b)));
            for (int j = 0; j < a.rows(); j++) {
                assertThat(padded.get(site).absSum()[j]).isCloseTo(alone.get(site).absSum()[j], within(1e-3 * (1 + alone.get(site).absSum()[j])));
            }
        }
    }

    static double maxDiff(DoubleMatrix a, DoubleMatrix b) {
        double max = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                max = Math.max(max, Math.abs(a.get(i, j) - b.get(i, j)));
            }
        }
        return max;
    }

    static double maxAbs(DoubleMatrix a) {
        double max = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                max = Math.max(max, Math.abs(a.get(i, j)));
            }
        }
        return max;
    }
}
