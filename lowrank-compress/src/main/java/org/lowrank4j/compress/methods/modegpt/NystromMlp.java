package org.lowrank4j.compress.methods.modegpt;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/**
 * MoDeGPT module I (../shared/methods/c10-modegpt.md): a SwiGLU MLP keeps k of its intermediate channels, chosen by
 * ridge leverage on the correlation {@code C_σ = Σ_t h_t h_tᵀ} of the actual product {@code h = silu(W_g x) ⊙ (W_u x)};
 * gate and up keep those rows and the down projection is refitted by least squares on the module output,
 * {@code W_d' = W_d C_σ[:, S] (C_σ[S, S] + εI)⁻¹} (d × k), the optimum of {@code min ‖W_d H − W_d' H_S‖_F}.
 */
public final class NystromMlp {

    private NystromMlp() {
    }

    /**
     * The ridge leverage scores {@code ℓ_i = [C (C + λI)⁻¹]_ii = 1 − λ [(C + λI)⁻¹]_ii}, with {@code λ = ridge · mean(diag C)}
     * (relative, so it means the same for summed and averaged correlations).
     */
    public static double[] leverage(DoubleMatrix correlation, double ridge) {
        Linalg.requireSquare("MLP correlation", correlation);
        int n = correlation.rows();
        double lambda = ridge * meanDiagonal(correlation);
        if (!(lambda > 0)) {
            throw new IllegalArgumentException("MLP correlation " + correlation.shape() + " has no positive diagonal (calibration saw no signal)");
        }
        DoubleMatrix shifted = GramRoot.symmetric(correlation);
        for (int i = 0; i < n; i++) {
            shifted.set(i, i, shifted.get(i, i) + lambda);
        }
        DoubleMatrix lower = Linalg.backend().choleskyLower(shifted);
        if (lower == null) {
            throw new IllegalArgumentException("MLP correlation + ridge is not positive definite; is the correlation a Gram matrix?");
        }
        // (C+λI)⁻¹ = L⁻ᵀ L⁻¹: its diagonal is the column sums of squares of L⁻¹
        DoubleMatrix inverseLower = new TriangularSolve().lower(lower, DoubleMatrix.identity(n));
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            double d = 0;
            for (int j = i; j < n; j++) {
                d += inverseLower.get(j, i) * inverseLower.get(j, i);
            }
            scores[i] = 1 - lambda * d;
        }
        return scores;
    }

    /** The k channels of largest leverage, ascending (ties: the lower index). */
    public static int[] select(DoubleMatrix correlation, int k, double ridge) {
        int n = correlation.rows();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("cannot keep " + k + " of " + n + " MLP channels");
        }
        return top(leverage(correlation, ridge), k);
    }

    /**
     * The refitted down projection {@code W_d C[:, S] (C[S, S] + εI)⁻¹} (d × k) for the kept channels S, with
     * {@code ε = jitter · mean(diag C[S,S])}.
     */
    public static DoubleMatrix downProjection(DoubleMatrix down, DoubleMatrix correlation, int[] kept, double jitter) {
        if (down.cols() != correlation.rows()) {
            throw new IllegalArgumentException("down projection " + down.shape() + " does not take the " + correlation.rows() + " channels of the correlation");
        }
        int k = kept.length;
        DoubleMatrix columns = DoubleMatrix.zeros(correlation.rows(), k); // C[:, S]
        DoubleMatrix block = DoubleMatrix.zeros(k, k);                    // C[S, S] + εI
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < correlation.rows(); i++) {
                columns.set(i, j, 0.5 * (correlation.get(i, kept[j]) + correlation.get(kept[j], i)));
            }
            for (int i = 0; i < k; i++) {
                block.set(i, j, columns.get(kept[i], j));
            }
        }
        double eps = jitter * meanDiagonal(block);
        for (int i = 0; i < k; i++) {
            block.set(i, i, block.get(i, i) + eps);
        }
        DoubleMatrix lower = Linalg.backend().choleskyLower(block);
        if (lower == null) {
            throw new IllegalArgumentException("the kept MLP channels' correlation is singular; raise the jitter");
        }
        DoubleMatrix rhs = Linalg.multiply(down, columns);                  // W_d C[:, S] (d × k)
        TriangularSolve solve = new TriangularSolve();
        // X B = R with B = L Lᵀ  ⇔  B Xᵀ = Rᵀ
        DoubleMatrix y = solve.lower(lower, rhs.transpose().copy());
        return solve.lowerTransposed(lower, y).transpose().copy();
    }

    /** Rows {@code kept} of {@code w}. */
    public static DoubleMatrix rows(DoubleMatrix w, int[] kept) {
        DoubleMatrix out = DoubleMatrix.zeros(kept.length, w.cols());
        for (int i = 0; i < kept.length; i++) {
            for (int j = 0; j < w.cols(); j++) {
                out.set(i, j, w.get(kept[i], j));
            }
        }
        return out;
    }

    /** The indices of the k largest scores, ascending (stable: equal scores keep the lower index). */
    static int[] top(double[] scores, int k) {
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        Arrays.sort(out);
        return out;
    }

    static double meanDiagonal(DoubleMatrix m) {
        double sum = 0;
        for (int i = 0; i < m.rows(); i++) {
            sum += m.get(i, i);
        }
        return sum / m.rows();
    }
}
