package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.ejml.dense.row.factory.DecompositionFactory_FDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F32;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.backend.NativeBackend;
import org.lowrank4j.linalg.decomposition.Cholesky;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.RandomizedSvd;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/** The benchmark cases of the foundation issue; each compares contenders side by side in one run. */
final class LinalgBenchmarks {
    private final NativeBackend nb;
    private final double peakPerCore;
    private final boolean quick;
    private final int cores = Runtime.getRuntime().availableProcessors();

    LinalgBenchmarks(NativeBackend nb, double peakPerCore, boolean quick) {
        this.nb = nb;
        this.peakPerCore = peakPerCore;
        this.quick = quick;
    }

    /** sgemm n×n×n at 1 and all threads, against EJML (single- and multi-threaded) in the same rounds. */
    void gemm(ArrayNode out) {
        System.out.printf("%nsgemm (median of rounds; EJML: CommonOps_FDRM / CommonOps_MT_FDRM)%n");
        System.out.printf("%6s %8s %12s %10s %12s %10s%n", "n", "threads", "GFLOP/s", "of peak", "EJML GFLOP/s", "speed-up");
        int[] sizes = quick ? new int[] {256, 512} : new int[] {512, 1024, 2048};
        for (int n : sizes) {
            FloatMatrix a = FloatMatrix.gaussian(n, n, new Random(1)), b = FloatMatrix.gaussian(n, n, new Random(2));
            FloatMatrix c = FloatMatrix.zeros(n, n);
            FMatrixRMaj ea = ejml(a), eb = ejml(b), ec = new FMatrixRMaj(n, n);
            double flops = 2.0 * n * n * n;
            for (int threads : new int[] {1, cores}) {
                nb.setThreads(threads);
                int ours = n >= 2048 ? 5 : 9, theirs = n >= 2048 ? 2 : 3;
                Runnable ejmlTask = threads == 1 ? () -> CommonOps_FDRM.mult(ea, eb, ec) : () -> CommonOps_MT_FDRM.mult(ea, eb, ec);
                double[] t = Stopwatch.alternate(new int[] {ours, theirs}, () -> nb.gemm(1, a, b, 0, c), ejmlTask);
                double gflops = flops / t[0] / 1e9, ejmlGflops = flops / t[1] / 1e9;
                double fraction = gflops / (peakPerCore * threads);
                System.out.printf("%6d %8d %12.1f %9.1f%% %12.2f %9.1fx%n", n, threads, gflops, 100 * fraction, ejmlGflops, t[1] / t[0]);
                ObjectNode row = out.addObject();
                row.put("n", n).put("threads", threads).put("seconds", t[0]).put("gflops", gflops)
                        .put("fraction_of_nominal_peak", fraction).put("ejml_seconds", t[1]).put("ejml_gflops", ejmlGflops)
                        .put("speedup_vs_ejml", t[1] / t[0]);
                if (threads == cores) {
                    break;
                }
            }
        }
        nb.setThreads(cores);
    }

    /** Thin SVD (values and both factors) in fp32: OpenBLAS sgesdd at 1 and all threads vs EJML. */
    void thinSvd(ArrayNode out) {
        System.out.printf("%nthin SVD fp32 (u, s, vt): OpenBLAS sgesdd vs EJML DecompositionFactory_FDRM.svd (single-threaded)%n");
        System.out.printf("%12s %14s %14s %12s %12s %12s%n", "shape", "ours 1T (s)", "ours " + cores + "T (s)", "EJML (s)", "speed-up 1T", "speed-up " + cores + "T");
        int[][] shapes = quick ? new int[][] {{256, 256}, {512, 256}} : new int[][] {{1024, 1024}, {2048, 2048}, {4096, 1024}};
        for (int[] shape : shapes) {
            int m = shape[0], n = shape[1];
            FloatMatrix a = FloatMatrix.gaussian(m, n, new Random(3));
            FMatrixRMaj ea = ejml(a);
            ExactSvd svd = new ExactSvd(nb);
            Runnable one = () -> {
                nb.setThreads(1);
                svd.decompose(a);
            };
            Runnable all = () -> {
                nb.setThreads(cores);
                svd.decompose(a);
            };
            Runnable reference = () -> {
                SingularValueDecomposition_F32<FMatrixRMaj> d = DecompositionFactory_FDRM.svd(m, n, true, true, true);
                if (!d.decompose(ea.copy())) {
                    throw new IllegalStateException("EJML SVD failed");
                }
            };
            boolean big = (long) m * n > 1024L * 1024;
            double[] t = Stopwatch.alternate(new int[] {3, 3, big ? 1 : 2}, one, all, reference);
            System.out.printf("%12s %14.3f %14.3f %12.3f %11.1fx %11.1fx%n", m + "x" + n, t[0], t[1], t[2], t[2] / t[0], t[2] / t[1]);
            ObjectNode row = out.addObject();
            row.put("m", m).put("n", n).put("seconds_1_thread", t[0]).put("seconds_all_threads", t[1]).put("ejml_seconds", t[2])
                    .put("speedup_vs_ejml_1_thread", t[2] / t[0]).put("speedup_vs_ejml_all_threads", t[2] / t[1]);
        }
        nb.setThreads(cores);
    }

