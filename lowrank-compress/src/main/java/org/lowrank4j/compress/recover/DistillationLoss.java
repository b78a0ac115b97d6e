package org.lowrank4j.compress.recover;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The distillation objective on the block outputs of student and teacher, and its gradient with respect to the
 * student's block outputs (and logits). With {@code h_l} (B,T,C) the output of block l, real tokens n (mask 1) and L blocks:
 * <pre>
 *   features = (1/L) Σ_l  Σ_n ‖h_l^s[n] − h_l^t[n]‖²  /  Σ_n ‖h_l^t[n]‖²
 *   output   = (1/B) Σ_b  (1 − cos(e_b^s, e_b^t)),     e_b = pool(h_L)[b]  (mean over real tokens, or the first token)   — encoders
 *   output   = (1/N) Σ_n  KL(softmax(z_t[n]) ‖ softmax(z_s[n]))     over the N real tokens' logits z                 — decoders
 *   loss     = featureWeight · features + outputWeight · output
 * </pre>
 * Each layer's squared error is divided by the teacher's own energy on the same tokens (a relative error), so every
 * layer weighs alike whatever its scale — BERT's hidden states grow with depth and carry a few large outlier channels,
 * and a plain MSE would be ruled by the last layers and those channels. The per-batch normaliser is treated as a
 * constant (it does not depend on the student). Gradients: {@code ∂features/∂h_l^s[n] = 2 (h_l^s[n] − h_l^t[n]) / (L · Σ_n ‖h_l^t[n]‖²)};
 * {@code ∂(1 − cos)/∂e^s = −(e^t / (‖e^s‖ ‖e^t‖) − cos · e^s / ‖e^s‖²)}, spread back through the pooling;
 * {@code ∂KL/∂z_s[n] = (softmax(z_s[n]) − softmax(z_t[n])) / N}.
 */
public final class DistillationLoss {

    /**
     * @param total     the weighted loss
     * @param features  the mean relative hidden-state error (unweighted)
     * @param output    the mean {@code 1 − cos} of the pooled outputs (unweighted)
     * @param gradients ∂total/∂h_l^s per block, (B,T,C) each, zero at padding; for a decoder one more, ∂total/∂logits
     */
    public record Value(double total, double features, double output, List<Tensor> gradients) {
    }

    private DistillationLoss() {
    }

    /**
     * @param student block outputs of the student, (B,T,C) each, L of them
     * @param teacher block outputs of the teacher on the same batch
     * @param mask    (B·T) 1 for real tokens
     */
    public static Value evaluate(List<Tensor> student, List<Tensor> teacher, int[] mask, int batch, int time, Pooling pooling,
            double featureWeight, double outputWeight) {
        return evaluate(student, teacher, mask, batch, time, pooling, featureWeight, outputWeight, null);
    }

    /**
     * {@link #evaluate(List, List, int[], int, int, Pooling, double, double)} with layer l's relative error weighted
     * {@code layerWeights[l]} instead of 1/L (sensitivity-guided distillation, {@link BlockMap}); null means 1/L.
     */
    public static Value evaluate(List<Tensor> student, List<Tensor> teacher, int[] mask, int batch, int time, Pooling pooling,
            double featureWeight, double outputWeight, double[] layerWeights) {
        List<Tensor> gradients = new ArrayList<>(student.size());
        double features = features(student, teacher, mask, batch, time, featureWeight, layerWeights, gradients);
        double output = outputCosine(student.get(student.size() - 1), teacher.get(student.size() - 1), gradients.get(student.size() - 1), mask,
                batch, time, student.get(0).dim(-1), pooling, outputWeight);
        return new Value(featureWeight * features + outputWeight * output, features, output, gradients);
    }

    /**
     * The decoder objective: {@code student} and {@code teacher} hold the L block outputs (B,T,C) and, last, the logits
     * (B,T,V); the gradients returned are L + 1 likewise.
     */
    public static Value evaluateDecoder(List<Tensor> student, List<Tensor> teacher, int[] mask, int batch, int time,
            double featureWeight, double outputWeight) {
        int layers = student.size() - 1;
        if (layers < 1 || teacher.size() != student.size()) {
            throw new IllegalArgumentException("decoder distillation needs L block outputs and the logits from both models, got "
                    + student.size() + " and " + teacher.size());
        }
        List<Tensor> gradients = new ArrayList<>(student.size());
        double features = features(student.subList(0, layers), teacher.subList(0, layers), mask, batch, time, featureWeight, null, gradients);
        Tensor dlogits = student.get(layers).zerosLike();
        double output = org.lowrank4j.nn.layers.SoftmaxDivergence.klAndGradient(student.get(layers), teacher.get(layers), dlogits, mask,
                batch * time, outputWeight);
        gradients.add(dlogits);
        return new Value(featureWeight * features + outputWeight * output, features, output, gradients);
    }

