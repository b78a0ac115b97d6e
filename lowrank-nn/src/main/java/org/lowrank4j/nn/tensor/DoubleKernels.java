package org.lowrank4j.nn.tensor;

/**
 * The float64 {@link Kernels}: the oracle that gradient checks by finite differences run on. It is
 * {@link FloatKernels} with the element type changed and the accurate erf; keep the two in step.
 */
final class DoubleKernels implements Kernels {
    static final DoubleKernels INSTANCE = new DoubleKernels();
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private DoubleKernels() {
    }

    private static double[] d(Tensor t) {
        return t == null ? null : ((DoubleTensor) t).data();
    }

    private static double erf(double x) {
        return SpecialFunctions.erf(x);
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT64;
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        double[] o = d(out), x = d(a), y = d(b);
        assert o.length == x.length && x.length == y.length;
        for (int i = 0; i < o.length; i++) {
            o[i] = x[i] + y[i];
        }
    }

    @Override
    public void addInPlace(Tensor accumulator, Tensor x) {
        double[] acc = d(accumulator), v = d(x);
        assert acc.length == v.length;
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    @Override
    public void scale(Tensor x, double factor) {
        if (factor == 1) {
            return;
        }
        double[] v = d(x);
        double by = factor;
        RowChunks.run(v.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                v[i] *= by;
            }
        });
    }

    @Override
    public void addBias(Tensor out, Tensor bias) {
        double[] o = d(out), b = d(bias);
        int c = b.length;
        for (int base = 0; base < o.length; base += c) {
            for (int j = 0; j < c; j++) {
                o[base + j] += b[j];
            }
        }
    }

    @Override
    public void addColumnSums(Tensor dbias, Tensor dout) {
        double[] db = d(dbias), g = d(dout);
        int c = db.length;
        double[] sums = new double[c];
        for (int base = 0; base < g.length; base += c) {
            for (int j = 0; j < c; j++) {
                sums[j] += g[base + j];
            }
        }
        for (int j = 0; j < c; j++) {
            db[j] += sums[j];
        }
    }

    @Override
    public void gatherRows(Tensor out, Tensor table, int[] ids, boolean accumulate) {
        double[] o = d(out), w = d(table);
        int c = table.dim(-1);
        for (int n = 0; n < ids.length; n++) {
            int src = ids[n] * c, dst = n * c;
            if (accumulate) {
                for (int j = 0; j < c; j++) {
                    o[dst + j] += w[src + j];
                }
            } else {
                System.arraycopy(w, src, o, dst, c);
            }
        }
    }

    @Override
    public void scatterAddRows(Tensor dtable, Tensor dout, int[] ids) {
        double[] dw = d(dtable), g = d(dout);
        int c = dtable.dim(-1);
        for (int n = 0; n < ids.length; n++) {
            int dst = ids[n] * c, src = n * c;
            for (int j = 0; j < c; j++) {
                dw[dst + j] += g[src + j];
            }
        }
    }

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        double[] o = d(out), m = d(mean), r = d(rstd), in = d(x), w = d(weight), b = d(bias);
        int c = w.length, rows = m.length;
        for (int n = 0; n < rows; n++) {
            int base = n * c;
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += in[base + j];
            }
            double mu = sum / c, var = 0;
            for (int j = 0; j < c; j++) {
                double dev = in[base + j] - mu;
                var += dev * dev;
            }
            double s = 1 / Math.sqrt(var / c + eps);
            for (int j = 0; j < c; j++) {
                double norm = (in[base + j] - mu) * s;
                o[base + j] = (norm * w[j] + (b == null ? 0 : b[j]));
            }
            m[n] = mu;
            r[n] = s;
        }
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor weight) {
        double[] dinp = d(dx), dw = d(dweight), db = d(dbias), g = d(dout), in = d(x), m = d(mean), r = d(rstd), w = d(weight);
        int c = w.length, rows = m.length;
        for (int n = 0; n < rows; n++) {
            int base = n * c;
            double mu = m[n], s = r[n];
            // two reductions: mean of dnorm and mean of dnorm·norm, where dnorm = dout·weight
            double dnormMean = 0, dnormNormMean = 0;
            for (int j = 0; j < c; j++) {
                double norm = (in[base + j] - mu) * s;
                double dnorm = g[base + j] * w[j];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= c;
            dnormNormMean /= c;
            for (int j = 0; j < c; j++) {
                double norm = (in[base + j] - mu) * s;
                double dnorm = g[base + j] * w[j];
                dinp[base + j] = ((dnorm - dnormMean - norm * dnormNormMean) * s);
                if (dw != null) {
                    dw[j] += (norm * g[base + j]);
                }
                if (db != null) {
                    db[j] += g[base + j];
                }
            }
        }
    }

    @Override
    public void rmsNormForward(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        double[] o = d(out), r = d(rstd), in = d(x), w = d(weight);
        int c = w.length, rows = r.length;
        for (int n = 0; n < rows; n++) {
            int base = n * c;
            double squares = 0;
            for (int j = 0; j < c; j++) {
                squares += in[base + j] * in[base + j];
            }
            double s = 1 / Math.sqrt(squares / c + eps);
            for (int j = 0; j < c; j++) {
                o[base + j] = (in[base + j] * s * w[j]);
            }
            r[n] = s;
        }
    }

    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor rstd, Tensor weight) {
        double[] dinp = d(dx), dw = d(dweight), g = d(dout), in = d(x), r = d(rstd), w = d(weight);
        int c = w.length, rows = r.length;
        for (int n = 0; n < rows; n++) {
            int base = n * c;
            double s = r[n], dnormNormMean = 0;
            for (int j = 0; j < c; j++) {
                dnormNormMean += g[base + j] * w[j] * in[base + j] * s;
            }
            dnormNormMean /= c;
            for (int j = 0; j < c; j++) {
                double norm = in[base + j] * s;
                dinp[base + j] = ((g[base + j] * w[j] - norm * dnormNormMean) * s);
                if (dw != null) {
                    dw[j] += (norm * g[base + j]);
                }
            }
        }
    }

    @Override
    public void activationForward(Tensor out, Tensor x, MlpActivation variant) {
        double[] o = d(out), in = d(x);
        if (variant == MlpActivation.RELU) {
            for (int i = 0; i < o.length; i++) {
                o[i] = in[i] > 0 ? in[i] : 0;
            }
        } else if (variant == MlpActivation.GELU_ERF) {
            for (int i = 0; i < o.length; i++) {
                double v = in[i];
                o[i] = (0.5 * v * (1 + erf(v * INV_SQRT_2)));
            }
        } else {
            for (int i = 0; i < o.length; i++) {
                double v = in[i];
                o[i] = (0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
            }
        }
    }

    @Override
    public void activationBackward(Tensor dx, Tensor dout, Tensor x, MlpActivation variant) {
        double[] dinp = d(dx), g = d(dout), in = d(x);
        if (variant == MlpActivation.RELU) {
            for (int i = 0; i < dinp.length; i++) {
                dinp[i] = in[i] > 0 ? g[i] : 0;
            }
        } else if (variant == MlpActivation.GELU_ERF) {
            for (int i = 0; i < dinp.length; i++) {
                double v = in[i];
                double cdf = 0.5 * (1 + erf(v * INV_SQRT_2)), pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                dinp[i] = (g[i] * (cdf + v * pdf));
            }
        } else {
            for (int i = 0; i < dinp.length; i++) {
                double v = in[i];
                double th = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
                double dth = (1 - th * th) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
                dinp[i] = (g[i] * (0.5 * (1 + th) + 0.5 * v * dth));
            }
        }
    }

    @Override
    public void swigluForward(Tensor out, Tensor gate, Tensor up) {
        double[] o = d(out), a = d(gate), b = d(up);
        for (int i = 0; i < o.length; i++) {
            double v = a[i];
            o[i] = (v / (1 + Math.exp(-v)) * b[i]);
        }
    }

    @Override
    public void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
        double[] da = d(dgate), db = d(dup), g = d(dout), a = d(gate), b = d(up);
        for (int i = 0; i < g.length; i++) {
            double v = a[i], sig = 1 / (1 + Math.exp(-v)), silu = v * sig;
            da[i] = (g[i] * b[i] * sig * (1 + v * (1 - sig)));
            db[i] = (g[i] * silu);
        }
    }

    @Override
    public void gegluForward(Tensor out, Tensor gate, Tensor up, MlpActivation variant) {
        Tensor act = gate.zerosLike();
        activationForward(act, gate, variant);
        double[] o = d(out), a = d(act), b = d(up);
        for (int i = 0; i < o.length; i++) {
            o[i] = a[i] * b[i];
        }
    }

    @Override
    public void gegluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up, MlpActivation variant) {
        Tensor act = gate.zerosLike(), doutUp = dout.zerosLike();
        activationForward(act, gate, variant);
        double[] g = d(dout), a = d(act), b = d(up), gb = d(doutUp);
        for (int i = 0; i < g.length; i++) {
            gb[i] = g[i] * b[i];
        }
        double[] db = d(dup);
        for (int i = 0; i < g.length; i++) { // dout, up and gate were read into act and doutUp: the outputs may alias them
            db[i] = g[i] * a[i];
        }
        activationBackward(dgate, doutUp, gate, variant);
    }

    @Override
    public void attentionSoftmax(Tensor att, int[] keyMask, boolean causal, int past, int window) {
        double[] p = d(att);
        int batch = att.dim(0), heads = att.dim(1), time = att.dim(2), keys = att.dim(3);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < time; t++) {
                    int base = ((b * heads + h) * time + t) * keys;
                    int limit = causal ? Math.min(keys, past + t + 1) : keys;
                    int first = window > 0 ? Math.max(0, past + t - window + 1) : 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = first; s < limit; s++) {
                        if (keyMask == null || keyMask[b * keys + s] != 0) {
                            max = Math.max(max, p[base + s]);
                        }
                    }
                    double sum = 0;
                    for (int s = 0; s < keys; s++) {
                        boolean admitted = s >= first && s < limit && (keyMask == null || keyMask[b * keys + s] != 0);
                        double e = admitted ? Math.exp(p[base + s] - max) : 0;
                        p[base + s] = e;
                        sum += e;
                    }
                    double inv = sum > 0 ? 1 / sum : 0;
                    for (int s = 0; s < limit; s++) {
                        p[base + s] = (p[base + s] * inv);
                    }
                }
            }
        }
    }

    @Override
    public void softcap(Tensor x, double cap) {
        double[] v = d(x);
        double inv = 1 / cap;
        RowChunks.run(v.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                v[i] = (cap * Math.tanh(v[i] * inv));
            }
        });
    }

    @Override
    public void softcapBackward(Tensor dx, Tensor dy, Tensor capped, double cap) {
        double[] out = d(dx), g = d(dy), y = d(capped);
        assert out.length == g.length && g.length == y.length;
        double inv = 1 / cap;
        RowChunks.run(out.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                double t = y[i] * inv;
                out[i] = (g[i] * (1 - t * t));
            }
        });
    }

    @Override
    public void softmaxBackward(Tensor dscores, Tensor probs, Tensor dprobs) {
        double[] ds = d(dscores), p = d(probs), dp = d(dprobs);
        int cols = probs.dim(-1);
        for (int base = 0; base < p.length; base += cols) {
            softmaxBackwardRow(ds, p, dp, base, cols, cols);
        }
    }

    @Override
    public void causalSoftmaxBackward(Tensor dscores, Tensor probs, Tensor dprobs, int past) {
        double[] ds = d(dscores), p = d(probs), dp = d(dprobs);
        int time = probs.dim(2), keys = probs.dim(3);
        for (int row = 0; row < p.length / keys; row++) {
            softmaxBackwardRow(ds, p, dp, row * keys, Math.min(keys, past + row % time + 1), keys);
        }
    }

    /** One row from {@code base}: p is zero from {@code limit} on; the dot in four partial sums (independent adds). */
    private static void softmaxBackwardRow(double[] ds, double[] p, double[] dp, int base, int limit, int cols) {
        double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        int s = 0;
        for (; s + 3 < limit; s += 4) {
            d0 += p[base + s] * dp[base + s];
            d1 += p[base + s + 1] * dp[base + s + 1];
            d2 += p[base + s + 2] * dp[base + s + 2];
            d3 += p[base + s + 3] * dp[base + s + 3];
        }
        for (; s < limit; s++) {
            d0 += p[base + s] * dp[base + s];
        }
        double dot = (d0 + d1) + (d2 + d3);
        for (s = 0; s < limit; s++) {
            ds[base + s] = p[base + s] * (dp[base + s] - dot);
        }
        java.util.Arrays.fill(ds, base + limit, base + cols, 0);
    }

    @Override
    public void rotate(Tensor x, int[] positions, double[] cos, double[] sin, boolean inverse) {
        double[] v = d(x);
        int time = x.dim(1), heads = x.dim(2), dim = x.dim(3), half = dim / 2;
        double sign = inverse ? -1 : 1;
        for (int bt = 0; bt * heads * dim < v.length; bt++) {
            int table = positions[bt % time] * half;
            for (int h = 0; h < heads; h++) {
                int row = (bt * heads + h) * dim;
                for (int i = 0; i < half; i++) {
                    double c = cos[table + i], s = sign * sin[table + i];
                    double x1 = v[row + i], x2 = v[row + half + i];
                    v[row + i] = (x1 * c - x2 * s);
                    v[row + half + i] = (x2 * c + x1 * s);
                }
            }
        }
    }

    @Override
    public void splitHeads(Tensor headMajor, Tensor tokenMajor, int t0) {
        double[] hm = d(headMajor), tm = d(tokenMajor);
        int batch = headMajor.dim(0), heads = headMajor.dim(1), slots = headMajor.dim(2), dim = headMajor.dim(3);
        int time = tokenMajor.dim(1);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(tm, ((b * time + t) * heads + h) * dim, hm, ((b * heads + h) * slots + t0 + t) * dim, dim);
                }
            }
        }
    }

    @Override
    public void mergeHeads(Tensor tokenMajor, Tensor headMajor, int t0) {
        double[] hm = d(headMajor), tm = d(tokenMajor);
        int batch = headMajor.dim(0), heads = headMajor.dim(1), slots = headMajor.dim(2), dim = headMajor.dim(3);
        int time = tokenMajor.dim(1);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(hm, ((b * heads + h) * slots + t0 + t) * dim, tm, ((b * time + t) * heads + h) * dim, dim);
                }
            }
        }
    }

    @Override
    public double crossEntropyForward(Tensor probs, Tensor logits, int[] targets, int ignoreIndex) {
        double[] p = d(probs), z = d(logits);
        int vocab = logits.dim(-1);
        double total = 0;
        for (int n = 0; n < targets.length; n++) {
            int base = n * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, z[base + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(z[base + v] - max);
            }
            double logSum = Math.log(sum) + max;
            for (int v = 0; v < vocab; v++) {
                p[base + v] = Math.exp(z[base + v] - logSum);
            }
            if (targets[n] != ignoreIndex) {
                total += logSum - z[base + targets[n]];
            }
        }
        return total;
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor probs, int[] targets, int ignoreIndex, double scale) {
        double[] g = d(dlogits), p = d(probs);
        int vocab = probs.dim(-1);
        for (int n = 0; n < targets.length; n++) {
            int base = n * vocab;
            if (targets[n] == ignoreIndex) {
                java.util.Arrays.fill(g, base, base + vocab, 0);
                continue;
            }
            for (int v = 0; v < vocab; v++) {
                g[base + v] = (scale * p[base + v]);
            }
            g[base + targets[n]] -= scale;
        }
    }
}