    /**
     * Randomized SVD (rank 128, oversampling 10, 2 power iterations) against the exact truncated SVD on a
     * 4096² fp32 matrix with a known spectrum σ_i = (i + 1)^-0.7 (a slowly decaying, weight-like spectrum).
     */
    void randomizedSvd(ObjectNode out) {
        int n = quick ? 1024 : 4096, rank = quick ? 32 : 128;
        System.out.printf("%nrandomized SVD vs exact truncated SVD, %dx%d fp32, rank %d, oversampling 10, 2 power iterations, %d threads%n",
                n, n, rank, cores);
        nb.setThreads(cores);
        FloatMatrix a = matrixWithSpectrum(n, 0.7);
        ExactSvd exact = new ExactSvd(nb);
        RandomizedSvd randomized = new RandomizedSvd(nb, 10, 2, 42);
        SvdResult[] results = new SvdResult[2];
        double[] t = Stopwatch.alternate(new int[] {1, 3}, () -> results[0] = exact.decompose(a, rank),
                () -> results[1] = randomized.decompose(a, rank));
        double exactError = residual(a, results[0]), randomizedError = residual(a, results[1]);
        double optimal = 0;
        for (int i = rank; i < n; i++) {
            optimal += Math.pow(i + 1, -1.4);
        }
        optimal = Math.sqrt(optimal);
        System.out.printf("exact %.2f s, randomized %.3f s: %.1fx faster; Frobenius error exact %.5f, randomized %.5f (ratio %.4f; analytic optimum %.5f)%n",
                t[0], t[1], t[0] / t[1], exactError, randomizedError, randomizedError / exactError, optimal);
        out.put("n", n).put("rank", rank).put("oversampling", 10).put("power_iterations", 2).put("spectrum", "sigma_i = (i+1)^-0.7")
                .put("threads", cores).put("exact_seconds", t[0]).put("randomized_seconds", t[1]).put("speedup", t[0] / t[1])
                .put("exact_frobenius_error", exactError).put("randomized_frobenius_error", randomizedError)
                .put("error_ratio", randomizedError / exactError).put("analytic_optimal_error", optimal);
    }

    /** syevd (values and vectors) and potrf of an SPD matrix, float64, all threads. */
    void symmetric(ObjectNode out) {
        int n = quick ? 1024 : 4096;
        nb.setThreads(cores);
        DoubleMatrix x = DoubleMatrix.gaussian(n, n, new Random(4));
        DoubleMatrix g = (DoubleMatrix) Linalg.multiply(nb, x.transpose(), x);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                g.set(j, i, g.get(i, j)); // exact symmetry
            }
            g.set(i, i, g.get(i, i) + n);
        }
        SymmetricEigen eigen = new SymmetricEigen(nb);
        Cholesky cholesky = new Cholesky(nb, 1e-10, 8);
        double[] t = Stopwatch.alternate(new int[] {2, 5}, () -> eigen.decompose(g), () -> cholesky.decompose(g));
        double potrfGflops = (double) n * n * n / 3 / t[1] / 1e9;
        System.out.printf("%nSPD %dx%d float64, %d threads: dsyevd (with vectors) %.2f s, dpotrf %.3f s (%.1f GFLOP/s)%n", n, n, cores, t[0], t[1], potrfGflops);
        out.put("n", n).put("threads", cores).put("syevd_seconds", t[0]).put("potrf_seconds", t[1]).put("potrf_gflops", potrfGflops);
    }

    private static FMatrixRMaj ejml(FloatMatrix a) {
        FMatrixRMaj m = new FMatrixRMaj(a.rows(), a.cols());
        System.arraycopy(a.compact().data(), 0, m.data, 0, a.rows() * a.cols());
        return m;
    }

    /** Q1 · diag(σ) · Q2ᵀ with Haar-like orthogonal factors from QR of Gaussian matrices. */
    private FloatMatrix matrixWithSpectrum(int n, double decay) {
        DenseMatrix q1 = nb.qr(FloatMatrix.gaussian(n, n, new Random(5))).q();
        DenseMatrix q2 = nb.qr(FloatMatrix.gaussian(n, n, new Random(6))).q();
        for (int j = 0; j < n; j++) {
            double sigma = Math.pow(j + 1, -decay);
            for (int i = 0; i < n; i++) {
                q1.set(i, j, q1.get(i, j) * sigma);
            }
        }
        return (FloatMatrix) Linalg.multiply(nb, q1, q2.transpose());
    }

    /** ‖a − u·diag(s)·vt‖_F, measured. */
    private double residual(FloatMatrix a, SvdResult r) {
        FloatMatrix us = (FloatMatrix) r.u().copy();
        for (int i = 0; i < us.rows(); i++) {
            for (int j = 0; j < us.cols(); j++) {
                us.set(i, j, us.get(i, j) * r.s()[j]);
            }
        }
        FloatMatrix diff = a.copy();
        nb.gemm(-1, us, r.vt(), 1, diff);
        return diff.toDouble().frobeniusNorm();
    }
}
