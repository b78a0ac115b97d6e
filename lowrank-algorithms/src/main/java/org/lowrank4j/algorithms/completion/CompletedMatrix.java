package org.lowrank4j.algorithms.completion;

import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * A completed matrix in factored form, {@code X = left · rightᵀ}, with what the solver did.
 *
 * @param left             m×k
 * @param right            n×k
 * @param iterations       alternating steps (or proximal steps) run
 * @param observedResidual after each iteration, ‖P_Ω(M − X)‖_F / ‖P_Ω(M)‖_F on the entries given to the solver
 */
public record CompletedMatrix(DoubleMatrix left, DoubleMatrix right, int iterations, List<Double> observedResidual) {

    public CompletedMatrix {
        if (left.cols() != right.cols()) {
            throw new IllegalArgumentException("factors disagree in rank: left " + left.shape() + ", right " + right.shape());
        }
        observedResidual = List.copyOf(observedResidual);
        left = left.compact();
        right = right.compact();
    }

    public int rows() {
        return left.rows();
    }

    public int cols() {
        return right.rows();
    }

    public int rank() {
        return left.cols();
    }

    /** X_ij = left[i] · right[j]. */
    public double get(int i, int j) {
        double[] l = left.data(), r = right.data();
        int k = left.cols();
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += l[i * k + c] * r[j * k + c];
        }
        return sum;
    }

    /** The full m×n matrix X (dense, float64). */
    public DoubleMatrix toMatrix() {
        return Linalg.multiply(left, right.transpose());
    }

    /** Root-mean-square error of X against the given entries (for example held-out ones). */
    public double rmse(ObservedEntries truth) {
        requireShape(truth);
        double sum = 0;
        for (int e = 0; e < truth.count(); e++) {
            double d = truth.value(e) - get(truth.row(e), truth.col(e));
            sum += d * d;
        }
        return truth.count() == 0 ? 0 : Math.sqrt(sum / truth.count());
    }

    /** ‖X − M‖_F / ‖M‖_F against a dense row-major m×n truth. */
    public double relativeError(double[] truth) {
        if (truth.length != (long) rows() * cols()) {
            throw new IllegalArgumentException("truth has " + truth.length + " values for a " + rows() + "x" + cols() + " matrix");
        }
        double[] x = toMatrix().data();
        double num = 0, den = 0;
        for (int e = 0; e < x.length; e++) {
            double d = truth[e] - x[e];
            num += d * d;
            den += truth[e] * truth[e];
        }
        return Math.sqrt(num / den);
    }

    private void requireShape(ObservedEntries truth) {
        if (truth.rows() != rows() || truth.cols() != cols()) {
            throw new IllegalArgumentException("entries of a " + truth.rows() + "x" + truth.cols() + " matrix against a " + rows() + "x" + cols() + " completion");
        }
    }
}