    /** The mean relative error over the layers; adds one gradient tensor per layer to {@code gradients}. */
    private static double features(List<Tensor> student, List<Tensor> teacher, int[] mask, int batch, int time, double featureWeight,
            double[] layerWeights, List<Tensor> gradients) {
        int layers = student.size();
        if (layers == 0 || teacher.size() != layers) {
            throw new IllegalArgumentException("distillation needs as many teacher as student layers, got " + teacher.size() + " and " + layers);
        }
        if (layerWeights != null && layerWeights.length != layers) {
            throw new IllegalArgumentException("one weight per layer is needed, got " + layerWeights.length + " for " + layers);
        }
        int channels = student.get(0).dim(-1);
        double features = 0;
        for (int l = 0; l < layers; l++) {
            Tensor s = student.get(l), t = teacher.get(l);
            if (s.size() != batch * time * channels || t.size() != s.size()) {
                throw new IllegalArgumentException("layer " + l + ": student " + s.shapeString() + " and teacher " + t.shapeString()
                        + " are not (" + batch + ", " + time + ", " + channels + ")");
            }
            double error = 0, energy = 0;
            for (int n = 0; n < batch * time; n++) {
                if (mask[n] == 0) {
                    continue;
                }
                for (int c = n * channels; c < (n + 1) * channels; c++) {
                    double tv = t.get(c), d = s.get(c) - tv;
                    error += d * d;
                    energy += tv * tv;
                }
            }
            double scale = (layerWeights == null ? 1.0 / layers : layerWeights[l]) / Math.max(energy, Double.MIN_NORMAL);
            features += error * scale;
            Tensor g = s.zerosLike();
            if (featureWeight != 0) {
                double factor = 2 * featureWeight * scale;
                for (int n = 0; n < batch * time; n++) {
                    if (mask[n] == 0) {
                        continue;
                    }
                    for (int c = n * channels; c < (n + 1) * channels; c++) {
                        g.set(c, factor * (s.get(c) - t.get(c)));
                    }
                }
            }
            gradients.add(g);
        }
        return features;
    }

    /** Mean of 1 − cos over the batch; adds {@code weight ·} its gradient into {@code gradient}. */
    private static double outputCosine(Tensor s, Tensor t, Tensor gradient, int[] mask, int batch, int time, int channels,
            Pooling pooling, double weight) {
        double sum = 0;
        for (int b = 0; b < batch; b++) {
            double[] es = pool(s, mask, b, time, channels, pooling), et = pool(t, mask, b, time, channels, pooling);
            double dot = 0, ss = 0, tt = 0;
            for (int c = 0; c < channels; c++) {
                dot += es[c] * et[c];
                ss += es[c] * es[c];
                tt += et[c] * et[c];
            }
            double ns = Math.sqrt(ss), nt = Math.sqrt(tt);
            if (ns == 0 || nt == 0) {
                sum += 1;
                continue; // cosine undefined: counted as orthogonal, no gradient
            }
            double cos = dot / (ns * nt);
            sum += 1 - cos;
            if (weight == 0) {
                continue;
            }
            double[] de = new double[channels]; // ∂(weight · (1 − cos) / B)/∂e^s
            for (int c = 0; c < channels; c++) {
                de[c] = -weight / batch * (et[c] / (ns * nt) - cos * es[c] / ss);
            }
            spread(gradient, de, mask, b, time, channels, pooling);
        }
        return sum / batch;
    }

    /** pool(h)[b] (C). */
    static double[] pool(Tensor h, int[] mask, int b, int time, int channels, Pooling pooling) {
        double[] e = new double[channels];
        int count = 0;
        for (int t = 0; t < time; t++) {
            int n = b * time + t;
            if (pooling == Pooling.CLS ? t != 0 : mask[n] == 0) {
                continue;
            }
            count++;
            for (int c = 0; c < channels; c++) {
                e[c] += h.get(n * channels + c);
            }
        }
        for (int c = 0; c < channels; c++) {
            e[c] /= Math.max(count, 1);
        }
        return e;
    }

    /** Adds the gradient of pool(h)[b] given ∂/∂e into the gradient of h. */
    private static void spread(Tensor gradient, double[] de, int[] mask, int b, int time, int channels, Pooling pooling) {
        int count = 0;
        for (int t = 0; t < time; t++) {
            count += pooling == Pooling.CLS ? (t == 0 ? 1 : 0) : mask[b * time + t];
        }
        for (int t = 0; t < time; t++) {
            int n = b * time + t;
            if (pooling == Pooling.CLS ? t != 0 : mask[n] == 0) {
                continue;
            }
            for (int c = 0; c < channels; c++) {
                int i = n * channels + c;
                gradient.set(i, gradient.get(i) + de[c] / count);
            }
        }
    }
}
