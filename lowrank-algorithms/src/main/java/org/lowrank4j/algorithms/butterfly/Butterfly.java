package org.lowrank4j.algorithms.butterfly;

import java.util.Random;

/**
 * An N×N butterfly matrix (N = 2^L): the product of L sparse butterfly factors with strides 1, 2, …, N/2 (stride 1
 * applied first, "increasing stride"), each factor a 2×2 complex matrix per index pair. Dao, Gu, Eichhorn, Rudra and
 * Ré, ICML 2019, arXiv:1903.05895; spec ../shared/methods/17-butterfly-kaleidoscope.md.
 *
 * <pre>
 * level l (stride s = 2^l), block b = 0..N/(2s)−1, offset t = 0..s−1:
 *     i = b·2s + t,  j = i + s,  w = twiddle[l][b·s + t] = [[a, b], [c, d]]
 *     y[i] = a·x[i] + b·x[j];   y[j] = c·x[i] + d·x[j]
 * </pre>
 * Twiddles are stored as paired real arrays {@code re[l][4p + q]}, {@code im[l][4p + q]} (q = 0..3 for a, b, c, d;
 * p = b·s + t) — shape (L, N/2, 2, 2) like the reference's (nstacks = 1, nblocks = 1). A real butterfly keeps every
 * imaginary part zero. O(N log N) parameters and operations per vector.
 */
public final class Butterfly {
    private final int n;
    private final int levels;
    private final boolean complex;
    final double[][] re; // (L, 4·N/2)
    final double[][] im; // (L, 4·N/2)

    private Butterfly(int n, boolean complex) {
        if (n < 2 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("a butterfly needs a size that is a power of two (at least 2), got " + n);
        }
        this.n = n;
        this.levels = Integer.numberOfTrailingZeros(n);
        this.complex = complex;
        this.re = new double[levels][2 * n];
        this.im = new double[levels][2 * n];
    }

    /** Every factor the identity. */
    public static Butterfly identity(int n, boolean complex) {
        Butterfly b = new Butterfly(n, complex);
        for (int l = 0; l < b.levels; l++) {
            for (int p = 0; p < n / 2; p++) {
                b.re[l][4 * p] = 1;
                b.re[l][4 * p + 3] = 1;
            }
        }
        return b;
    }

    /**
     * The reference's 'ortho' initialisation: each 2×2 a random rotation or reflection (real), or a Haar-random element of
     * U(2) (complex), so the whole product is orthogonal / unitary.
     */
    public static Butterfly randomOrthogonal(int n, boolean complex, Random random) {
        Butterfly b = new Butterfly(n, complex);
        for (int l = 0; l < b.levels; l++) {
            for (int p = 0; p < n / 2; p++) {
                int o = 4 * p;
                if (!complex) {
                    double theta = 2 * Math.PI * random.nextDouble(), c = Math.cos(theta), s = Math.sin(theta);
                    double flip = random.nextBoolean() ? 1 : -1; // det ±1
                    b.re[l][o] = c;
                    b.re[l][o + 1] = -s * flip;
                    b.re[l][o + 2] = s;
                    b.re[l][o + 3] = c * flip;
                } else {
                    // Haar U(2): QR of a complex Gaussian 2x2 with the phases of R's diagonal moved into Q.
                    double[] g = new double[8];
                    for (int q = 0; q < 8; q++) {
                        g[q] = random.nextGaussian();
                    }
                    haarUnitary(g, b.re[l], b.im[l], o);
                }
            }
        }
        return b;
    }

    /** Gram–Schmidt on the two complex columns (g0 + i g1, g2 + i g3) and (g4 + i g5, g6 + i g7); writes a, b, c, d. */
    private static void haarUnitary(double[] g, double[] re, double[] im, int o) {
        double c0r = g[0], c0i = g[1], c1r = g[2], c1i = g[3];          // first column (rows 0, 1)
        double norm = Math.sqrt(c0r * c0r + c0i * c0i + c1r * c1r + c1i * c1i);
        c0r /= norm; c0i /= norm; c1r /= norm; c1i /= norm;
        double d0r = g[4], d0i = g[5], d1r = g[6], d1i = g[7];          // second column
        double pr = c0r * d0r + c0i * d0i + c1r * d1r + c1i * d1i;        // <c, d> = conj(c)·d
        double pi = c0r * d0i - c0i * d0r + c1r * d1i - c1i * d1r;
        d0r -= pr * c0r - pi * c0i; d0i -= pr * c0i + pi * c0r;
        d1r -= pr * c1r - pi * c1i; d1i -= pr * c1i + pi * c1r;
        norm = Math.sqrt(d0r * d0r + d0i * d0i + d1r * d1r + d1i * d1i);
        d0r /= norm; d0i /= norm; d1r /= norm; d1i /= norm;
        re[o] = c0r; im[o] = c0i; re[o + 1] = d0r; im[o + 1] = d0i;
        re[o + 2] = c1r; im[o + 2] = c1i; re[o + 3] = d1r; im[o + 3] = d1i;
    }

