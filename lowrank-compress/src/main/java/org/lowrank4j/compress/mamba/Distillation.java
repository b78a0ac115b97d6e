package org.lowrank4j.compress.mamba;

import org.lowrank4j.nn.tensor.Tensor;

/** The two distillation terms of {@link StateDistillation}, each with its gradient added into a given array. */
final class Distillation {
    private Distillation() {
    }

    /**
     * Mean over rows of KL(softmax(t/τ) ‖ softmax(s/τ)) for logits (…, V); when {@code dStudent} is not null adds
     * {@code weight · ∂KL/∂s = weight · (softmax(s/τ) − softmax(t/τ)) / (τ · rows)} into it.
     */
    static double temperedKl(Tensor teacher, Tensor student, double temperature, Tensor dStudent, double weight) {
        int vocab = student.dim(-1), rows = student.size() / vocab;
        double total = 0;
        double[] p = new double[vocab], q = new double[vocab];
        for (int r = 0; r < rows; r++) {
            double logZt = softmax(teacher, r * vocab, vocab, temperature, p), logZs = softmax(student, r * vocab, vocab, temperature, q);
            for (int v = 0; v < vocab; v++) {
                if (p[v] > 0) {
                    double logP = teacher.get(r * vocab + v) / temperature - logZt, logQ = student.get(r * vocab + v) / temperature - logZs;
                    total += p[v] * (logP - logQ);
                }
            }
            if (dStudent != null) {
                double scale = weight / (temperature * rows);
                for (int v = 0; v < vocab; v++) {
                    int i = r * vocab + v;
                    dStudent.set(i, dStudent.get(i) + scale * (q[v] - p[v]));
                }
            }
        }
        return total / rows;
    }

    /** Fills out with softmax(row/τ) and returns log Σ exp(row/τ). */
    private static double softmax(Tensor logits, int offset, int vocab, double temperature, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits.get(offset + v) / temperature);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            out[v] = Math.exp(logits.get(offset + v) / temperature - max);
            sum += out[v];
        }
        for (int v = 0; v < vocab; v++) {
            out[v] /= sum;
        }
        return max + Math.log(sum);
    }

    /** ‖s − t‖² / ‖t‖²; when {@code ds} is not null adds {@code weight · 2(s − t) / ‖t‖²} into it. */
    static double normalisedSquaredError(double[] s, double[] t, double[] ds, double weight) {
        double norm = 0, error = 0;
        for (int i = 0; i < t.length; i++) {
            norm += t[i] * t[i];
            double d = s[i] - t[i];
            error += d * d;
        }
        norm = Math.max(norm, 1e-30);
        if (ds != null) {
            for (int i = 0; i < t.length; i++) {
                ds[i] += weight * 2 * (s[i] - t[i]) / norm;
            }
        }
        return error / norm;
    }
}
