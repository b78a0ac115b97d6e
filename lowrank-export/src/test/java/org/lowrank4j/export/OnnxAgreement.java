package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The check the graph tests share: a graph run in ONNX Runtime gives the logits of {@link CausalLanguageModel#decode} on the
 * same ids (float32 both sides, within 2e-5 of the largest logit), for a padded batch without a past (the second row
 * left-padded by 3, its positions counted from its first real token) and for one sequence decoded through both caches.
 */
final class OnnxAgreement {
    private OnnxAgreement() {
    }

    static void assertAgrees(Path dir, CausalLanguageModel model, DecoderGraph.Built built) throws Exception {
        Path file = dir.resolve("model-" + System.nanoTime() + ".onnx");
        built.model().write(file);
        int vocab = model.vocabSize();
        try (OnnxDecoder onnx = OnnxDecoder.open(file, 1)) {
            // a batch of two: the second row left-padded by 3, its positions counted from its first real token
            int time = 9, pad = 3;
            Random random = new Random(11);
            long[][] ids = new long[2][time], mask = new long[2][time], positions = new long[2][time];
            int[] alone0 = new int[time], alone1 = new int[time - pad];
            for (int t = 0; t < time; t++) {
                ids[0][t] = alone0[t] = random.nextInt(vocab);
                mask[0][t] = 1;
                positions[0][t] = t;
                ids[1][t] = t < pad ? 0 : random.nextInt(vocab);
                mask[1][t] = t < pad ? 0 : 1;
                positions[1][t] = Math.max(0, t - pad);
                if (t >= pad) {
                    alone1[t - pad] = (int) ids[1][t];
                }
            }
            float[][][] batch = onnx.forward(ids, mask, positions);
            assertClose(batch[0], decodeAlone(model, alone0), "row 0 of the batch");
            float[][] row1 = java.util.Arrays.copyOfRange(batch[1], pad, time);
            assertClose(row1, decodeAlone(model, alone1), "the padded row 1 of the batch");

            // one sequence: a prompt of 6, then 5 tokens one at a time through both caches
            DecoderCache cache = model.newCache(1, 11);
            try (OnnxDecoder.Sequence sequence = onnx.start()) {
                int[] next = java.util.Arrays.copyOf(alone0, 6);
                for (int step = 0; step < 6; step++) {
                    float[][] got = sequence.append(next);
                    float[][] want = rows(model.decode(next, 1, next.length, cache), next.length, vocab);
                    assertClose(got, want, "cached step " + step);
                    next = new int[] {random.nextInt(vocab)};
                }
                assertThat(sequence.length()).isEqualTo(11);
            }
        }
    }

    private static float[][] decodeAlone(CausalLanguageModel model, int[] ids) {
        return rows(model.decode(ids, 1, ids.length, model.newCache(1, ids.length)), ids.length, model.vocabSize());
    }

    private static float[][] rows(Tensor logits, int time, int vocab) {
        float[][] out = new float[time][vocab];
        for (int t = 0; t < time; t++) {
            for (int v = 0; v < vocab; v++) {
                out[t][v] = (float) logits.get(t * vocab + v);
            }
        }
        return out;
    }

    private static void assertClose(float[][] got, float[][] want, String what) {
        double worst = 0, scale = 0;
        for (int t = 0; t < want.length; t++) {
            for (int v = 0; v < want[t].length; v++) {
                worst = Math.max(worst, Math.abs(got[t][v] - want[t][v]));
                scale = Math.max(scale, Math.abs(want[t][v]));
            }
        }
        assertThat(scale).as(what + ": logits of some size").isGreaterThan(0.1);
        assertThat(worst).as(what + ": largest logit difference (largest logit %.3f)", scale).isLessThan(2e-5 * Math.max(1, scale));
    }
}
