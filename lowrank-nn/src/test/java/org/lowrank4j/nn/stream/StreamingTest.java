package org.lowrank4j.nn.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** FlashSVD streaming (spec c14 "How to test it"): equal outputs, temporaries bounded, no NaN at the edges. */
class StreamingTest {
    private static final Precision F32 = Precision.FLOAT32;
    private static final Tiles SMALL = new Tiles(16, 32, 8);

    private static Tensor random(long seed, int... shape) {
        return Tensor.gaussian(F32, new Random(seed), 0.5, shape);
    }

    /** A linear with a random factor pair of rank r (r = 0: dense) and a random bias. */
    private static Linear linear(String name, int in, int out, int rank, long seed) {
        Parameter bias = new Parameter(name + ".bias", random(seed + 1, out));
        if (rank == 0) {
            return new Linear(name, new org.lowrank4j.nn.weight.DenseWeight(new Parameter(name + ".weight", random(seed, out, in))), bias);
        }
        return new Linear(name, new LowRankWeight(new Parameter(name + ".A", random(seed, out, rank)),
                new Parameter(name + ".B", random(seed + 2, rank, in))), bias);
    }

    private static GeluMlp mlp(int channels, int hidden, int upRank, int downRank) {
        return new GeluMlp(linear("up", channels, hidden, upRank, 10), linear("down", hidden, channels, downRank, 20), MlpActivation.GELU_ERF);
    }

    /** 37 rows and 70 intermediate channels: neither is a multiple of the tiles (16 rows, 32 channels). */
    @ParameterizedTest
    @ValueSource(strings = {"5,4", "0,4", "5,0", "0,0"})
    void streamedMlpEqualsTheLayerByLayerForward(String ranks) {
        String[] r = ranks.split(",");
        GeluMlp mlp = mlp(16, 70, Integer.parseInt(r[0]), Integer.parseInt(r[1]));
        Tensor x = random(1, 1, 37, 16);
        TransientMemory memory = new TransientMemory();
        Tensor streamed = StreamingMlp.forward(mlp, x, SMALL, memory);
        assertThat(GradientCheck.compare(streamed, mlp.forward(x))).isLessThan(1e-5);
        assertThat(memory.liveBytes()).isZero();
        assertThat(memory.largestBytes()).isLessThan(4L * 37 * 70); // never the (N, d_ff) hidden state
    }

    /** The largest temporary and the peak do not grow with d_ff (spec test 3). */
    @Test
    void temporariesDoNotDependOnTheIntermediateWidth() {
        Tensor x = random(2, 2, 40, 16);
        long[] largest = new long[2], peak = new long[2];
        int[] widths = {64, 1024};
        for (int i = 0; i < 2; i++) {
            TransientMemory memory = new TransientMemory();
            StreamingMlp.forward(mlp(16, widths[i], 6, 6), x, SMALL, memory);
            largest[i] = memory.largestBytes();
            peak[i] = memory.peakBytes();
        }
        assertThat(largest[1]).isEqualTo(largest[0]);
        assertThat(peak[1]).isEqualTo(peak[0]);
    }

