package org.lowrank4j.cli;

import java.util.Random;
import java.util.concurrent.Callable;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.RandomizedSvd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A short self-check of the numerical core on this machine: which BLAS loaded, sgemm throughput, exact and
 * randomized SVD times. The full side-by-side benchmark (with EJML) is the lowrank-bench module.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Quick benchmark of the numerical core on this machine.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "1024", description = "Matrix size n (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rank", defaultValue = "64", description = "Rank for the truncated SVDs (default ${DEFAULT-VALUE}).")
    int rank;

    @Override
    public Integer call() {
        if (size < 16 || size > 8192) {
            throw new IllegalArgumentException("--size must be between 16 and 8192, got " + size);
        }
        if (rank < 1 || rank > size) {
            throw new IllegalArgumentException("--rank must be between 1 and --size (" + size + "), got " + rank);
        }
        LinalgBackend backend = Linalg.backend();
        System.out.println("lowrank4j " + Version.number() + " — backend: " + backend.name()
                + (Linalg.nativeBackend() != null ? " (" + Linalg.nativeBackend().describe() + ")" : " (" + Linalg.nativeFailure() + ")"));
        FloatMatrix a = FloatMatrix.gaussian(size, size, new Random(1)), b = FloatMatrix.gaussian(size, size, new Random(2));
        FloatMatrix c = FloatMatrix.zeros(size, size);
        backend.gemm(1, a, b, 0, c);
        double gemm = median(() -> backend.gemm(1, a, b, 0, c), 5);
        System.out.printf("sgemm %d³: %.1f GFLOP/s (%d threads)%n", size, 2.0 * size * size * size / gemm / 1e9, Runtime.getRuntime().availableProcessors());
        SvdResult[] r = new SvdResult[2];
        double exact = median(() -> r[0] = new ExactSvd(backend).decompose(a, rank), 1);
        double randomized = median(() -> r[1] = new RandomizedSvd(backend, 10, 2, 42).decompose(a, rank), 3);
        System.out.printf("thin SVD %d² truncated to %d: exact %.3f s, randomized %.3f s (%.1fx faster); top singular value %.4f vs %.4f%n",
                size, rank, exact, randomized, exact / randomized, r[0].s()[0], r[1].s()[0]);
        return 0;
    }

    private static double median(Runnable task, int reps) {
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            task.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        java.util.Arrays.sort(t);
        return t[reps / 2];
    }
}
