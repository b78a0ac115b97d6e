package org.lowrank4j.linalg;

import java.util.Arrays;
import java.util.Random;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.RandomizedSvd;

/**
 * A short self-check of the numerical core on this machine: which backend loaded, sgemm throughput (median of five),
 * and the time of an exact and a randomized truncated SVD of one Gaussian matrix. The full side-by-side benchmark, with
 * JSON output, is the lowrank-bench module.
 */
public final class QuickCheck {

    private QuickCheck() {
    }

    /** The measurements; {@code backend} names the backend and, for the native one, its build. */
    public record Result(String backend, int size, int rank, double gemmGflops, double exactSeconds, double randomizedSeconds,
                         double exactTopSingularValue, double randomizedTopSingularValue) {
    }

    /** @throws IllegalArgumentException naming --size or --rank when out of range */
    public static Result run(int size, int rank) {
        if (size < 16 || size > 8192) {
            throw new IllegalArgumentException("--size must be between 16 and 8192, got " + size);
        }
        if (rank < 1 || rank > size) {
            throw new IllegalArgumentException("--rank must be between 1 and --size (" + size + "), got " + rank);
        }
        LinalgBackend backend = Linalg.backend();
        String name = backend.name() + (Linalg.nativeBackend() != null ? " (" + Linalg.nativeBackend().describe() + ")" : " (" + Linalg.nativeFailure() + ")");
        FloatMatrix a = FloatMatrix.gaussian(size, size, new Random(1)), b = FloatMatrix.gaussian(size, size, new Random(2));
        FloatMatrix c = FloatMatrix.zeros(size, size);
        backend.gemm(1, a, b, 0, c); // warm-up
        double gemm = median(() -> backend.gemm(1, a, b, 0, c), 5);
        SvdResult[] r = new SvdResult[2];
        double exact = median(() -> r[0] = new ExactSvd(backend).decompose(a, rank), 1);
        double randomized = median(() -> r[1] = new RandomizedSvd(backend, 10, 2, 42).decompose(a, rank), 3);
        return new Result(name, size, rank, 2.0 * size * size * size / gemm / 1e9, exact, randomized, r[0].s()[0], r[1].s()[0]);
    }

    private static double median(Runnable task, int reps) {
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            task.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}