    private static Attention attention(int channels, int heads, int kvHeads, boolean causal, int rank) {
        int d = channels / heads;
        return new Attention("attn", linear("q", channels, heads * d, rank, 30), linear("k", channels, kvHeads * d, rank == 0 ? 0 : rank + 1, 40),
                linear("v", channels, kvHeads * d, 0, 50), linear("o", heads * d, channels, rank, 60), heads, kvHeads, causal, null);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void streamedAttentionEqualsTheLayerByLayerForward(boolean causal) {
        Attention a = attention(16, 4, causal ? 2 : 4, causal, 6);
        Tensor x = random(3, 2, 21, 16);
        int[] mask = causal ? null : new int[42];
        if (mask != null) {
            java.util.Arrays.fill(mask, 1);
            for (int t = 15; t < 21; t++) {
                mask[21 + t] = 0; // the second sequence is padded after 15 tokens
            }
        }
        TransientMemory memory = new TransientMemory();
        Tensor streamed = StreamingAttention.forward(a, x, mask, SMALL, memory);
        assertThat(GradientCheck.compare(streamed, a.forward(x, mask))).isLessThan(1e-5);
        assertThat(memory.liveBytes()).isZero();
        assertThat(memory.largestBytes()).isLessThan(4L * 2 * 4 * 21 * 21); // never the (B, H, T, T) probabilities
    }

    /** Query/key heads narrower than value heads, with the original score scale (a MoDeGPT-narrowed layer). */
    @Test
    void narrowedQueryKeyHeadsStreamLikeTheLayer() {
        Attention a = new Attention("attn", linear("q", 16, 4 * 2, 3, 31), linear("k", 16, 2 * 2, 0, 41), linear("v", 16, 2 * 4, 3, 51),
                linear("o", 4 * 4, 16, 0, 61), 4, 2, true, null, 0.5);
        Tensor x = random(9, 2, 13, 16);
        Tensor streamed = StreamingAttention.forward(a, x, null, SMALL, new TransientMemory());
        assertThat(GradientCheck.compare(streamed, a.forward(x, null))).isLessThan(1e-5);
    }

    @Test
    void aWholeEncoderStreamsToTheSameLastHiddenState() {
        BertConfig config = new BertConfig(50, 16, 2, 2, 40, 24, 2, 1e-12, MlpActivation.GELU_ERF);
        BertModel model = BertModel.zeros(config, F32);
        GradientCheck.randomize(model, new Random(7), 0.3);
        Linear up = model.linears(1).stream().filter(l -> l.outFeatures() == 40).findFirst().orElseThrow();
        up.setWeight(new LowRankWeight(new Parameter("up.A", random(70, 40, 5)), new Parameter("up.B", random(71, 5, 16))));
        int[] ids = new int[2 * 19], types = new int[ids.length], mask = new int[ids.length];
        Random r = new Random(8);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(50);
            mask[i] = i < 19 + 11 ? 1 : 0;
        }
        Tensor streamed = StreamingEncoder.forward(model, ids, types, mask, 2, 19, SMALL, new TransientMemory());
        Tensor reference = model.forward(ids, types, mask, 2, 19);
        assertThat(GradientCheck.compare(streamed, reference)).isLessThan(1e-5);
    }

    /** One token, and a sequence whose keys are all padding: finite outputs (spec test 4). */
    @Test
    void singleTokensAndFullyMaskedRowsStayFinite() {
        Attention a = attention(16, 4, 4, false, 6);
        Tensor one = random(4, 3, 1, 16);
        assertThat(GradientCheck.compare(StreamingAttention.forward(a, one, null, SMALL, new TransientMemory()), a.forward(one, null))).isLessThan(1e-5);
        Tensor x = random(5, 2, 9, 16);
        int[] mask = new int[18];
        java.util.Arrays.fill(mask, 0, 9, 1); // the second sequence has no real token
        Tensor y = StreamingAttention.forward(a, x, mask, SMALL, new TransientMemory());
        for (int i = 0; i < y.size(); i++) {
            assertThat(Double.isFinite(y.get(i))).isTrue();
        }
        Tensor streamedMlp = StreamingMlp.forward(mlp(16, 24, 3, 0), random(6, 1, 1, 16), SMALL, new TransientMemory());
        assertThat(streamedMlp.hasShape(1, 1, 16)).isTrue();
    }

    /** LLaMA's attention: RoPE on queries and keys, grouped-query heads, 21 positions over query tiles of 8. */
    @Test
    void rotaryGroupedQueryAttentionStreamsLikeTheLayer() {
        Attention a = new Attention("attn", linear("q", 16, 16, 5, 32), linear("k", 16, 8, 4, 42), linear("v", 16, 8, 0, 52),
                linear("o", 16, 16, 6, 62), 4, 2, true, RotaryEmbedding.standard(4, 10000, 32));
        Tensor x = random(10, 2, 21, 16);
        Tensor streamed = StreamingAttention.forward(a, x, null, SMALL, new TransientMemory());
        assertThat(GradientCheck.compare(streamed, a.forward(x, null))).isLessThan(1e-5);
    }

