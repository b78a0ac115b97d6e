package org.lowrank4j.adapt.fastgrad;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * One attention head, O = softmax(QKᵀ/√d)·V over L tokens, over every token or causal (token i attends to tokens
 * j ≤ i), and its gradients with respect to Q, K and V given dL/dO. Two implementations: {@link ExactAttention},
 * O(L²·d), and {@link TaylorAttention}, spec 19's polynomial path, O(L·w·d²) for w Taylor features, which never forms
 * an L×L matrix.
 */
public interface AttentionCore {
    /** Whether token i attends only to tokens j ≤ i. */
    boolean causal();

    /** O (L × d) for Q, K, V (L × d each). */
    DoubleMatrix output(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v);

    /** dQ, dK, dV for Q, K, V and dO (all L × d). */
    Gradients gradients(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v, DoubleMatrix dOut);

    /** dL/dQ, dL/dK, dL/dV, each L × d. */
    record Gradients(DoubleMatrix dq, DoubleMatrix dk, DoubleMatrix dv) {
    }

    /** Same shapes (L × d, L ≥ 1) and finite values, or a one-line error naming the operand. */
    static void check(DoubleMatrix... operands) {
        String[] names = {"Q", "K", "V", "dO"};
        DoubleMatrix first = operands[0];
        for (int i = 0; i < operands.length; i++) {
            DoubleMatrix m = operands[i];
            if (m.rows() != first.rows() || m.cols() != first.cols() || m.rows() == 0 || m.cols() == 0) {
                throw new IllegalArgumentException("attention operands must all be L x d with L, d >= 1: Q is " + first.shape() + ", " + names[i]
                        + " is " + m.shape());
            }
            int[] bad = m.firstNonFinite();
            if (bad != null) {
                throw new IllegalArgumentException("attention operand " + names[i] + " has a non-finite value at (" + bad[0] + ", " + bad[1] + ")");
            }
        }
    }
}
