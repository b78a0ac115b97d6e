package org.lowrank4j.nn.layers;

import org.lowrank4j.nn.tensor.Tensor;

/**
 * A naive attention written straight from the definitions (loops, float64, no BLAS, no head-major layout): the
 * oracle for {@link Attention}'s forward pass.
 */
final class ReferenceAttention {
    private ReferenceAttention() {
    }

    /** x (B,T,C) -> (B,T,C); theta ≤ 0 means no RoPE. */
    static double[] forward(Attention a, Tensor x, int[] mask, double theta) {
        int batch = x.dim(0), time = x.dim(1), c = x.dim(2), nh = a.heads(), nkv = a.kvHeads(), d = a.headSize();
        double[][] q = project(a.query(), x), k = project(a.key(), x), v = project(a.value(), x);
        if (theta > 0) {
            rope(q, time, nh, d, theta);
            rope(k, time, nkv, d, theta);
        }
        double[][] y = new double[batch * time][nh * d];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < nh; h++) {
                int g = h / (nh / nkv);
                for (int t = 0; t < time; t++) {
                    double[] w = new double[time];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < time; s++) {
                        boolean ok = (mask == null || mask[b * time + s] != 0) && (!a.causal() || s <= t);
                        if (!ok) {
                            w[s] = Double.NaN;
                            continue;
                        }
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += q[b * time + t][h * d + i] * k[b * time + s][g * d + i];
                        }
                        w[s] = dot / Math.sqrt(d);
                        max = Math.max(max, w[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < time; s++) {
                        w[s] = Double.isNaN(w[s]) ? 0 : Math.exp(w[s] - max);
                        sum += w[s];
                    }
                    for (int s = 0; s < time; s++) {
                        for (int i = 0; i < d; i++) {
                            y[b * time + t][h * d + i] += w[s] / sum * v[b * time + s][g * d + i];
                        }
                    }
                }
            }
        }
        double[][] out = apply(a.output(), y);
        double[] flat = new double[batch * time * c];
        for (int n = 0; n < out.length; n++) {
            System.arraycopy(out[n], 0, flat, n * c, c);
        }
        return flat;
    }

    /** Rotate-half RoPE from its definition, position = time index. */
    private static void rope(double[][] rows, int time, int heads, int d, double theta) {
        for (int n = 0; n < rows.length; n++) {
            int pos = n % time;
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < d / 2; i++) {
                    double angle = pos / Math.pow(theta, 2.0 * i / d);
                    double x1 = rows[n][h * d + i], x2 = rows[n][h * d + d / 2 + i];
                    rows[n][h * d + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                    rows[n][h * d + d / 2 + i] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                }
            }
        }
    }

    private static double[][] project(Linear l, Tensor x) {
        int n = x.size() / x.dim(-1), c = x.dim(-1);
        double[][] rows = new double[n][c];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                rows[r][j] = x.get(r * c + j);
            }
        }
        return apply(l, rows);
    }

    static double[][] apply(Linear l, double[][] rows) {
        Tensor w = l.weight().toDense();
        int out = l.outFeatures(), in = l.inFeatures();
        double[][] y = new double[rows.length][out];
        for (int r = 0; r < rows.length; r++) {
            for (int o = 0; o < out; o++) {
                double s = l.bias() == null ? 0 : l.bias().value().get(o);
                for (int i = 0; i < in; i++) {
                    s += w.get(o * in + i) * rows[r][i];
                }
                y[r][o] = s;
            }
        }
        return y;
    }
}