    /** A narrowed (MoDeGPT) layer: query/key heads of 2 dims at each key/value group's own kept frequency. */
    @Test
    void groupedRotaryFrequenciesStreamLikeTheLayer() {
        RotaryEmbedding rope = RotaryEmbedding.grouped(new double[][] {{0.5}, {0.01}}, 32, 1);
        Attention a = new Attention("attn", linear("q", 16, 4 * 2, 3, 33), linear("k", 16, 2 * 2, 0, 43), linear("v", 16, 2 * 4, 3, 53),
                linear("o", 4 * 4, 16, 0, 63), 4, 2, true, rope, 0.5);
        Tensor x = random(11, 2, 19, 16);
        Tensor streamed = StreamingAttention.forward(a, x, null, SMALL, new TransientMemory());
        assertThat(GradientCheck.compare(streamed, a.forward(x, null))).isLessThan(1e-5);
    }

    /** LLaMA's MLP: silu(gate) ⊙ up, then down, each a factor pair or dense. */
    @ParameterizedTest
    @ValueSource(strings = {"5,4,6", "0,4,0", "5,0,6", "0,0,0"})
    void streamedSwiGluEqualsTheLayerByLayerForward(String ranks) {
        String[] r = ranks.split(",");
        SwiGluMlp mlp = new SwiGluMlp(linear("gate", 16, 70, Integer.parseInt(r[0]), 80), linear("up", 16, 70, Integer.parseInt(r[1]), 90),
                linear("down", 70, 16, Integer.parseInt(r[2]), 100));
        Tensor x = random(12, 1, 37, 16);
        TransientMemory memory = new TransientMemory();
        Tensor streamed = StreamingMlp.forward(mlp, x, SMALL, memory);
        assertThat(GradientCheck.compare(streamed, mlp.forward(x))).isLessThan(1e-5);
        assertThat(memory.liveBytes()).isZero();
        assertThat(memory.largestBytes()).isLessThan(4L * 37 * 70);
    }

    /** A tiny LLaMA (GQA 4 over 2, RoPE, SwiGLU) with two projections factorised: the same logits streamed. */
    @Test
    void aWholeDecoderStreamsToTheSameLogits() {
        org.lowrank4j.formats.hf.HfConfig config = org.lowrank4j.formats.hf.HfConfig.builder(org.lowrank4j.formats.hf.HfArchitecture.LLAMA)
                .hiddenSize(16).intermediateSize(40).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(64)
                .maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        org.lowrank4j.nn.arch.llama.LlamaModel model = org.lowrank4j.nn.arch.llama.LlamaModel.create(config, F32);
        model.initialize(new Random(13));
        int factorised = 0;
        for (var site : model.linearSites().entrySet()) {
            Linear l = site.getValue();
            if (site.getKey().endsWith("mlp.up") || site.getKey().endsWith("attention.query")) {
                l.setWeight(new LowRankWeight(new Parameter(l.name() + ".A", random(14, l.outFeatures(), 5)),
                        new Parameter(l.name() + ".B", random(15, 5, l.inFeatures()))));
                factorised++;
            }
        }
        assertThat(factorised).as("sites %s", model.linearSites().keySet()).isEqualTo(4);
        int[] ids = new int[2 * 23];
        Random r = new Random(16);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(64);
        }
        Tensor streamed = StreamingDecoder.forward(model, ids, 2, 23, SMALL, new TransientMemory());
        assertThat(GradientCheck.compare(streamed, model.forward(ids, 2, 23))).isLessThan(1e-5);
    }

    @Test
    void doubleWeightsAreRefusedInOneLine() {
        GeluMlp doubles = new GeluMlp(Linear.dense("up", 4, 8, true, Precision.FLOAT64), Linear.dense("down", 8, 4, true, Precision.FLOAT64),
                MlpActivation.GELU_ERF);
        assertThatThrownBy(() -> StreamingMlp.forward(doubles, Tensor.zeros(Precision.FLOAT64, 1, 2, 4), SMALL, new TransientMemory()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("up: streaming inference runs float32");
    }
}
