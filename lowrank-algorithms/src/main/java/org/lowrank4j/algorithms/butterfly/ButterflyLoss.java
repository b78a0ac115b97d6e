package org.lowrank4j.algorithms.butterfly;

/**
 * The spec's objective L = ‖B − T'‖²_F / N over the N standard basis vectors (T' = the target with its columns in the
 * order of the fixed input permutation), or ‖Re(B) − T'‖²_F / N when only the real part is matched (a real transform
 * from a complex butterfly), and its gradient with respect to the real and imaginary parts of every twiddle.
 *
 * <p>Forward keeps each level's input (L blocks of N×N). Backward, per pair (i, j) with w = [[a, b], [c, d]] and output
 * gradients g = ∂L/∂Re y + i ∂L/∂Im y:
 * <pre>
 *   ∂L/∂a = Σ g_i·conj(x_i),  ∂L/∂b = Σ g_i·conj(x_j),  ∂L/∂c = Σ g_j·conj(x_i),  ∂L/∂d = Σ g_j·conj(x_j)
 *   g_x_i = conj(a)·g_i + conj(c)·g_j,        g_x_j = conj(b)·g_i + conj(d)·g_j
 * </pre>
 * (sums over the N basis columns; the real part of each complex derivative is ∂L/∂Re w, the imaginary part ∂L/∂Im w).
 */
final class ButterflyLoss {
    private ButterflyLoss() {
    }

    /**
     * @param gradRe written: ∂L/∂Re(twiddles), shape (L, 2N)
     * @param gradIm written: ∂L/∂Im(twiddles) (left zero for a real butterfly)
     * @return L
     */
    static double evaluate(Butterfly b, double[] targetRe, double[] targetIm, boolean realOutput, double[][] gradRe, double[][] gradIm) {
        return evaluate(b, null, targetRe, targetIm, realOutput, gradRe, gradIm, null);
    }

    /**
     * The objective ‖B·X − T‖²_F / N for a real N×N input X (row-major, one input per column; the identity when null),
     * e.g. a relaxed permutation matrix, with the twiddle gradients and, when {@code inputGrad} is given, ∂L/∂X written
     * into it (the real part of the complex input gradient, X being real).
     */
    static double evaluate(Butterfly b, double[] input, double[] targetRe, double[] targetIm, boolean realOutput, double[][] gradRe, double[][] gradIm,
                           double[] inputGrad) {
        int n = b.size(), levels = b.levels();
        double[][] inRe = new double[levels][], inIm = new double[levels][];
        double[] xr = new double[n * n], xi = new double[n * n];
        if (input == null) {
            for (int i = 0; i < n; i++) {
                xr[i * n + i] = 1;
            }
        } else {
            System.arraycopy(input, 0, xr, 0, n * n);
        }
        for (int l = 0; l < levels; l++) {
            inRe[l] = xr.clone();
            inIm[l] = xi.clone();
            b.applyLevel(l, xr, xi, n);
        }
        // Output gradient g = 2 (Y − T') / N (real part only when matching Re(Y)).
        double loss = 0;
        double[] gr = xr, gi = xi; // reuse the output buffers
        for (int e = 0; e < n * n; e++) {
            double dr = xr[e] - targetRe[e], di = realOutput ? 0 : xi[e] - targetIm[e];
            loss += dr * dr + di * di;
            gr[e] = 2 * dr / n;
            gi[e] = 2 * di / n;
        }
        for (int l = levels - 1; l >= 0; l--) {
            backwardLevel(b, l, inRe[l], inIm[l], gr, gi, gradRe[l], gradIm[l]);
        }
        if (inputGrad != null) {
            System.arraycopy(gr, 0, inputGrad, 0, n * n);
        }
        return loss / n;
    }

    private static void backwardLevel(Butterfly b, int l, double[] xr, double[] xi, double[] gr, double[] gi, double[] dRe, double[] dIm) {
        int n = b.size(), s = 1 << l;
        double[] wr = b.re[l], wi = b.im[l];
        boolean complex = b.isComplex();
        for (int block = 0; block < n / (2 * s); block++) {
            for (int t = 0; t < s; t++) {
                int i = block * 2 * s + t, j = i + s, o = 4 * (block * s + t);
                double ar = wr[o], ai = wi[o], br = wr[o + 1], bi = wi[o + 1], cr = wr[o + 2], ci = wi[o + 2], dr = wr[o + 3], di = wi[o + 3];
                double aRe = 0, aIm = 0, bRe = 0, bIm = 0, cRe = 0, cIm = 0, dReS = 0, dImS = 0;
                int ri = i * n, rj = j * n;
                for (int c = 0; c < n; c++) {
                    double pr = xr[ri + c], pi = xi[ri + c], qr = xr[rj + c], qi = xi[rj + c];
                    double g1r = gr[ri + c], g1i = gi[ri + c], g2r = gr[rj + c], g2i = gi[rj + c];
                    // g · conj(x)
                    aRe += g1r * pr + g1i * pi;
                    aIm += g1i * pr - g1r * pi;
                    bRe += g1r * qr + g1i * qi;
                    bIm += g1i * qr - g1r * qi;
                    cRe += g2r * pr + g2i * pi;
                    cIm += g2i * pr - g2r * pi;
                    dReS += g2r * qr + g2i * qi;
                    dImS += g2i * qr - g2r * qi;
                    // input gradients: conj(w)ᵀ g
                    gr[ri + c] = ar * g1r + ai * g1i + cr * g2r + ci * g2i;
                    gi[ri + c] = ar * g1i - ai * g1r + cr * g2i - ci * g2r;
                    gr[rj + c] = br * g1r + bi * g1i + dr * g2r + di * g2i;
                    gi[rj + c] = br * g1i - bi * g1r + dr * g2i - di * g2r;
                }
                dRe[o] = aRe;
                dRe[o + 1] = bRe;
                dRe[o + 2] = cRe;
                dRe[o + 3] = dReS;
                if (complex) {
                    dIm[o] = aIm;
                    dIm[o + 1] = bIm;
                    dIm[o + 2] = cIm;
                    dIm[o + 3] = dImS;
                }
            }
        }
    }
}
