package org.lowrank4j.algorithms.butterfly;

/**
 * The exact transforms, as dense matrices built from their definitions (the oracles of the butterfly tests and the
 * targets of {@link ButterflyLearner}), and the fixed input permutations that make them butterflies.
 * Matrices are {re, im}, row-major N×N.
 */
public final class Transforms {
    private Transforms() {
    }

    /** The largest N whose N×N matrix fits one Java array (N² at most {@code Integer.MAX_VALUE - 8}): 2^15. */
    public static final int MAX_SIZE = 1 << 15;

    /** The transforms that can be learned. */
    public enum Kind {
        /** Unitary DFT: F[k, m] = exp(−2πi km/N) / √N (complex). */
        DFT,
        /** Orthonormal DCT-II: sqrt(1/N or 2/N) · cos(πk(2m+1)/(2N)) (real). */
        DCT,
        /** Walsh–Hadamard in Sylvester order divided by √N (real). */
        HADAMARD
    }

    /** The dense matrix of a transform. */
    public static double[][] matrix(Kind kind, int n) {
        double[] re = new double[n * n], im = new double[n * n];
        for (int k = 0; k < n; k++) {
            for (int m = 0; m < n; m++) {
                switch (kind) {
                    case DFT -> {
                        double angle = -2 * Math.PI * ((long) k * m % n) / n;
                        re[k * n + m] = Math.cos(angle) / Math.sqrt(n);
                        im[k * n + m] = Math.sin(angle) / Math.sqrt(n);
                    }
                    case DCT -> re[k * n + m] = Math.sqrt((k == 0 ? 1.0 : 2.0) / n) * Math.cos(Math.PI * k * (2 * m + 1) / (2.0 * n));
                    case HADAMARD -> re[k * n + m] = (Integer.bitCount(k & m) % 2 == 0 ? 1 : -1) / Math.sqrt(n);
                }
            }
        }
        return new double[][] {re, im};
    }

    /**
     * The orthonormal DCT-II with its sine companion as imaginary part: T[k, m] = s_k·exp(∓iπk(2m+1)/(2N)), minus for
     * even m and plus for odd m (s_k = sqrt(1/N) for k = 0, sqrt(2/N) otherwise). Its real part is the DCT-II exactly, and
     * it equals diag(s_k·exp(−iπk/(2N))) · F · P_Makhoul (F the unnormalised DFT), so a complex butterfly with the
     * makhoul-bit-reversal input permutation represents it exactly: the target of the DCT's {@code complex} objective.
     */
    public static double[][] dctWithSineCompanion(int n) {
        double[] re = new double[n * n], im = new double[n * n];
        for (int k = 0; k < n; k++) {
            double scale = Math.sqrt((k == 0 ? 1.0 : 2.0) / n);
            for (int m = 0; m < n; m++) {
                double angle = Math.PI * ((long) k * (2 * m + 1) % (4L * n)) / (2.0 * n);
                re[k * n + m] = scale * Math.cos(angle);
                im[k * n + m] = (m % 2 == 0 ? -1 : 1) * scale * Math.sin(angle);
            }
        }
        return new double[][] {re, im};
    }

    /** The index with its log2(n) bits reversed, for each index. */
    public static int[] bitReversal(int n) {
        int bits = Integer.numberOfTrailingZeros(n);
        int[] perm = new int[n];
        for (int k = 0; k < n; k++) {
            perm[k] = bits == 0 ? 0 : Integer.reverse(k) >>> (32 - bits);
        }
        return perm;
    }

    /** Makhoul's reordering for the DCT: v = [x0, x2, x4, …, x5, x3, x1], as v[k] = x[perm[k]]. */
    public static int[] makhoul(int n) {
        int[] perm = new int[n];
        for (int k = 0; k < n / 2; k++) {
            perm[k] = 2 * k;
            perm[n - 1 - k] = 2 * k + 1;
        }
        return perm;
    }

    /** The composition: (first then second) as an index map x[first[second[k]]]. */
    public static int[] compose(int[] first, int[] second) {
        int[] out = new int[first.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = first[second[k]];
        }
        return out;
    }

    public static int[] identity(int n) {
        int[] perm = new int[n];
        for (int k = 0; k < n; k++) {
            perm[k] = k;
        }
        return perm;
    }
}
