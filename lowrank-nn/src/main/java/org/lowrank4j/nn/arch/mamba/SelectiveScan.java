package org.lowrank4j.nn.arch.mamba;

import java.util.stream.IntStream;

/**
 * Mamba's selective scan (S6) over float64 arrays, one sequential pass over the positions per (batch, channel); the
 * batch rows run in parallel. For channel c, state n and position t:
 * <pre>
 *   a[t,c,n] = exp(Δ[t,c] · A[c,n])
 *   h[t,c,n] = a[t,c,n] · h[t−1,c,n] + Δ[t,c] · Bt[t,n] · u[t,c]          h[−1] = 0
 *   y[t,c]   = Σ_n Ct[t,n] · h[t,c,n] + D[c] · u[t,c]
 *   decay[t,c] = mean_n a[t,c,n]                                          (what distillation aligns)
 * </pre>
 * Shapes: u, Δ, y, decay (B, L, C); A (C, N); Bt, Ct (B, L, N); D (C). The backward pass recomputes h of one channel
 * (L·N values) rather than keeping h for the whole batch, so the scan keeps nothing between forward and backward.
 */
final class SelectiveScan {
    private SelectiveScan() {
    }

    /** Sizes: batch B, length L, channels C (d_inner), states N. */
    record Shape(int batch, int length, int channels, int states) {
    }

    /** Fills y (B,L,C) and, when not null, decay (B,L,C). */
    static void forward(Shape s, double[] u, double[] delta, double[] a, double[] bt, double[] ct, double[] d, double[] y,
            double[] decay) {
        int L = s.length(), C = s.channels(), N = s.states();
        IntStream.range(0, s.batch()).parallel().forEach(b -> {
            double[] h = new double[N];
            for (int c = 0; c < C; c++) {
                java.util.Arrays.fill(h, 0);
                for (int t = 0; t < L; t++) {
                    int at = (b * L + t) * C + c, row = (b * L + t) * N;
                    double dl = delta[at], uu = u[at], out = 0, sum = 0;
                    for (int n = 0; n < N; n++) {
                        double decayed = Math.exp(dl * a[c * N + n]);
                        h[n] = decayed * h[n] + dl * bt[row + n] * uu;
                        out += ct[row + n] * h[n];
                        sum += decayed;
                    }
                    y[at] = out + d[c] * uu;
                    if (decay != null) {
                        decay[at] = sum / N;
                    }
                }
            }
        });
    }

    /** The state after the last position, h[L−1] (B, C, N): where decoding continues after a prefill. */
    static double[] finalState(Shape s, double[] u, double[] delta, double[] a, double[] bt) {
        int L = s.length(), C = s.channels(), N = s.states();
        double[] out = new double[s.batch() * C * N];
        for (int b = 0; b < s.batch(); b++) {
            for (int c = 0; c < C; c++) {
                int base = (b * C + c) * N;
                for (int t = 0; t < L; t++) {
                    int at = (b * L + t) * C + c, row = (b * L + t) * N;
                    for (int n = 0; n < N; n++) {
                        out[base + n] = Math.exp(delta[at] * a[c * N + n]) * out[base + n] + delta[at] * bt[row + n] * u[at];
                    }
                }
            }
        }
        return out;
    }

    /** The gradients of a backward pass; u, Δ, Bt, Ct gradients are (B, …) and written, A and D gradients added. */
    record Gradients(double[] du, double[] dDelta, double[] dA, double[] dBt, double[] dCt, double[] dD) {
    }

    /**
     * Given dy (B,L,C) and, or null, dDecay (B,L,C): adds into du, dDelta, dBt, dCt (which the caller zeroed or filled)
     * and into dA (C,N) and dD (C).
     */
    static void backward(Shape s, double[] u, double[] delta, double[] a, double[] bt, double[] ct, double[] d, double[] dy,
            double[] dDecay, Gradients g) {
        int B = s.batch(), L = s.length(), C = s.channels(), N = s.states();
        double[][] dAParts = new double[B][], dDParts = new double[B][];
        IntStream.range(0, B).parallel().forEach(b -> {
            double[] hs = new double[L * N], as = new double[L * N], gh = new double[N];
            double[] dA = new double[C * N], dD = new double[C];
            for (int c = 0; c < C; c++) {
                // forward again for this channel, keeping h and a
                for (int t = 0; t < L; t++) {
                    int at = (b * L + t) * C + c, row = (b * L + t) * N;
                    double dl = delta[at], uu = u[at];
                    for (int n = 0; n < N; n++) {
                        double decayed = Math.exp(dl * a[c * N + n]);
                        double previous = t == 0 ? 0 : hs[(t - 1) * N + n];
                        as[t * N + n] = decayed;
                        hs[t * N + n] = decayed * previous + dl * bt[row + n] * uu;
                    }
                }
                java.util.Arrays.fill(gh, 0); // g_h[t+1] · a[t+1], carried back
                for (int t = L - 1; t >= 0; t--) {
                    int at = (b * L + t) * C + c, row = (b * L + t) * N;
                    double dl = delta[at], uu = u[at], gy = dy[at];
                    double gDecay = dDecay == null ? 0 : dDecay[at] / N;
                    dD[c] += gy * uu;
                    double dDelta = 0, du = gy * d[c];
                    for (int n = 0; n < N; n++) {
                        double decayed = as[t * N + n], previous = t == 0 ? 0 : hs[(t - 1) * N + n];
                        g.dCt()[row + n] += hs[t * N + n] * gy;
                        double gH = gh[n] + ct[row + n] * gy;              // dL/dh[t]
                        double gDecayed = gH * previous + gDecay;          // dL/da[t]
                        double aCn = a[c * N + n];
                        dDelta += gDecayed * decayed * aCn + gH * bt[row + n] * uu;
                        dA[c * N + n] += gDecayed * decayed * dl;
                        g.dBt()[row + n] += gH * dl * uu;
                        du += gH * dl * bt[row + n];
                        gh[n] = gH * decayed;
                    }
                    g.dDelta()[at] += dDelta;
                    g.du()[at] += du;
                }
            }
            dAParts[b] = dA;
            dDParts[b] = dD;
        });
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < C * N; i++) {
                g.dA()[i] += dAParts[b][i];
            }
            for (int c = 0; c < C; c++) {
                g.dD()[c] += dDParts[b][c];
            }
        }
    }
}
