package org.lowrank4j.adapt.fastgrad;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;

/**
 * Spec 19's almost-linear attention gradient: exp(QKᵀ/√d) is replaced by U1·U2ᵀ with U1 = φ(Q), U2 = φ(K) the
 * {@link TaylorFeatures} of degree g (w features), and every term of the exact gradient is evaluated in factored form, so
 * no L×L matrix is ever formed. With D = U1(U2ᵀ1) the row sums, s = 1/√d and δ_i = dO_i·O_i:
 * <pre>
 *   O  = D⁻¹ U1 (U2ᵀ V)                                          forward, O(L·w·d)
 *   dV = U2 (U1ᵀ D⁻¹ dO)                                          = Pᵀ dO
 *   dQ = s·(Z̃ M − diag(δ/D) U1 (U2ᵀ K))                          = s·(P ⊙ dO Vᵀ − diag(δ) P) K
 *   dK = s·(W M' − U2 (U1ᵀ diag(δ/D) Q))                          = s·(P ⊙ dO Vᵀ − diag(δ) P)ᵀ Q
 * </pre>
 * where W (L × w·d) holds W[j,(r,c)] = U2[j,r]·V[j,c], Z̃ holds Z̃[i,(r,c)] = U1[i,r]·dO[i,c]/D_i, and the two (w·d × d)
 * matrices M = Wᵀ K and M' = Z̃ᵀ Q carry the sums over the other token index: the Hadamard product with dO Vᵀ factors
 * through them. The cost is O(L·w·d²) against O(L²·d) for {@link ExactAttention}, a win when L is much larger than w·d.
 * W and Z̃ are built in blocks of rows (twice: once for M and M', once for the products), so memory is O(L·w).
 *
 * <p>Causal attention ({@code causal}) runs in blocks of {@value #CAUSAL_BLOCK} tokens: within a block its triangle of
 * weights is formed as it stands, and across blocks the same factored sums run over the tokens before a query or after
 * a key, as running sums ({@link #causalGradients}): still O(L·w·d²), plus O(L·B·w) for the triangles.
 *
 * <p>The approximation holds while the scores stay small: {@link #errorBound} is the a-priori bound on every attention
 * weight's relative error. When the truncated series gives a row a sum that is not positive (scores far past the
 * threshold), the call fails with a message instead of returning meaningless gradients.
 */
public final class TaylorAttention implements AttentionCore {
    /** Entries of one block of W or Z̃ (2^21 doubles, 16 MB). */
    private static final int BLOCK_ENTRIES = 1 << 21;

    /** Query rows of one block of causal attention: its B×B triangle is computed as it stands. */
    private static final int CAUSAL_BLOCK = 64;

    private final TaylorFeatures features;
    private final boolean causal;

    /** Attention over every token. */
    public TaylorAttention(TaylorFeatures features) {
        this(features, false);
    }

    /** @param causal whether token i attends only to tokens j ≤ i (see {@link #causalGradients}) */
    public TaylorAttention(TaylorFeatures features, boolean causal) {
        this.features = features;
        this.causal = causal;
    }

    /** Features of degree {@code degree} over d = {@code dim} coordinates, attention over every token. */
    public TaylorAttention(int dim, int degree) {
        this(new TaylorFeatures(dim, degree));
    }

    @Override
    public boolean causal() {
        return causal;
    }

    public TaylorFeatures features() {
        return features;
    }

    /** {@link TaylorFeatures#errorBound} at these Q and K: the bound on each attention weight's relative error. */
    public double errorBound(DoubleMatrix q, DoubleMatrix k) {
        return TaylorFeatures.errorBound(TaylorFeatures.scoreBound(q, k), features.degree());
    }

    @Override
    public DoubleMatrix output(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v) {
        AttentionCore.check(q, k, v);
        return new Factors(q, k, v).out;
    }

