package org.lowrank4j.algorithms.completion;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;

/**
 * Soft-impute (Mazumder, Hastie and Tibshirani, JMLR 2010): the nuclear-norm-regularised completion
 * min_Z ½‖P_Ω(M − Z)‖²_F + λ‖Z‖_* by the proximal fixed point
 * <pre>
 *   Z ← S_λ( P_Ω(M) + P_Ω⊥(Z) ) = S_λ( P_Ω(M − Z) + Z )      S_λ: soft-threshold the singular values by λ
 * </pre>
 * where the argument is sparse plus low rank, so its leading singular triplets come from randomized subspace
 * iteration warm-started at the previous right vectors, capped at {@code maxRank}. Stops when
 * ‖Z_new − Z_old‖²_F / ‖Z_old‖²_F &lt; tolerance. The baseline the alternating minimisation is measured against.
 */
public final class SoftImpute {

    /**
     * @param lambda        λ, the nuclear-norm weight (in the units of the entries)
     * @param maxRank       the most singular values kept per step
     * @param maxIterations the most proximal steps
     * @param tolerance     relative change of Z at which to stop
     * @param seed          seeds the first sketch
     */
    public record Options(double lambda, int maxRank, int maxIterations, double tolerance, long seed) {
        public Options {
            if (!(lambda >= 0) || maxRank < 1 || maxIterations < 1 || !(tolerance >= 0)) {
                throw new IllegalArgumentException("soft-impute needs lambda >= 0 (" + lambda + "), maxRank >= 1 (" + maxRank
                        + "), iterations >= 1 (" + maxIterations + ") and tolerance >= 0 (" + tolerance + ")");
            }
        }
    }

    /** A completion with the λ it used and, when λ was chosen on held-out entries, the validation RMSE of each λ tried. */
    public record Fit(CompletedMatrix completion, double lambda, double[] lambdasTried, double[] validationRmse) {
    }

    private SoftImpute() {
    }

    /** Soft-impute at one λ from Z = 0. */
    public static CompletedMatrix complete(ObservedEntries observed, Options options) {
        validate(observed, options.maxRank());
        return Linalg.withSingleThreadedBlas(() -> run(observed, options, null, null)); // small products: see RobustAltMin
    }

    /**
     * Chooses λ on held-out observed entries and refits on all of them: {@code validationFraction} of Ω (seeded) is
     * held out, soft-impute runs down a geometric path of {@code steps} values of λ from σ₁(P_Ω(M)) / 2 to
     * σ₁ · {@code smallest} (warm starts), and the path is run again on all of Ω down to the λ with the lowest held-out
     * RMSE.
     */
    public static Fit completeWithValidation(ObservedEntries observed, int maxRank, int steps, double smallest, double validationFraction,
                                             int maxIterations, long seed) {
        validate(observed, maxRank);
        return Linalg.withSingleThreadedBlas(() -> path(observed, maxRank, steps, smallest, validationFraction, maxIterations, seed));
    }

