package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.BlockShape;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * The exported graph computes what the JVM runtime computes, in ONNX Runtime: a padded batch without a past, and one
 * sequence decoded through the cache, for dense, low-rank, quantized (with input scale and branch), biased, untied and
 * narrowed models. Each comparison is against {@link LlamaModel#decode} on the same ids, float32 both sides.
 */
class LlamaGraphTest {
    private static final Precision F32 = Precision.FLOAT32;

    @TempDir
    Path dir;

    private static HfConfig config(String type, boolean tied) {
        return HfConfig.builder(HfArchitecture.LLAMA).modelType(type).hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(40).maxPositionEmbeddings(32).tieWordEmbeddings(tied).build();
    }

    private static LlamaModel random(HfConfig config, List<BlockShape> shapes, long seed) {
        LlamaModel model = new LlamaModel(config, F32, LlamaModel.impliesAttentionBias(config), shapes);
        Random random = new Random(seed);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean norm = v.rank() == 1 && p.name().endsWith("norm.weight") || p.name().endsWith("layernorm.weight");
            for (int i = 0; i < v.size(); i++) {
                v.set(i, norm ? 1 + 0.2 * random.nextGaussian() : 0.2 * random.nextGaussian());
            }
        }
        return model;
    }

    @Test
    void aDenseModelWithGroupedQueriesAgreesInABatchAndThroughTheCache() throws Exception {
        LlamaModel model = random(config("llama", true), null, 1);
        assertAgrees(model);
    }

    @Test
    void biasesAnUntiedHeadLowRankAndQuantizedProjectionsAgree() throws Exception {
        LlamaModel model = random(config("qwen2", false), null, 2);
        Random random = new Random(3);
        Linear q = model.block(0).attention().query();
        q.setWeight(lowRank(q, 5, random));
        Linear down = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(1).mlp()).down();
        down.setWeight(lowRank(down, 7, random));
        Linear up = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(0).mlp()).up();
        up.setWeight(QuantizedWeight.of(up.name(), quantize(up, QuantizationFormat.asymmetric(4, 16), random), F32));
        Linear o = model.block(1).attention().output();
        float[] scale = new float[o.inFeatures()];
        for (int j = 0; j < scale.length; j++) {
            scale[j] = (float) Math.exp(0.3 * random.nextGaussian());
        }
        LowRankWeight branch = lowRank(o, 3, random);
        o.setWeight(QuantizedWeight.of(o.name(), quantize(o, QuantizationFormat.symmetric(4, 16), random), branch, scale, F32));
        Linear gate = ((org.lowrank4j.nn.layers.SwiGluMlp) model.block(1).mlp()).gate();
        gate.setWeight(QuantizedWeight.of(gate.name(), quantize(gate, QuantizationFormat.nf4(16), random), F32));

        LlamaGraph.Built built = assertAgrees(model);
        assertThat(built.sites()).extracting(DecoderExport.Site::name, DecoderExport.Site::form).contains(
                org.assertj.core.groups.Tuple.tuple("model.layers.0.self_attn.q_proj", "low-rank r=5"),
                org.assertj.core.groups.Tuple.tuple("model.layers.0.self_attn.k_proj", "dense"),
                org.assertj.core.groups.Tuple.tuple("lm_head", "dense"));
        assertThat(built.sites()).filteredOn(s -> s.name().equals("model.layers.1.self_attn.o_proj")).singleElement()
                .satisfies(s -> assertThat(s.form()).contains("quantized").contains("input scale").contains("branch r=3"));
        assertThat(built.model().nodes()).extracting(n -> n.getOpType()).contains("MatMulNBits", "MatMulBnb4");
    }

    @Test
    void narrowedBlocksRotateEachKeptPairAtItsOwnFrequency() throws Exception {
        HfConfig config = config("llama", true);
        // head size 8 (4 pairs): block 0 keeps pairs {0, 2} and {1, 3} per key/value head, values of size 5; block 1 is whole
        List<BlockShape> shapes = List.of(new BlockShape(20, 4, 5, new int[][] {{0, 2}, {1, 3}}), BlockShape.full(48, 8, 2));
        assertAgrees(random(config, shapes, 4));
    }

    private LlamaGraph.Built assertAgrees(LlamaModel model) throws Exception {
        LlamaGraph.Built built = LlamaGraph.build(model);
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
        return built;
    }

    private static float[][] decodeAlone(LlamaModel model, int[] ids) {
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

    private static LowRankWeight lowRank(Linear l, int rank, Random random) {
        return new LowRankWeight(new Parameter(l.name() + ".A", Tensor.gaussian(F32, random, 0.3, l.outFeatures(), rank)),
                new Parameter(l.name() + ".B", Tensor.gaussian(F32, random, 0.3, rank, l.inFeatures())));
    }

    private static QuantizedMatrix quantize(Linear l, QuantizationFormat format, Random random) {
        double[] w = new double[l.outFeatures() * l.inFeatures()];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.2 * random.nextGaussian();
        }
        return RoundToNearest.quantize(DoubleMatrix.wrap(w, l.outFeatures(), l.inFeatures()), format);
    }
}
