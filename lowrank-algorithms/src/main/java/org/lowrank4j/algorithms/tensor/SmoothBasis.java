package org.lowrank4j.algorithms.tensor;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Smooth bases over a continuous coordinate, for Tucker factors whose rows are functions of the index
 * ({@link TuckerCompletion}): the rows of U_n = Φ_n C_n vary smoothly with the coordinate of index i.
 */
public final class SmoothBasis {
    private SmoothBasis() {
    }

    /**
     * Gaussian radial basis functions with {@code count} centres spread evenly over [min, max] of the coordinates and
     * width {@code widthFactor} × the spacing of the centres: Φ[i, b] = exp(−(t_i − c_b)² / (2 w²)). I × count.
     */
    public static DoubleMatrix gaussianRbf(double[] coordinates, int count, double widthFactor) {
        if (count < 1 || count > coordinates.length || !(widthFactor > 0)) {
            throw new IllegalArgumentException("an RBF basis needs 1 to " + coordinates.length + " functions (got " + count + ") and a positive width ("
                    + widthFactor + ")");
        }
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double t : coordinates) {
            min = Math.min(min, t);
            max = Math.max(max, t);
        }
        double spacing = count == 1 ? Math.max(max - min, 1) : (max - min) / (count - 1);
        double width = Math.max(widthFactor * spacing, 1e-12);
        DoubleMatrix phi = DoubleMatrix.zeros(coordinates.length, count);
        for (int i = 0; i < coordinates.length; i++) {
            for (int b = 0; b < count; b++) {
                double centre = count == 1 ? (min + max) / 2 : min + b * spacing, d = (coordinates[i] - centre) / width;
                phi.set(i, b, Math.exp(-0.5 * d * d));
            }
        }
        return phi;
    }
}