    private static Fit path(ObservedEntries observed, int maxRank, int steps, double smallest, double validationFraction, int maxIterations, long seed) {
        if (steps < 1 || !(smallest > 0 && smallest < 1) || !(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("soft-impute path needs steps >= 1 (" + steps + "), smallest in (0, 1) (" + smallest
                    + ") and a validation fraction in (0, 1) (" + validationFraction + ")");
        }
        Random random = new Random(seed);
        boolean[] train = new boolean[observed.count()];
        boolean[] held = new boolean[observed.count()];
        for (int e = 0; e < train.length; e++) {
            train[e] = random.nextDouble() >= validationFraction;
            held[e] = !train[e];
        }
        ObservedEntries fit = observed.subset(train), validation = observed.subset(held);
        double top = largestSingularValue(observed);
        double[] lambdas = new double[steps];
        double[] rmse = new double[steps];
        DoubleMatrix left = null, right = null;
        int best = 0;
        for (int s = 0; s < steps; s++) {
            lambdas[s] = top / 2 * Math.pow(2 * smallest, steps == 1 ? 0 : (double) s / (steps - 1));
            CompletedMatrix z = run(fit, new Options(lambdas[s], maxRank, maxIterations, 1e-5, seed), left, right);
            left = z.left();
            right = z.right();
            rmse[s] = z.rmse(validation);
            if (rmse[s] < rmse[best]) {
                best = s;
            }
        }
        CompletedMatrix all = null; // refit on all of Ω down the same path, warm-started, to the chosen λ
        for (int s = 0; s <= best; s++) {
            all = run(observed, new Options(lambdas[s], maxRank, maxIterations, 1e-5, seed), all == null ? null : all.left(), all == null ? null : all.right());
        }
        return new Fit(all, lambdas[best], lambdas, rmse);
    }

    private static void validate(ObservedEntries observed, int maxRank) {
        if (maxRank > Math.min(observed.rows(), observed.cols())) {
            throw new IllegalArgumentException("rank " + maxRank + " is above the dimensions of the " + observed.rows() + "x" + observed.cols()
                    + " matrix (at most " + Math.min(observed.rows(), observed.cols()) + ")");
        }
        observed.requireEveryRowAndColumn();
    }

    static double largestSingularValue(ObservedEntries observed) {
        double[] values = new double[observed.count()];
        for (int e = 0; e < values.length; e++) {
            values[e] = observed.value(e);
        }
        SvdResult top = OperatorSvd.leading(new SparsePlusLowRank(observed, values, 1, null, null), 1, 6, null, 7);
        return top.s()[0];
    }

    /** Proximal iterations from Z = left · rightᵀ (null: zero). */
    private static CompletedMatrix run(ObservedEntries observed, Options options, DoubleMatrix left, DoubleMatrix right) {
        int m = observed.rows(), n = observed.cols();
        if (left == null) {
            left = DoubleMatrix.zeros(m, 0);
            right = DoubleMatrix.zeros(n, 0);
        }
        double norm = RobustAltMin.norm(observed);
        List<Double> residuals = new ArrayList<>();
        int t = 0;
        while (t < options.maxIterations()) {
            double[] residual = new double[observed.count()];
            CompletedMatrix z = new CompletedMatrix(left, right, 0, List.of());
            double sq = 0;
            for (int e = 0; e < residual.length; e++) {
                residual[e] = observed.value(e) - z.get(observed.row(e), observed.col(e));
                sq += residual[e] * residual[e];
            }
            if (t > 0) {
                residuals.add(Math.sqrt(sq) / norm);
            }
            SparsePlusLowRank y = new SparsePlusLowRank(observed, residual, 1, left.cols() == 0 ? null : left, left.cols() == 0 ? null : right);
            SvdResult svd = OperatorSvd.leading(y, options.maxRank(), 1, right.cols() == 0 ? null : right, options.seed() + t);
            int kept = 0;
            while (kept < svd.rank() && svd.s()[kept] > options.lambda()) {
                kept++;
            }
            DoubleMatrix newLeft = DoubleMatrix.zeros(m, kept), newRight = DoubleMatrix.zeros(n, kept);
            for (int c = 0; c < kept; c++) {
                double d = svd.s()[c] - options.lambda();
                for (int i = 0; i < m; i++) {
                    newLeft.set(i, c, svd.u().get(i, c) * d);
                }
                for (int j = 0; j < n; j++) {
                    newRight.set(j, c, svd.vt().get(c, j));
                }
            }
            double change = differenceSquared(left, right, newLeft, newRight), size = inner(left, right, left, right);
            left = newLeft;
            right = newRight;
            t++;
            if (size > 0 && change / size < options.tolerance()) {
                break;
            }
        }
        return new CompletedMatrix(left, right, t, residuals);
    }

    /** ⟨A Bᵀ, C Dᵀ⟩_F = trace((Aᵀ C)(Dᵀ B)). */
    private static double inner(DoubleMatrix a, DoubleMatrix b, DoubleMatrix c, DoubleMatrix d) {
        if (a.cols() == 0 || c.cols() == 0) {
            return 0;
        }
        DoubleMatrix ac = Linalg.multiply(a.transpose(), c), db = Linalg.multiply(d.transpose(), b);
        double sum = 0;
        for (int i = 0; i < ac.rows(); i++) {
            for (int j = 0; j < ac.cols(); j++) {
                sum += ac.get(i, j) * db.get(j, i);
            }
        }
        return sum;
    }

    private static double differenceSquared(DoubleMatrix a, DoubleMatrix b, DoubleMatrix c, DoubleMatrix d) {
        return inner(a, b, a, b) + inner(c, d, c, d) - 2 * inner(a, b, c, d);
    }
}
