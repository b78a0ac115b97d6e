package org.lowrank4j.nn.layers;

import static org.lowrank4j.nn.GradientCheck.check;
import static org.lowrank4j.nn.GradientCheck.randomize;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** Every layer's backward against central finite differences in float64, on tiny random shapes (B=2, T=3). */
class LayerGradientTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final int B = 2, T = 3, C = 8;

    private static Tensor input(long seed, int... shape) {
        return Tensor.gaussian(F64, new Random(seed), 1, shape);
    }

    private static void checkLayer(String label, Layer layer, Tensor x) {
        check(label, () -> layer.forward(x), layer::backward, x, layer.parameters(), 99);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void denseLinear(boolean bias) {
        Linear linear = Linear.dense("fc", C, 5, bias, F64);
        randomize(linear, new Random(1), 0.5);
        checkLayer("Linear dense bias=" + bias, linear, input(2, B, T, C));
    }

    @Test
    void lowRankLinear() {
        Linear linear = new Linear("fc", LowRankWeight.zeros("fc", 5, C, 3, F64), new Parameter("fc.bias", Tensor.zeros(F64, 5)));
        randomize(linear, new Random(3), 0.5);
        checkLayer("Linear low-rank r=3", linear, input(4, B, T, C));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void layerNorm(boolean bias) {
        LayerNorm norm = new LayerNorm("norm", C, 1e-5, bias, F64);
        randomize(norm, new Random(5), 0.3);
        checkLayer("LayerNorm bias=" + bias, norm, input(6, B, T, C));
    }

    @Test
    void rmsNorm() {
        RMSNorm norm = new RMSNorm("norm", C, 1e-6, F64);
        randomize(norm, new Random(7), 0.3);
        checkLayer("RMSNorm", norm, input(8, B, T, C));
    }

    @Test
    void embeddingWithPositionsAndTypes() {
        Embedding embedding = new Embedding("emb", 11, C, 6, 2, F64);
        randomize(embedding, new Random(9), 1);
        int[] ids = {3, 1, 3, 10, 0, 1};
        int[] types = {0, 0, 1, 1, 1, 0};
        check("Embedding token+position+type", () -> embedding.forward(ids, types, B, T, 2), dy -> {
            embedding.backward(dy);
            return null;
        }, null, embedding.parameters(), 10);
    }

    @Test
    void aFrozenEmbeddingTableAccumulatesNoGradient() {
        Embedding embedding = new Embedding("emb", 11, C, 6, 2, F64);
        randomize(embedding, new Random(9), 1);
        embedding.token().freeze();
        org.lowrank4j.nn.tensor.Tensor out = embedding.forward(new int[] {3, 1, 3, 10, 0, 1}, new int[] {0, 0, 1, 1, 1, 0}, B, T, 2);
        org.lowrank4j.nn.tensor.Tensor dy = out.zerosLike();
        dy.fill(1);
        embedding.backward(dy);
        org.assertj.core.api.Assertions.assertThat(embedding.token().hasGradient()).isFalse();
        org.assertj.core.api.Assertions.assertThat(embedding.position().gradient().get(2 * C)).isEqualTo(B); // row 2: position 2 of each sequence
    }

    @Test
    void frozenNormsAndDenseWeightsAllocateNoGradientAndPassTheSameInputGradient() {
        double[][] trained = inputGradients(false), frozen = inputGradients(true);
        for (int i = 0; i < trained.length; i++) {
            org.assertj.core.api.Assertions.assertThat(frozen[i]).containsExactly(trained[i]);
        }
    }

    /** dx of an RMSNorm, a LayerNorm and a dense linear (same weights, same inputs), with every parameter frozen or not. */
    private static double[][] inputGradients(boolean frozen) {
        Layer[] layers = {new RMSNorm("rms", C, 1e-6, F64), new LayerNorm("ln", C, 1e-5, true, F64), Linear.dense("lin", C, 5, true, F64)};
        double[][] out = new double[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            randomize(layers[i], new Random(21), 0.5);
            if (frozen) {
                layers[i].parameters().forEach(Parameter::freeze);
            }
            Tensor y = layers[i].forward(input(22, B, T, C));
            Tensor dx = layers[i].backward(input(23 + i, y.shape()));
            for (Parameter p : layers[i].parameters()) {
                org.assertj.core.api.Assertions.assertThat(p.hasGradient()).as("%s frozen=%s", p.name(), frozen).isEqualTo(!frozen);
            }
            out[i] = new double[dx.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = dx.get(j);
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(MlpActivation.class)
    void geluMlp(MlpActivation variant) {
        GeluMlp mlp = new GeluMlp(Linear.dense("mlp.up", C, 12, true, F64), Linear.dense("mlp.down", 12, C, true, F64), variant);
        randomize(mlp, new Random(11), 0.5);
        checkLayer("GeluMlp " + variant, mlp, input(12, B, T, C));
    }

    @Test
    void swiGluMlp() {
        SwiGluMlp mlp = new SwiGluMlp(Linear.dense("mlp.gate", C, 12, false, F64), Linear.dense("mlp.up", C, 12, false, F64),
                Linear.dense("mlp.down", 12, C, false, F64));
        randomize(mlp, new Random(13), 0.5);
        checkLayer("SwiGluMlp", mlp, input(14, B, T, C));
    }

    @Test
    void bidirectionalAttentionWithPadding() {
        Attention attention = Attention.dense("attn", C, 2, 2, true, false, null, F64);
        randomize(attention, new Random(15), 0.5);
        Tensor x = input(16, B, 4, C);
        int[] mask = {1, 1, 1, 1, 1, 1, 0, 0}; // second sequence padded after two tokens
        check("Attention bidirectional + padding", () -> attention.forward(x, mask), attention::backward, x, attention.parameters(), 17);
    }

    @Test
    void causalGroupedQueryAttentionWithRope() {
        Attention attention = Attention.dense("attn", C, 4, 2, false, true, RotaryEmbedding.standard(2, 10000, 16), F64);
        randomize(attention, new Random(18), 0.5);
        Tensor x = input(19, B, 4, C);
        check("Attention causal GQA 4/2 + RoPE", () -> attention.forward(x, null), attention::backward, x,
                attention.parameters(), 20);
    }

    @Test
    void causalAttentionWithRopeAndHeadSizeFour() {
        Attention attention = Attention.dense("attn", C, 2, 1, true, true, RotaryEmbedding.standard(4, 500000, 8), F64);
        randomize(attention, new Random(21), 0.5);
        Tensor x = input(22, B, 5, C);
        int[] mask = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1}; // a padded key inside a causal sequence
        check("Attention causal MQA + RoPE + mask", () -> attention.forward(x, mask), attention::backward, x, attention.parameters(), 23);
    }

    /** 130 positions with RoPE: a sequence longer than every other check here. */
    @Test
    void causalAttentionOverALongSequence() {
        Attention attention = Attention.dense("attn", 4, 2, 1, false, true, RotaryEmbedding.standard(2, 10000, 130), F64);
        randomize(attention, new Random(25), 0.5);
        Tensor x = input(26, 1, 130, 4);
        check("Attention causal, 130 positions", () -> attention.forward(x, null), attention::backward, x, attention.parameters(), 27);
    }

    @Test
    void softmaxCrossEntropyWithIgnoredTargets() {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Tensor logits = input(24, B, T, 7);
        int[] targets = {3, -100, 0, 6, 6, -100};
        loss.forward(logits, targets);
        Tensor dlogits = loss.backward(1);
        GradientCheck.checkScalar("SoftmaxCrossEntropy ignore=-100", () -> loss.forward(logits, targets), dlogits, logits);
    }
}
