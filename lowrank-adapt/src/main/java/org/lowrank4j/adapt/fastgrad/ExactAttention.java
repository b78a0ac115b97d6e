package org.lowrank4j.adapt.fastgrad;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/**
 * The reference path: softmax attention and its gradients computed exactly, O(L²·d) time, in blocks of query rows so
 * that memory stays O(block·L) rather than L². Per block of rows b (s = 1/√d):
 * <pre>
 *   P_b = softmax(s·Q_b Kᵀ)   O_b = P_b V   δ_b = rowsum(dO_b ⊙ O_b)   dS_b = P_b ⊙ (dO_b Vᵀ − δ_b)
 *   dQ_b = s·dS_b K           dK += s·dS_bᵀ Q_b                          dV += P_bᵀ dO_b
 * </pre>
 * Each row's maximum score is subtracted before the exponential, so large scores are safe here, unlike on the Taylor
 * path. Causal attention (token i attends to tokens j ≤ i) sets the weights above the diagonal to zero, and the same
 * formulas then give its gradients.
 */
public final class ExactAttention implements AttentionCore {
    /** Entries of one block's B × L score matrix (2^21 doubles, 16 MB). */
    private static final int BLOCK_ENTRIES = 1 << 21;

    private final boolean causal;

    /** Attention over every token. */
    public ExactAttention() {
        this(false);
    }

    /** @param causal whether token i attends only to tokens j ≤ i */
    public ExactAttention(boolean causal) {
        this.causal = causal;
    }

    @Override
    public boolean causal() {
        return causal;
    }

    @Override
    public DoubleMatrix output(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v) {
        AttentionCore.check(q, k, v);
        int n = q.rows();
        DoubleMatrix out = DoubleMatrix.zeros(n, v.cols());
        int block = blockRows(n);
        for (int r0 = 0; r0 < n; r0 += block) {
            int r1 = Math.min(n, r0 + block);
            DoubleMatrix p = probabilities(q.rowRange(r0, r1), k, r0);
            backend().gemm(1, p, v, 0, out.rowRange(r0, r1));
        }
        return out;
    }

    @Override
    public Gradients gradients(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v, DoubleMatrix dOut) {
        AttentionCore.check(q, k, v, dOut);
        int n = q.rows(), d = q.cols();
        double s = 1 / Math.sqrt(d);
        LinalgBackend blas = backend();
        DoubleMatrix dq = DoubleMatrix.zeros(n, d), dk = DoubleMatrix.zeros(n, d), dv = DoubleMatrix.zeros(n, d);
        int block = blockRows(n);
        for (int r0 = 0; r0 < n; r0 += block) {
            int r1 = Math.min(n, r0 + block), rows = r1 - r0;
            DoubleMatrix qb = q.rowRange(r0, r1), dOb = dOut.rowRange(r0, r1);
            DoubleMatrix p = probabilities(qb, k, r0);
            DoubleMatrix ob = DoubleMatrix.zeros(rows, d);
            blas.gemm(1, p, v, 0, ob);
            DoubleMatrix dS = DoubleMatrix.zeros(rows, n);
            blas.gemm(1, dOb, v.transpose(), 0, dS);                 // dP_b = dO_b Vᵀ
            double[] ps = p.data(), ds = dS.data();
            for (int i = 0; i < rows; i++) {
                double delta = 0;
                for (int c = 0; c < d; c++) {
                    delta += dOb.get(i, c) * ob.get(i, c);
                }
                for (int j = i * n, end = j + n; j < end; j++) {
                    ds[j] = ps[j] * (ds[j] - delta);                  // dS_b = P_b ⊙ (dP_b − δ_b)
                }
            }
            blas.gemm(s, dS, k, 0, dq.rowRange(r0, r1));             // dQ_b = s dS_b K
            blas.gemm(s, dS.transpose(), qb, 1, dk);                 // dK += s dS_bᵀ Q_b
            blas.gemm(1, p.transpose(), dOb, 1, dv);                 // dV += P_bᵀ dO_b
        }
        return new Gradients(dq, dk, dv);
    }

    /** softmax(Q_b Kᵀ/√d) row by row for the query rows from {@code first} on, each row shifted by its maximum. */
    private DoubleMatrix probabilities(DoubleMatrix qb, DoubleMatrix k, int first) {
        int rows = qb.rows(), n = k.rows();
        DoubleMatrix p = DoubleMatrix.zeros(rows, n);
        backend().gemm(1 / Math.sqrt(qb.cols()), qb, k.transpose(), 0, p);
        double[] ps = p.data();
        for (int i = 0; i < rows; i++) {
            int from = i * n, to = from + (causal ? Math.min(n, first + i + 1) : n);
            java.util.Arrays.fill(ps, to, from + n, 0); // the keys after token first + i, when causal
            double max = Double.NEGATIVE_INFINITY;
            for (int j = from; j < to; j++) {
                max = Math.max(max, ps[j]);
            }
            double sum = 0;
            for (int j = from; j < to; j++) {
                ps[j] = Math.exp(ps[j] - max);
                sum += ps[j];
            }
            double inv = 1 / sum;
            for (int j = from; j < to; j++) {
                ps[j] *= inv;
            }
        }
        return p;
    }

    private static int blockRows(int n) {
        return Math.max(1, Math.min(n, BLOCK_ENTRIES / n));
    }

    private static LinalgBackend backend() {
        return Linalg.backend();
    }
}
