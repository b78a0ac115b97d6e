package org.lowrank4j.linalg;

import java.util.Random;

/** Matrices with known structure for tests. */
public final class TestMatrices {
    private TestMatrices() {
    }

    public static DoubleMatrix gaussian(int m, int n, long seed) {
        return DoubleMatrix.gaussian(m, n, new Random(seed));
    }

    /** X·Y with X m×r, Y r×n Gaussian (rank r), plus {@code noise}·Gaussian. */
    public static DoubleMatrix plantedRank(int m, int n, int r, double noise, long seed) {
        Random random = new Random(seed);
        DoubleMatrix x = DoubleMatrix.gaussian(m, r, random), y = DoubleMatrix.gaussian(r, n, random);
        DoubleMatrix a = Linalg.multiply(x, y);
        if (noise > 0) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    a.set(i, j, a.get(i, j) + noise * random.nextGaussian());
                }
            }
        }
        return a;
    }

    /** A symmetric positive definite matrix XᵀX/n + shift·I. */
    public static DoubleMatrix spd(int n, double shift, long seed) {
        DoubleMatrix x = gaussian(2 * n + 1, n, seed);
        DoubleMatrix g = Linalg.gram(x);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                g.set(i, j, g.get(i, j) / (2 * n + 1) + (i == j ? shift : 0));
            }
        }
        return symmetrize(g);
    }

    /** A PSD matrix of exact rank r: XᵀX with X r×n. */
    public static DoubleMatrix psdOfRank(int n, int r, long seed) {
        return symmetrize(Linalg.gram(gaussian(r, n, seed)));
    }

    public static DoubleMatrix symmetrize(DoubleMatrix g) {
        int n = g.rows();
        DoubleMatrix out = DoubleMatrix.zeros(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out.set(i, j, 0.5 * (g.get(i, j) + g.get(j, i)));
            }
        }
        return out;
    }

    public static DoubleMatrix scaled(DoubleMatrix a, double factor) {
        DoubleMatrix out = a.copy();
        for (int i = 0; i < out.data().length; i++) {
            out.data()[i] *= factor;
        }
        return out;
    }

    /** ‖a − b‖_F (float64). */
    public static double distance(DenseMatrix a, DenseMatrix b) {
        DoubleMatrix d = a.toDouble().copy();
        for (int i = 0; i < d.rows(); i++) {
            for (int j = 0; j < d.cols(); j++) {
                d.set(i, j, d.get(i, j) - b.get(i, j));
            }
        }
        return d.frobeniusNorm();
    }

    /** ‖QᵀQ − I‖_max for the columns of q. */
    public static double orthogonalityError(DenseMatrix q) {
        DoubleMatrix qd = q.toDouble();
        DoubleMatrix g = Linalg.multiply(qd.transpose(), qd);
        double worst = 0;
        for (int i = 0; i < g.rows(); i++) {
            for (int j = 0; j < g.cols(); j++) {
                worst = Math.max(worst, Math.abs(g.get(i, j) - (i == j ? 1 : 0)));
            }
        }
        return worst;
    }

    /** Both backends, for parameterised contract tests. */
    public static java.util.stream.Stream<LinalgBackend> backends() {
        return java.util.stream.Stream.of(nativeBackend(), Linalg.javaBackend());
    }

    /** The native backend; fails loudly when OpenBLAS does not load. */
    public static LinalgBackend nativeBackend() {
        LinalgBackend b = Linalg.nativeBackend();
        if (b == null) {
            throw new AssertionError("OpenBLAS did not load: " + Linalg.nativeFailure());
        }
        return b;
    }
}
