package org.lowrank4j.linalg.backend;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.PivotedQrResult;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.SvdResult;

/**
 * Plain-Java kernels: the oracle the native path is tested against and the fallback when OpenBLAS cannot load.
 * Factorizations compute in float64 whatever the input type and convert back at the end. They favour
 * clarity and accuracy (Jacobi methods, Householder QR) over speed.
 */
public final class JavaBackend implements LinalgBackend {

    @Override
    public String name() {
        return "java";
    }

    /** Products are accumulated in float64 for both element types (a better oracle than float32 sums). */
    @Override
    public void gemm(double alpha, DenseMatrix a, DenseMatrix b, double beta, DenseMatrix c) {
        int m = c.rows(), n = c.cols(), k = a.cols();
        double[] x = a.toDouble().compact().data(), y = b.toDouble().compact().data();
        double[] product = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double aip = x[i * k + p];
                if (aip == 0) {
                    continue;
                }
                int row = p * n, out = i * n;
                for (int j = 0; j < n; j++) {
                    product[out + j] += aip * y[row + j];
                }
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double old = beta == 0 ? 0 : beta * c.get(i, j);
                c.set(i, j, alpha * product[i * n + j] + old);
            }
        }
    }

    /** The product with a float64 copy of {@code a} whose other triangle is set to zero. */
    @Override
    public void triangularGemm(double alpha, DenseMatrix a, boolean lower, DenseMatrix b, double beta, DenseMatrix c) {
        DoubleMatrix t = a.toDouble().copy();
        for (int i = 0; i < t.rows(); i++) {
            for (int j = 0; j < t.cols(); j++) {
                if (lower ? j > i : j < i) {
                    t.set(i, j, 0);
                }
            }
        }
        gemm(alpha, t, b, beta, c);
    }

    @Override
    public void addGram(DoubleMatrix x, DoubleMatrix g) {
        int k = x.rows(), n = x.cols();
        double[] rows = x.compact().data(), out = g.data();
        for (int t = 0; t < k; t++) {
            int base = t * n;
            for (int i = 0; i < n; i++) {
                double xi = rows[base + i];
                if (xi == 0) {
                    continue;
                }
                for (int j = 0; j <= i; j++) {
                    out[i * n + j] += xi * rows[base + j];
                }
            }
        }
        NativeBackend.mirrorLower(g);
    }

    @Override
    public void gemv(float alpha, FloatMatrix a, float[] x, float beta, float[] y) {
        for (int i = 0; i < a.rows(); i++) {
            float sum = 0;
            for (int j = 0; j < a.cols(); j++) {
                sum += (float) a.get(i, j) * x[j];
            }
            y[i] = alpha * sum + (beta == 0 ? 0 : beta * y[i]);
        }
    }

    @Override
    public void gemv(double alpha, DoubleMatrix a, double[] x, double beta, double[] y) {
        for (int i = 0; i < a.rows(); i++) {
            double sum = 0;
            for (int j = 0; j < a.cols(); j++) {
                sum += a.get(i, j) * x[j];
            }
            y[i] = alpha * sum + (beta == 0 ? 0 : beta * y[i]);
        }
    }

    @Override
    public SvdResult svd(DenseMatrix a) {
        SvdResult exact = JacobiSvd.decompose(a.toDouble());
        if (a instanceof FloatMatrix) {
            return new SvdResult(exact.u().toFloat(), exact.s(), exact.vt().toFloat());
        }
        return exact;
    }

    @Override
    public EigenResult symmetricEigen(DoubleMatrix a) {
        return JacobiEigen.decompose(a);
    }

    @Override
    public DoubleMatrix choleskyLower(DoubleMatrix a) {
        int n = a.rows();
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) {
            double diag = a.get(j, j);
            for (int p = 0; p < j; p++) {
                diag -= l[j * n + p] * l[j * n + p];
            }
            if (!(diag > 0)) {
                return null;
            }
            double root = Math.sqrt(diag);
            l[j * n + j] = root;
            for (int i = j + 1; i < n; i++) {
                double sum = a.get(i, j);
                for (int p = 0; p < j; p++) {
                    sum -= l[i * n + p] * l[j * n + p];
                }
                l[i * n + j] = sum / root;
            }
        }
        return DoubleMatrix.wrap(l, n, n);
    }

    @Override
    public DoubleMatrix solveTriangular(DoubleMatrix t, boolean lower, boolean transpose, DoubleMatrix b) {
        DoubleMatrix op = transpose ? t.transpose() : t;
        boolean opLower = lower != transpose;
        int n = b.rows();
        DoubleMatrix x = b.copy();
        for (int col = 0; col < b.cols(); col++) {
            for (int step = 0; step < n; step++) {
                int i = opLower ? step : n - 1 - step;
                double sum = x.get(i, col);
                if (opLower) {
                    for (int p = 0; p < i; p++) {
                        sum -= op.get(i, p) * x.get(p, col);
                    }
                } else {
                    for (int p = i + 1; p < n; p++) {
                        sum -= op.get(i, p) * x.get(p, col);
                    }
                }
                x.set(i, col, sum / op.get(i, i));
            }
        }
        return x;
    }

    @Override
    public QrResult qr(DenseMatrix a) {
        HouseholderQr qr = HouseholderQr.factor(a.toDouble(), false);
        if (a instanceof FloatMatrix) {
            return new QrResult(qr.q().toFloat(), qr.r().toFloat());
        }
        return new QrResult(qr.q(), qr.r());
    }

    @Override
    public PivotedQrResult pivotedQr(DoubleMatrix a) {
        HouseholderQr qr = HouseholderQr.factor(a, true);
        return new PivotedQrResult(qr.q(), qr.r(), qr.permutation());
    }
}