    /**
     * The spec's exact FFT (decimation in time) without its input permutation: {@code B · P_bitreversal} is the DFT
     * F[k, m] = exp(−2πi km/N), times 1/√N when {@code unitary} (each factor scaled by 1/√2).
     */
    public static Butterfly fft(int n, boolean unitary) {
        Butterfly b = new Butterfly(n, true);
        double scale = unitary ? Math.sqrt(0.5) : 1;
        for (int l = 0; l < b.levels; l++) {
            int s = 1 << l, size = 2 * s;
            for (int block = 0; block < n / size; block++) {
                for (int t = 0; t < s; t++) {
                    int o = 4 * (block * s + t);
                    double angle = -2 * Math.PI * t / size, wr = Math.cos(angle), wi = Math.sin(angle);
                    b.re[l][o] = scale;
                    b.re[l][o + 1] = scale * wr;
                    b.im[l][o + 1] = scale * wi;
                    b.re[l][o + 2] = scale;
                    b.re[l][o + 3] = -scale * wr;
                    b.im[l][o + 3] = -scale * wi;
                }
            }
        }
        return b;
    }

    /**
     * The orthonormal DCT-II through Makhoul's route: the unnormalised FFT with its last factor's rows scaled by
     * s_k·exp(−iπk/(2N)). With the makhoul-bit-reversal input permutation P, B·P equals
     * {@link Transforms#dctWithSineCompanion}, whose real part is the DCT-II.
     */
    public static Butterfly dct(int n) {
        Butterfly b = fft(n, false);
        int last = b.levels - 1, half = n / 2;
        for (int p = 0; p < half; p++) {
            for (int row = 0; row < 2; row++) { // row 0: output p (a, b); row 1: output p + N/2 (c, d)
                int k = p + row * half;
                double scale = Math.sqrt((k == 0 ? 1.0 : 2.0) / n), angle = -Math.PI * k / (2.0 * n);
                double dr = scale * Math.cos(angle), di = scale * Math.sin(angle);
                for (int q = 2 * row; q < 2 * row + 2; q++) {
                    int o = 4 * p + q;
                    double wr = b.re[last][o], wi = b.im[last][o];
                    b.re[last][o] = dr * wr - di * wi;
                    b.im[last][o] = dr * wi + di * wr;
                }
            }
        }
        return b;
    }

    /** The Walsh–Hadamard transform H_N = H_2^{⊗L} (Sylvester order), divided by √N when {@code normalised}. */
    public static Butterfly hadamard(int n, boolean normalised) {
        Butterfly b = new Butterfly(n, false);
        double scale = normalised ? Math.sqrt(0.5) : 1;
        for (int l = 0; l < b.levels; l++) {
            for (int p = 0; p < n / 2; p++) {
                b.re[l][4 * p] = scale;
                b.re[l][4 * p + 1] = scale;
                b.re[l][4 * p + 2] = scale;
                b.re[l][4 * p + 3] = -scale;
            }
        }
        return b;
    }

    public int size() {
        return n;
    }

    public int levels() {
        return levels;
    }

    public boolean isComplex() {
        return complex;
    }

    /** Number of real parameters: 4·(N/2)·L, twice that when complex. */
    public long parameterCount() {
        return (long) levels * 2 * n * (complex ? 2 : 1);
    }

    /** A deep copy. */
    public Butterfly copy() {
        Butterfly b = new Butterfly(n, complex);
        for (int l = 0; l < levels; l++) {
            b.re[l] = re[l].clone();
            b.im[l] = im[l].clone();
        }
        return b;
    }

    /** y = B x for a complex vector given as real and imaginary parts (length N each), in place. */
    public void apply(double[] xr, double[] xi) {
        if (xr.length != n || xi.length != n) {
            throw new IllegalArgumentException("a " + n + "-point butterfly needs vectors of length " + n + ", got " + xr.length + " and " + xi.length);
        }
        for (int l = 0; l < levels; l++) {
            applyLevel(l, xr, xi, 1);
        }
    }

    /**
     * Applies level l to a row-major N×cols complex block (the N index runs down the rows), in place: every column is
     * one vector.
     */
    void applyLevel(int l, double[] xr, double[] xi, int cols) {
        int s = 1 << l;
        double[] wr = re[l], wi = im[l];
        for (int block = 0; block < n / (2 * s); block++) {
            for (int t = 0; t < s; t++) {
                int i = block * 2 * s + t, j = i + s, o = 4 * (block * s + t);
                double ar = wr[o], ai = wi[o], br = wr[o + 1], bi = wi[o + 1], cr = wr[o + 2], ci = wi[o + 2], dr = wr[o + 3], di = wi[o + 3];
                int ri = i * cols, rj = j * cols;
                for (int c = 0; c < cols; c++) {
                    double pr = xr[ri + c], pi = xi[ri + c], qr = xr[rj + c], qi = xi[rj + c];
                    xr[ri + c] = ar * pr - ai * pi + br * qr - bi * qi;
                    xi[ri + c] = ar * pi + ai * pr + br * qi + bi * qr;
                    xr[rj + c] = cr * pr - ci * pi + dr * qr - di * qi;
                    xi[rj + c] = cr * pi + ci * pr + dr * qi + di * qr;
                }
            }
        }
    }

    /** The dense matrix: {re, im}, each row-major N×N. */
    public double[][] toMatrix() {
        double[] mr = new double[n * n], mi = new double[n * n];
        for (int i = 0; i < n; i++) {
            mr[i * n + i] = 1;
        }
        for (int l = 0; l < levels; l++) {
            applyLevel(l, mr, mi, n);
        }
        return new double[][] {mr, mi};
    }
}
