package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Tensor;

/**
 * KL(softmax(z_t) ‖ softmax(z_s)) between a teacher's and a student's vocabulary logits, averaged over the positions a
 * mask keeps, and its gradient with respect to the student's logits, {@code (softmax(z_s) − softmax(z_t)) / N}: the
 * output term of logit distillation (float64 arithmetic over float logits).
 */
public final class SoftmaxDivergence {
    private SoftmaxDivergence() {
    }

    /**
     * @param student  student logits (..., V)
     * @param teacher  teacher logits, the same shape
     * @param gradient where {@code weight ·} the gradient with respect to the student's logits is written (same shape);
     *                 masked-out positions are left as they are
     * @param mask     per position 1 (counted) or 0 (skipped); null counts every position
     * @param tokens   positions (size / V)
     * @return the mean divergence over the counted positions (0 when none is)
     */
    public static double klAndGradient(Tensor student, Tensor teacher, Tensor gradient, int[] mask, int tokens, double weight) {
        int vocab = student.dim(-1);
        int real = 0;
        for (int n = 0; n < tokens; n++) {
            real += mask == null ? 1 : mask[n];
        }
        double sum = 0;
        double[] ps = new double[vocab], pt = new double[vocab];
        for (int n = 0; n < tokens; n++) {
            if (mask != null && mask[n] == 0) {
                continue;
            }
            double ls = softmax(student, n * vocab, vocab, ps), lt = softmax(teacher, n * vocab, vocab, pt); // log-normalisers
            for (int v = 0; v < vocab; v++) {
                if (pt[v] > 0) {
                    double logPt = teacher.get(n * vocab + v) - lt, logPs = student.get(n * vocab + v) - ls;
                    sum += pt[v] * (logPt - logPs);
                }
                if (gradient != null) {
                    gradient.set(n * vocab + v, weight * (ps[v] - pt[v]) / real);
                }
            }
        }
        return sum / Math.max(real, 1);
    }

    /** Fills {@code p} with softmax of row {@code z[offset .. offset+width)}; returns log Σ exp(z). */
    private static double softmax(Tensor z, int offset, int width, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < width; v++) {
            max = Math.max(max, z.get(offset + v));
        }
        double total = 0;
        for (int v = 0; v < width; v++) {
            p[v] = Math.exp(z.get(offset + v) - max);
            total += p[v];
        }
        for (int v = 0; v < width; v++) {
            p[v] /= total;
        }
        return max + Math.log(total);
    }
}