    @Override
    public Gradients gradients(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v, DoubleMatrix dOut) {
        AttentionCore.check(q, k, v, dOut);
        Factors f = new Factors(q, k, v);
        if (causal) {
            return causalGradients(f, q, k, v, dOut);
        }
        int n = q.rows(), d = q.cols(), w = features.width();
        double s = 1 / Math.sqrt(d);
        LinalgBackend blas = Linalg.backend();
        OutputTerms t = new OutputTerms(f, q, dOut);
        DoubleMatrix r = t.r, scaledQ = t.scaledQ;

        DoubleMatrix dv = DoubleMatrix.zeros(n, d);
        blas.gemm(1, f.u2, times(blas, f.u1.transpose(), r), 0, dv);                 // dV = U2 (U1ᵀ D⁻¹dO)
        DoubleMatrix pk = times(blas, f.u1, times(blas, f.u2.transpose(), k));        // U1 (U2ᵀ K) = D·(P K)
        DoubleMatrix g = times(blas, f.u1.transpose(), scaledQ);                       // U1ᵀ diag(δ/D) Q

        // M = Wᵀ K and M' = Z̃ᵀ Q, summed over blocks of tokens.
        int block = Math.max(1, Math.min(n, BLOCK_ENTRIES / (w * d)));
        DoubleMatrix m = DoubleMatrix.zeros(w * d, d), mq = DoubleMatrix.zeros(w * d, d);
        for (int r0 = 0; r0 < n; r0 += block) {
            int r1 = Math.min(n, r0 + block);
            blas.gemm(1, outer(f.u2, v, null, r0, r1).transpose(), k.rowRange(r0, r1), 1, m);
            blas.gemm(1, outer(f.u1, dOut, f.rowSums, r0, r1).transpose(), q.rowRange(r0, r1), 1, mq);
        }
        DoubleMatrix dq = DoubleMatrix.zeros(n, d), dk = DoubleMatrix.zeros(n, d);
        for (int r0 = 0; r0 < n; r0 += block) {
            int r1 = Math.min(n, r0 + block);
            blas.gemm(s, outer(f.u1, dOut, f.rowSums, r0, r1), m, 0, dq.rowRange(r0, r1));   // s·Z̃ M
            blas.gemm(s, outer(f.u2, v, null, r0, r1), mq, 0, dk.rowRange(r0, r1));          // s·W M'
        }
        blas.gemm(-s, f.u2, g, 1, dk);                                                       // − s·U2 G
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                dq.set(i, c, dq.get(i, c) - s * (t.delta[i] / f.rowSums[i]) * pk.get(i, c));  // − s·diag(δ/D) U1 (U2ᵀK)
            }
        }
        return new Gradients(dq, dk, dv);
    }

    /** What every gradient term reads of dO: δ_i = dO_i·O_i, R = D⁻¹ dO and diag(δ/D) Q. */
    private static final class OutputTerms {
        final double[] delta;
        final DoubleMatrix r, scaledQ;

        OutputTerms(Factors f, DoubleMatrix q, DoubleMatrix dOut) {
            int n = q.rows(), d = q.cols();
            delta = new double[n];
            r = DoubleMatrix.zeros(n, d);
            scaledQ = DoubleMatrix.zeros(n, d);
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    delta[i] += dOut.get(i, c) * f.out.get(i, c);
                }
                double deltaOverD = delta[i] / f.rowSums[i];
                for (int c = 0; c < d; c++) {
                    r.set(i, c, dOut.get(i, c) / f.rowSums[i]);
                    scaledQ.set(i, c, deltaOverD * q.get(i, c));
                }
            }
        }
    }

    /** The forward's factors: U1, U2, the row sums D and O. */
    private final class Factors {
        final DoubleMatrix u1, u2, out;
        final double[] rowSums;

        Factors(DoubleMatrix q, DoubleMatrix k, DoubleMatrix v) {
            int n = q.rows(), d = q.cols();
            if (d != features.dim()) {
                throw new IllegalArgumentException("Taylor attention built for head dimension " + features.dim() + " got Q of " + q.shape());
            }
            LinalgBackend blas = Linalg.backend();
            u1 = features.map(q);
            u2 = features.map(k);
            DoubleMatrix withOnes = DoubleMatrix.zeros(n, d + 1);       // [V | 1]
            for (int j = 0; j < n; j++) {
                for (int c = 0; c < d; c++) {
                    withOnes.set(j, c, v.get(j, c));
                }
                withOnes.set(j, d, 1);
            }
            DoubleMatrix numerators = causal ? causalNumerators(blas, u1, u2, withOnes)
                    : times(blas, u1, times(blas, u2.transpose(), withOnes));                          // U1 (U2ᵀ [V | 1])
            rowSums = new double[n];
            out = DoubleMatrix.zeros(n, d);
            for (int i = 0; i < n; i++) {
                double sum = numerators.get(i, d);
                if (!(sum > 0) || !Double.isFinite(sum)) {
                    throw new IllegalArgumentException(String.format("Taylor attention of degree %d: row %d's attention weights sum to %.3g; the scores"
                            + " (|q·k|/√d up to %.3g) are too large for the polynomial path, use a higher degree or the exact gradient",
                            features.degree(), i, sum, TaylorFeatures.scoreBound(q, k)));
                }
                rowSums[i] = sum;
                for (int c = 0; c < d; c++) {
                    out.set(i, c, numerators.get(i, c) / sum);
                }
            }
        }
    }

    /**
     * Causal U1 U2ᵀ [V | 1] with the part above the diagonal left out, block by block: a block's own triangle as it
     * stands (B×B), the blocks before it through the running sum C = Σ U2ᵀ [V | 1] of their rows.
     */
    private static DoubleMatrix causalNumerators(LinalgBackend blas, DoubleMatrix u1, DoubleMatrix u2, DoubleMatrix withOnes) {
        int n = u1.rows();
        DoubleMatrix numerators = DoubleMatrix.zeros(n, withOnes.cols());
        DoubleMatrix c = DoubleMatrix.zeros(u1.cols(), withOnes.cols());
        for (int r0 = 0; r0 < n; r0 += CAUSAL_BLOCK) {
            int r1 = Math.min(n, r0 + CAUSAL_BLOCK);
            DoubleMatrix nb = numerators.rowRange(r0, r1), vb = withOnes.rowRange(r0, r1);
            blas.gemm(1, triangle(blas, u1, u2, r0, r1), vb, 0, nb);            // this block's own keys
            blas.gemm(1, u1.rowRange(r0, r1), c, 1, nb);                         // every key before the block
            blas.gemm(1, u2.rowRange(r0, r1).transpose(), vb, 1, c);
        }
        return numerators;
    }

    /** (U1 U2ᵀ) over the block's rows and keys, zero above the diagonal. */
    private static DoubleMatrix triangle(LinalgBackend blas, DoubleMatrix u1, DoubleMatrix u2, int r0, int r1) {
        DoubleMatrix a = times(blas, u1.rowRange(r0, r1), u2.rowRange(r0, r1).transpose());
        for (int i = 0; i < a.rows(); i++) {
            for (int j = i + 1; j < a.cols(); j++) {
                a.set(i, j, 0);
            }
        }
        return a;
    }

    /**
     * The causal gradients. Within a block of rows the B×B triangle of P is formed (with the row sums D of the whole
     * prefix) and the exact formulas run on it; across blocks the factored sums run over the blocks before a query (dQ,
     * in order: M = Σ Wᵀ K and F = Σ U2ᵀ K so far) or after a key (dK and dV, in reverse: M' = Σ Z̃ᵀ Q, G = Σ U1ᵀ diag(δ/D) Q
     * and E = Σ U1ᵀ D⁻¹dO so far). Each token pair is counted once: in its block's triangle or across blocks.
     */
    private Gradients causalGradients(Factors f, DoubleMatrix q, DoubleMatrix k, DoubleMatrix v, DoubleMatrix dOut) {
        int n = q.rows(), d = q.cols(), w = features.width();
        double s = 1 / Math.sqrt(d);
        LinalgBackend blas = Linalg.backend();
        OutputTerms t = new OutputTerms(f, q, dOut);
        double[] delta = t.delta;
        DoubleMatrix r = t.r, scaledQ = t.scaledQ;
        DoubleMatrix dq = DoubleMatrix.zeros(n, d), dk = DoubleMatrix.zeros(n, d), dv = DoubleMatrix.zeros(n, d);
        // within each block: dS = P ⊙ (dO Vᵀ − δ), as the exact path computes it
        for (int r0 = 0; r0 < n; r0 += CAUSAL_BLOCK) {
            int r1 = Math.min(n, r0 + CAUSAL_BLOCK);
            DoubleMatrix p = triangle(blas, f.u1, f.u2, r0, r1);
            DoubleMatrix ds = times(blas, dOut.rowRange(r0, r1), v.rowRange(r0, r1).transpose());
            for (int i = 0; i < p.rows(); i++) {
                for (int j = 0; j < p.cols(); j++) {
                    double pij = p.get(i, j) / f.rowSums[r0 + i];
                    p.set(i, j, pij);
                    ds.set(i, j, pij * (ds.get(i, j) - delta[r0 + i]));
                }
            }
            blas.gemm(s, ds, k.rowRange(r0, r1), 1, dq.rowRange(r0, r1));
            blas.gemm(s, ds.transpose(), q.rowRange(r0, r1), 1, dk.rowRange(r0, r1));
            blas.gemm(1, p.transpose(), dOut.rowRange(r0, r1), 1, dv.rowRange(r0, r1));
        }
        // queries against the keys of earlier blocks
        DoubleMatrix m = DoubleMatrix.zeros(w * d, d), fk = DoubleMatrix.zeros(w, d);
        for (int r0 = 0; r0 < n; r0 += CAUSAL_BLOCK) {
            int r1 = Math.min(n, r0 + CAUSAL_BLOCK);
            DoubleMatrix dqb = dq.rowRange(r0, r1);
            blas.gemm(s, outer(f.u1, dOut, f.rowSums, r0, r1), m, 1, dqb);                     // s·Z̃ M
            DoubleMatrix pk = times(blas, f.u1.rowRange(r0, r1), fk);                            // U1 F
            for (int i = 0; i < r1 - r0; i++) {
                for (int c = 0; c < d; c++) {
                    dqb.set(i, c, dqb.get(i, c) - s * delta[r0 + i] / f.rowSums[r0 + i] * pk.get(i, c));
                }
            }
            blas.gemm(1, outer(f.u2, v, null, r0, r1).transpose(), k.rowRange(r0, r1), 1, m);
            blas.gemm(1, f.u2.rowRange(r0, r1).transpose(), k.rowRange(r0, r1), 1, fk);
        }
        // keys against the queries of later blocks
        DoubleMatrix mq = DoubleMatrix.zeros(w * d, d), g = DoubleMatrix.zeros(w, d), e = DoubleMatrix.zeros(w, d);
        for (int r0 = (n - 1) / CAUSAL_BLOCK * CAUSAL_BLOCK; r0 >= 0; r0 -= CAUSAL_BLOCK) {
            int r1 = Math.min(n, r0 + CAUSAL_BLOCK);
            DoubleMatrix u2b = f.u2.rowRange(r0, r1), u1b = f.u1.rowRange(r0, r1);
            blas.gemm(s, outer(f.u2, v, null, r0, r1), mq, 1, dk.rowRange(r0, r1));          // s·W M'
            blas.gemm(-s, u2b, g, 1, dk.rowRange(r0, r1));                                       // − s·U2 G
            blas.gemm(1, u2b, e, 1, dv.rowRange(r0, r1));                                        // U2 E
            blas.gemm(1, outer(f.u1, dOut, f.rowSums, r0, r1).transpose(), q.rowRange(r0, r1), 1, mq);
            blas.gemm(1, u1b.transpose(), scaledQ.rowRange(r0, r1), 1, g);
            blas.gemm(1, u1b.transpose(), r.rowRange(r0, r1), 1, e);
        }
        return new Gradients(dq, dk, dv);
    }

    /** Rows r0..r1 of the (rows × w·d) matrix X[i,(r,c)] = U[i,r]·Y[i,c] (/ D_i when given). */
    private static DoubleMatrix outer(DoubleMatrix u, DoubleMatrix y, double[] divideBy, int r0, int r1) {
        int w = u.cols(), d = y.cols();
        DoubleMatrix out = DoubleMatrix.zeros(r1 - r0, w * d);
        double[] o = out.data(), us = u.data();
        double[] row = new double[d];
        for (int i = r0; i < r1; i++) {
            double scale = divideBy == null ? 1 : 1 / divideBy[i];
            for (int c = 0; c < d; c++) {
                row[c] = y.get(i, c) * scale;
            }
            int base = (i - r0) * w * d, ub = i * w;
            for (int rr = 0; rr < w; rr++) {
                double ur = us[ub + rr];
                int at = base + rr * d;
                for (int c = 0; c < d; c++) {
                    o[at + c] = ur * row[c];
                }
            }
        }
        return out;
    }

    private static DoubleMatrix times(LinalgBackend blas, DoubleMatrix a, DoubleMatrix b) {
        DoubleMatrix c = DoubleMatrix.zeros(a.rows(), b.cols());
        blas.gemm(1, a, b, 0, c);
        return c;
    }
}
