package org.lowrank4j.compress.methods.modegpt;

import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.SvdResult;

/**
 * MoDeGPT module III (../shared/methods/c10-modegpt.md): a value head V (D × C, rows of v_proj) and the output columns
 * O_h (C × D) of the g query heads that read it map x to {@code O_h V x}; with the attention block's input Gram
 * {@code G = Σ x xᵀ = R Rᵀ}, the joint whitened SVD of {@code Z = [O_1; …; O_g] V R} (gC × C, rank ≤ D) truncated to
 * k gives the best rank-k {@code [O_h' V']} in the whitened norm: {@code V' = W_kᵀ R⁻¹} (k × C),
 * {@code [O_1'; …; O_g'] = U_k Σ_k}. Z is never formed: QR of the stacked O and of (V R)ᵀ, SVD of the D × D core.
 *
 * <p>{@link #valueOnly} is the unofficial code's variant (SVD of R-whitened V alone, Σ_k W_kᵀ folded into every O_h),
 * which ignores O in the truncation; kept for comparison.
 */
public final class ValueOutputSvd {

    /** The narrowed value head (k × C) and the output columns of each query head reading it (C × k each). */
    public record Result(DoubleMatrix value, DoubleMatrix[] outputs) {
    }

    private ValueOutputSvd() {
    }

    /** The whitening root of the block input Gram after a relative ridge {@code ridge · mean(diag G)}. */
    public static GramRoot root(DoubleMatrix gram, double ridge) {
        DoubleMatrix g = GramRoot.symmetric(gram);
        double add = ridge * NystromMlp.meanDiagonal(g);
        for (int i = 0; i < g.rows(); i++) {
            g.set(i, i, g.get(i, i) + add);
        }
        return GramRoot.of(g, 1e-6, 1e-12);
    }

    /** The joint truncation of one value head and the output columns that read it to rank k. */
    public static Result joint(DoubleMatrix value, DoubleMatrix[] outputs, GramRoot root, int k) {
        int d = value.rows(), c = value.cols(), g = outputs.length;
        check(value, outputs, k);
        DoubleMatrix stacked = DoubleMatrix.zeros(g * c, d);
        for (int h = 0; h < g; h++) {
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < d; j++) {
                    stacked.set(h * c + i, j, outputs[h].get(i, j));
                }
            }
        }
        DoubleMatrix whitenedT = root.timesRoot(value).transpose().copy(); // (V R)ᵀ (C × D)
        QrResult left = Linalg.backend().qr(stacked), right = Linalg.backend().qr(whitenedT);
        DoubleMatrix core = Linalg.multiply(left.r().toDouble(), right.r().toDouble().transpose().copy()); // R_a R_bᵀ (D × D)
        SvdResult svd = Linalg.backend().svd(core);
        DoubleMatrix u = Linalg.multiply(left.q().toDouble(), svd.u().toDouble().colRange(0, k).copy());               // gC × k
        DoubleMatrix w = Linalg.multiply(right.q().toDouble(), svd.vt().toDouble().rowRange(0, k).transpose().copy()); // C × k
        DoubleMatrix newValue = root.divideByRoot(w.transpose().copy());                                               // W_kᵀ R⁻¹ (k × C)
        DoubleMatrix[] newOutputs = new DoubleMatrix[g];
        for (int h = 0; h < g; h++) {
            DoubleMatrix o = u.rowRange(h * c, (h + 1) * c).copy();
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < k; j++) {
                    o.set(i, j, o.get(i, j) * svd.s()[j]);
                }
            }
            newOutputs[h] = o;
        }
        return new Result(newValue, newOutputs);
    }

    /** The unofficial code's variant: truncate the SVD of {@code Rᵀ Vᵀ} alone and fold Σ_k W_kᵀ into each O_h. */
    public static Result valueOnly(DoubleMatrix value, DoubleMatrix[] outputs, GramRoot root, int k) {
        check(value, outputs, k);
        DoubleMatrix whitenedT = root.timesRoot(value).transpose().copy(); // Rᵀ Vᵀ (C × D) = U Σ Wᵀ
        SvdResult svd = Linalg.backend().svd(whitenedT);
        DoubleMatrix uk = svd.u().toDouble().colRange(0, k).copy();                   // C × k
        DoubleMatrix newValue = root.divideByRoot(uk.transpose().copy());             // U_kᵀ R⁻¹ (k × C)
        DoubleMatrix sw = svd.vt().toDouble().rowRange(0, k).transpose().copy();      // W_k (D × k)
        for (int i = 0; i < sw.rows(); i++) {
            for (int j = 0; j < k; j++) {
                sw.set(i, j, sw.get(i, j) * svd.s()[j]);
            }
        }
        DoubleMatrix[] newOutputs = new DoubleMatrix[outputs.length];
        for (int h = 0; h < outputs.length; h++) {
            newOutputs[h] = Linalg.multiply(outputs[h], sw);                          // O_h W_k Σ_k (C × k)
        }
        return new Result(newValue, newOutputs);
    }

    private static void check(DoubleMatrix value, DoubleMatrix[] outputs, int k) {
        int d = value.rows(), c = value.cols();
        if (outputs.length < 1 || k < 1 || k > d || d > c) {
            throw new IllegalArgumentException("cannot truncate a value head of " + value.shape() + " read by " + outputs.length + " heads to rank " + k);
        }
        for (DoubleMatrix o : outputs) {
            if (o.rows() != c || o.cols() != d) {
                throw new IllegalArgumentException("output columns " + o.shape() + " do not fit a value head of " + value.shape());
            }
        }
    }
}
