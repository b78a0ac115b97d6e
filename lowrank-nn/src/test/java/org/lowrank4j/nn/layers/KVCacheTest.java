package org.lowrank4j.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Decoding with a KV cache (a prefix, then one token at a time) equals the full causal forward. */
class KVCacheTest {
    private static final int B = 2, T = 7, C = 16;

    @ParameterizedTest
    @EnumSource(Precision.class)
    void attentionDecodedTokenByTokenEqualsFullCausalForward(Precision p) {
        Attention a = Attention.dense("attn", C, 4, 2, false, true, RotaryEmbedding.standard(4, 10000, 32), p);
        GradientCheck.randomize(a, new Random(1), 0.4);
        Tensor x = Tensor.gaussian(p, new Random(2), 1, B, T, C);
        Tensor full = a.forward(x, null);
        KVCache cache = a.newCache(B, 16);
        Tensor decoded = decode(x, 3, step -> a.decode(step, cache));
        assertThat(cache.length()).isEqualTo(T);
        assertThat(GradientCheck.compare(decoded, full)).isLessThan(p == Precision.FLOAT64 ? 1e-13 : 1e-6);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void llamaBlockDecodedTokenByTokenEqualsFullCausalForward(Precision p) {
        PreNormBlock block = PreNormBlock.llama("layer", C, 4, 1, 24, 1e-6, RotaryEmbedding.standard(4, 10000, 32), p);
        GradientCheck.randomize(block, new Random(3), 0.3);
        Tensor x = Tensor.gaussian(p, new Random(4), 1, B, T, C);
        Tensor full = block.forward(x, null);
        KVCache cache = block.attention().newCache(B, T);
        Tensor decoded = decode(x, 1, step -> block.decode(step, cache));
        assertThat(GradientCheck.compare(decoded, full)).isLessThan(p == Precision.FLOAT64 ? 1e-13 : 1e-6);
        cache.reset();
        Tensor again = decode(x, 4, step -> block.decode(step, cache));
        assertThat(GradientCheck.compare(again, full)).isLessThan(p == Precision.FLOAT64 ? 1e-13 : 1e-6);
    }

    /** Over 200 positions (beyond BLAS's single-thread size for the per-head products) decoding still equals the forward. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void blockedCausalForwardOverALongSequenceEqualsDecoding(Precision p) {
        Attention a = Attention.dense("attn", C, 4, 2, true, true, RotaryEmbedding.standard(4, 10000, 256), p);
        GradientCheck.randomize(a, new Random(5), 0.4);
        Tensor x = Tensor.gaussian(p, new Random(6), 1, B, 200, C);
        Tensor full = a.forward(x, null);
        KVCache cache = a.newCache(B, 200);
        Tensor decoded = decode(x, 1, step -> a.decode(step, cache));
        assertThat(GradientCheck.compare(decoded, full)).isLessThan(p == Precision.FLOAT64 ? 1e-13 : 1e-6);
    }

    /** Runs {@code prefix} positions at once, then the rest one by one, and stitches the outputs to (B,T,C). */
    private static Tensor decode(Tensor x, int prefix, java.util.function.UnaryOperator<Tensor> step) {
        Tensor out = x.zerosLike();
        int t = 0, time = x.dim(1);
        while (t < time) {
            int n = t == 0 ? prefix : 1;
            Tensor y = step.apply(slice(x, t, n));
            for (int b = 0; b < B; b++) {
                for (int i = 0; i < n * C; i++) {
                    out.set((b * time + t) * C + i, y.get(b * n * C + i));
                }
            }
            t += n;
        }
        return out;
    }

    private static Tensor slice(Tensor x, int from, int n) {
        Tensor s = Tensor.zeros(x.precision(), B, n, C);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < n * C; i++) {
                s.set(b * n * C + i, x.get((b * x.dim(1) + from) * C + i));
            }
        }
        return s;
    }
}
