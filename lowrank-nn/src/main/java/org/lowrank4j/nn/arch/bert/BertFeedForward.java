package org.lowrank4j.nn.arch.bert;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.GeluVariant;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * BERT's feed-forward {@code down(gelu(up(x)))}, (B,T,C) -> (B,T,H) -> (B,T,C), as {@link org.lowrank4j.nn.layers.GeluMlp}
 * but with a faster float32 erf-GELU: an exp-free rational approximation of erf (max error about 1e-7, below float32
 * resolution of the outputs), split over the cores for large activations. The GELU was the largest non-BLAS cost of a
 * MiniLM forward. Float64 and the backward pass use the shared {@link Kernels} (exact erf).
 */
public final class BertFeedForward implements Layer {
    private static final int PARALLEL_THRESHOLD = 1 << 16;
    private final Linear up;   // C -> H
    private final Linear down; // H -> C
    private final GeluVariant variant;
    private Tensor hidden;     // up(x) (B,T,H), the GELU input

    public BertFeedForward(Linear up, Linear down, GeluVariant variant) {
        if (up.outFeatures() != down.inFeatures() || up.inFeatures() != down.outFeatures()) {
            throw new IllegalArgumentException("MLP " + up.name() + " (" + up.inFeatures() + " -> " + up.outFeatures() + ") and "
                    + down.name() + " (" + down.inFeatures() + " -> " + down.outFeatures() + ") do not compose to C -> C");
        }
        this.up = up;
        this.down = down;
        this.variant = variant;
    }

    public Linear up() {
        return up;
    }

    public Linear down() {
        return down;
    }

    @Override
    public Tensor forward(Tensor x) {
        hidden = up.forward(x);
        Tensor activated = hidden.zerosLike();
        if (hidden.precision() == Precision.FLOAT32 && variant == GeluVariant.ERF) {
            geluErf(((FloatTensor) activated).data(), ((FloatTensor) hidden).data());
        } else {
            Kernels.of(hidden).geluForward(activated, hidden, variant);
        }
        return down.forward(activated);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dactivated = down.backward(dy);
        Tensor dhidden = dactivated.zerosLike();
        Kernels.of(dy).geluBackward(dhidden, dactivated, hidden, variant);
        return up.backward(dhidden);
    }

    /** {@code out = 0.5·x·(1 + erf(x/√2))}, in parallel chunks when large. */
    static void geluErf(float[] out, float[] in) {
        int n = in.length;
        int chunks = n < PARALLEL_THRESHOLD ? 1 : Math.min(Runtime.getRuntime().availableProcessors(), n / (PARALLEL_THRESHOLD / 2));
        if (chunks <= 1) {
            geluErf(out, in, 0, n);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(c -> geluErf(out, in, (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    private static void geluErf(float[] out, float[] in, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = in[i];
            out[i] = 0.5f * x * (1f + erf(x * 0.70710678f));
        }
    }

    /**
     * erf(x) for float32 without exp: {@code x·P(x²)/Q(x²)} on x clamped to [−4, 4] (the rational approximation of
     * Eigen's {@code generic_fast_erf_float}); absolute error about 1e-7.
     */
    static float erf(float x) {
        float c = Math.max(-4f, Math.min(4f, x));
        float x2 = c * c;
        float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
        p = x2 * p + -2.10102402082508e-06f;
        p = x2 * p + -5.69250639462346e-05f;
        p = x2 * p + -7.34990630326855e-04f;
        p = x2 * p + -2.95459980854025e-03f;
        p = x2 * p + -1.60960333262415e-02f;
        p = c * p;
        float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
        q = x2 * q + -1.68282697438203e-03f;
        q = x2 * q + -7.37332916720468e-03f;
        q = x2 * q + -1.42647390514189e-02f;
        return p / q;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(up.parameters());
        out.addAll(down.parameters());
        return out;
    }
}
