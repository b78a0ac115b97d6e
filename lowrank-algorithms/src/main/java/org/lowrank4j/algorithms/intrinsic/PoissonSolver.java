package org.lowrank4j.algorithms.intrinsic;

/**
 * Least-squares integration of a difference field on an H×W grid: {@code u = argmin Σ (u(x+1)−u(x) − gx)² + (u(y+1)−u(y) − gy)²},
 * i.e. the Neumann Poisson equation {@code Dᵀ D u = Dᵀ g}, solved by conjugate gradients from zero (the solution is
 * defined up to a constant; CG from zero keeps the mean at zero since every iterate lies in the range of DᵀD).
 */
final class PoissonSolver {
    private static final int MAX_ITERATIONS = 2000;
    private static final double TOLERANCE = 1e-8;

    private PoissonSolver() {
    }

    static double[] integrate(double[] gx, double[] gy, int h, int w) {
        int n = h * w;
        double[] b = new double[n];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                if (x + 1 < w) {
                    b[p] -= gx[p];
                    b[p + 1] += gx[p];
                }
                if (y + 1 < h) {
                    b[p] -= gy[p];
                    b[p + w] += gy[p];
                }
            }
        }
        double[] u = new double[n], r = b.clone(), d = b.clone(), q = new double[n];
        double rr = dot(r, r), stop = TOLERANCE * TOLERANCE * Math.max(rr, 1e-300);
        for (int it = 0; it < MAX_ITERATIONS && rr > stop; it++) {
            laplacian(d, q, h, w);
            double alpha = rr / dot(d, q);
            for (int i = 0; i < n; i++) {
                u[i] += alpha * d[i];
                r[i] -= alpha * q[i];
            }
            double next = dot(r, r);
            double beta = next / rr;
            rr = next;
            for (int i = 0; i < n; i++) {
                d[i] = r[i] + beta * d[i];
            }
        }
        return u;
    }

    /** q = DᵀD u (the graph Laplacian of the 4-neighbour grid). */
    private static void laplacian(double[] u, double[] q, int h, int w) {
        java.util.Arrays.fill(q, 0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                if (x + 1 < w) {
                    double d = u[p + 1] - u[p];
                    q[p] -= d;
                    q[p + 1] += d;
                }
                if (y + 1 < h) {
                    double d = u[p + w] - u[p];
                    q[p] -= d;
                    q[p + w] += d;
                }
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
