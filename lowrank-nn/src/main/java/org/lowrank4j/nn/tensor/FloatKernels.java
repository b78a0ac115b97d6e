package org.lowrank4j.nn.tensor;

/**
 * The float32 {@link Kernels}: the runtime path. Sums over a row (means, variances, softmax normalisers, dot
 * products) are accumulated in float64, which costs little and keeps float32 within ~1e-6 of the float64 oracle;
 * elementwise work stays in float32 where that lets the loop vectorise, and e^x is {@link FloatExp}'s.
 *
 * <p>{@link DoubleKernels} is this file with the element type changed (and the accurate erf and {@link Math#exp});
 * keep the two in step.
 */
final class FloatKernels implements Kernels {
    static final FloatKernels INSTANCE = new FloatKernels();
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private FloatKernels() {
    }

    private static float[] d(Tensor t) {
        return t == null ? null : ((FloatTensor) t).data();
    }

    private static double erf(double x) {
        return SpecialFunctions.erfFast(x);
    }

    @Override
    public Precision precision() {
        return Precision.FLOAT32;
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        float[] o = d(out), x = d(a), y = d(b);
        assert o.length == x.length && x.length == y.length;
        for (int i = 0; i < o.length; i++) {
            o[i] = x[i] + y[i];
        }
    }

    @Override
    public void addInPlace(Tensor accumulator, Tensor x) {
        float[] acc = d(accumulator), v = d(x);
        assert acc.length == v.length;
        inChunks(acc.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                acc[i] += v[i];
            }
        });
    }

    @Override
    public void scale(Tensor x, double factor) {
        if (factor == 1) {
            return;
        }
        float[] v = d(x);
        float by = (float) factor;
        inChunks(v.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                v[i] *= by;
            }
        });
    }

    @Override
    public void addBias(Tensor out, Tensor bias) {
        float[] o = d(out), b = d(bias);
        int c = b.length;
        inChunks(o.length / c, c, (from, to) -> {
            for (int base = from * c; base < to * c; base += c) {
                for (int j = 0; j < c; j++) {
                    o[base + j] += b[j];
                }
            }
        });
    }

    @Override
    public void addColumnSums(Tensor dbias, Tensor dout) {
        float[] db = d(dbias), g = d(dout);
        int c = db.length;
        double[] sums = new double[c];
        for (int base = 0; base < g.length; base += c) {
            for (int j = 0; j < c; j++) {
                sums[j] += g[base + j];
            }
        }
        for (int j = 0; j < c; j++) {
            db[j] += (float) sums[j];
        }
    }

    @Override
    public void gatherRows(Tensor out, Tensor table, int[] ids, boolean accumulate) {
        float[] o = d(out), w = d(table);
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
        float[] dw = d(dtable), g = d(dout);
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
        float[] o = d(out), m = d(mean), r = d(rstd), in = d(x), w = d(weight), b = d(bias);
        int c = w.length, rows = m.length;
        inChunks(rows, 3L * c, (from, to) -> {
            for (int n = from; n < to; n++) {
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
                    o[base + j] = (float) (norm * w[j] + (b == null ? 0 : b[j]));
                }
                m[n] = (float) mu;
                r[n] = (float) s;
            }
        });
    }

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dout, Tensor x, Tensor mean, Tensor rstd, Tensor weight) {
        float[] dinp = d(dx), dw = d(dweight), db = d(dbias), g = d(dout), in = d(x), m = d(mean), r = d(rstd), w = d(weight);
        int c = w.length, rows = m.length;
        for (int n = 0; n < rows; n++) {
            int base = n * c;
            double mu = m[n], s = r[n];
            // two reductions: mean of dnorm and mean of dnorm·norm, where dnorm = dout·weight
            double dnormMean = 0, dnormNormMean = 0;
            for (int j = 0; j < c; j++) {
                double norm = (in[base + j] - mu) * s;
                double dnorm = (double) g[base + j] * w[j];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= c;
            dnormNormMean /= c;
            for (int j = 0; j < c; j++) {
                double norm = (in[base + j] - mu) * s;
                double dnorm = (double) g[base + j] * w[j];
                dinp[base + j] = (float) ((dnorm - dnormMean - norm * dnormNormMean) * s);
                if (dw != null) {
                    dw[j] += (float) (norm * g[base + j]);
                }
                if (db != null) {
                    db[j] += g[base + j];
                }
            }
        }
    }

    @Override
    public void rmsNormForward(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        float[] o = d(out), r = d(rstd), in = d(x), w = d(weight);
        int c = w.length;
        inChunks(r.length, 3L * c, (from, to) -> {
            for (int n = from; n < to; n++) {
                int base = n * c;
                float s = (float) (1 / Math.sqrt(dot(in, in, null, base, c) / c + eps));
                for (int j = 0; j < c; j++) { // float products: the loop vectorises
                    o[base + j] = in[base + j] * s * w[j];
                }
                r[n] = s;
            }
        });
    }

    /** On the calling thread: split over rows, dweight's sum over them would depend on the number of cores. */
    @Override
    public void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor rstd, Tensor weight) {
        float[] dinp = d(dx), dw = d(dweight), g = d(dout), in = d(x), r = d(rstd), w = d(weight);
        int c = w.length, rows = r.length;
        for (int n = 0; n < rows; n++) {
            int base = n * c;
            float s = r[n], mean = (float) (dot(g, in, w, base, c) * s / c); // mean of dnorm·norm
            for (int j = 0; j < c; j++) { // float products: the loop vectorises
                float norm = in[base + j] * s;
                dinp[base + j] = (g[base + j] * w[j] - norm * mean) * s;
            }
            if (dw != null) { // a loop of its own, so the one above has no branch
                for (int j = 0; j < c; j++) {
                    float norm = in[base + j] * s;
                    dw[j] += norm * g[base + j];
                }
            }
        }
    }

    /**
     * Σ_j a[base+j]·b[base+j]·(w == null ? 1 : w[j]) over j < c, in four float64 partial sums (independent adds, so the
     * sum is not one chain of dependent additions).
     */
    private static double dot(float[] a, float[] b, float[] w, int base, int c) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < c; j += 4) {
            s0 += (double) a[base + j] * b[base + j] * (w == null ? 1 : w[j]);
            s1 += (double) a[base + j + 1] * b[base + j + 1] * (w == null ? 1 : w[j + 1]);
            s2 += (double) a[base + j + 2] * b[base + j + 2] * (w == null ? 1 : w[j + 2]);
            s3 += (double) a[base + j + 3] * b[base + j + 3] * (w == null ? 1 : w[j + 3]);
        }
        for (; j < c; j++) {
            s0 += (double) a[base + j] * b[base + j] * (w == null ? 1 : w[j]);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void activationForward(Tensor out, Tensor x, MlpActivation variant) {
        float[] o = d(out), in = d(x);
        if (variant == MlpActivation.RELU) {
            for (int i = 0; i < o.length; i++) {
                o[i] = in[i] > 0 ? in[i] : 0f;
            }
        } else if (variant == MlpActivation.GELU_ERF) {
            geluErf(o, in);
        } else {
            for (int i = 0; i < o.length; i++) {
                double v = in[i];
                o[i] = (float) (0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
            }
        }
    }


    /** See {@link RowChunks#run}. */
    static void inChunks(int rows, long costPerRow, RowChunks.RowRange body) {
        RowChunks.run(rows, costPerRow, body);
    }

    /** {@code out = 0.5·x·(1 + erf(x/√2))} with the exp-free float erf, in parallel chunks when large. */
    static void geluErf(float[] out, float[] in) {
        inChunks(in.length, 1, (from, to) -> geluErf(out, in, from, to));
    }

    /** The erf GELU of {@code in[from, to)} into {@code out} (may be the same array). */
    static void geluErf(float[] out, float[] in, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = in[i];
            out[i] = 0.5f * x * (1f + SpecialFunctions.erfRational(x * 0.70710678f));
        }
    }

    @Override
    public void activationBackward(Tensor dx, Tensor dout, Tensor x, MlpActivation variant) {
        float[] dinp = d(dx), g = d(dout), in = d(x);
        if (variant == MlpActivation.RELU) {
            for (int i = 0; i < dinp.length; i++) {
                dinp[i] = in[i] > 0 ? g[i] : 0f;
            }
        } else if (variant == MlpActivation.GELU_ERF) {
            inChunks(dinp.length, 16, (from, to) -> {
                for (int i = from; i < to; i++) {
                    double v = in[i];
                    double cdf = 0.5 * (1 + erf(v * INV_SQRT_2)), pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                    dinp[i] = (float) (g[i] * (cdf + v * pdf));
                }
            });
        } else {
            for (int i = 0; i < dinp.length; i++) {
                double v = in[i];
                double th = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
                double dth = (1 - th * th) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
                dinp[i] = (float) (g[i] * (0.5 * (1 + th) + 0.5 * v * dth));
            }
        }
    }

    @Override
    public void swigluForward(Tensor out, Tensor gate, Tensor up) {
        float[] o = d(out); // e^−v goes into o first, so an input that o overwrites is read from a copy
        float[] a = d(gate) == o ? o.clone() : d(gate), b = d(up) == o ? o.clone() : d(up);
        inChunks(o.length, 16, (from, to) -> {
            FloatExp.exp(a, o, from, to, -1f, 0f, FloatExp.scratch());
            for (int i = from; i < to; i++) {
                o[i] = a[i] / (1 + o[i]) * b[i];
            }
        });
    }

    @Override
    public void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
        float[] da = d(dgate), db = d(dup), g = d(dout), a = d(gate), b = d(up);
        boolean aliased = da == db || da == g || da == a || da == b || db == g || db == a || db == b;
        float[] e = aliased ? new float[g.length] : da; // e^−v first, then the gradients over it
        inChunks(g.length, 24, (from, to) -> {
            FloatExp.exp(a, e, from, to, -1f, 0f, FloatExp.scratch());
            for (int i = from; i < to; i++) {
                float v = a[i], sig = 1 / (1 + e[i]), gi = g[i];
                da[i] = gi * b[i] * sig * (1 + v * (1 - sig));
                db[i] = gi * v * sig;
            }
        });
    }

    /** The tanh GELU as g·σ(z), z = 2·√(2/π)·(g + 0.044715·g³): 0.5·(1 + tanh(z/2)) = σ(z), so e^−z does the work. */
    private static final float GELU_Z = (float) (2 * Math.sqrt(2 / Math.PI)), GELU_CUBIC = 0.044715f;

    /** out[i] = e^−z(a[i]) over [from, to), z the tanh GELU's argument (σ(z) = 1 / (1 + out[i])). */
    private static void expMinusGeluZ(float[] a, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = a[i];
            out[i] = GELU_Z * (v + GELU_CUBIC * v * v * v);
        }
        FloatExp.exp(out, out, from, to, -1f, 0f, FloatExp.scratch());
    }

    @Override
    public void gegluForward(Tensor out, Tensor gate, Tensor up, MlpActivation variant) {
        if (variant != MlpActivation.GELU_TANH) {
            float[] act = new float[out.size()], b = d(up), o = d(out);
            activationForward(FloatTensor.wrap(act, gate.shape()), gate, variant);
            for (int i = 0; i < o.length; i++) {
                o[i] = act[i] * b[i];
            }
            return;
        }
        float[] o = d(out); // e^−z goes into o first, so an input that o overwrites is read from a copy
        float[] a = d(gate) == o ? o.clone() : d(gate), b = d(up) == o ? o.clone() : d(up);
        inChunks(o.length, 20, (from, to) -> {
            expMinusGeluZ(a, o, from, to);
            for (int i = from; i < to; i++) {
                o[i] = a[i] / (1 + o[i]) * b[i];
            }
        });
    }

    @Override
    public void gegluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up, MlpActivation variant) {
        if (variant != MlpActivation.GELU_TANH) {
            float[] act = new float[dout.size()], gb = new float[act.length], g = d(dout), b = d(up), db = d(dup);
            activationForward(FloatTensor.wrap(act, gate.shape()), gate, variant);
            for (int i = 0; i < g.length; i++) {
                gb[i] = g[i] * b[i];
            }
            Tensor gate0 = d(dgate) == d(gate) ? gate.copy() : gate;
            for (int i = 0; i < g.length; i++) { // dout and up were read into gb: dup may alias them
                db[i] = g[i] * act[i];
            }
            activationBackward(dgate, FloatTensor.wrap(gb, dout.shape()), gate0, variant);
            return;
        }
        float[] da = d(dgate), db = d(dup), g = d(dout), a = d(gate), b = d(up);
        boolean aliased = da == db || da == g || da == a || da == b || db == g || db == a || db == b;
        float[] e = aliased ? new float[g.length] : da; // e^−z first, then the gradients over it
        inChunks(g.length, 28, (from, to) -> {
            expMinusGeluZ(a, e, from, to);
            for (int i = from; i < to; i++) {
                float v = a[i], sig = 1 / (1 + e[i]), gi = g[i];
                float slope = sig + v * sig * (1 - sig) * GELU_Z * (1 + 3 * GELU_CUBIC * v * v);
                da[i] = gi * b[i] * slope;
                db[i] = gi * v * sig;
            }
        });
    }

    @Override
    public void attentionSoftmax(Tensor att, int[] keyMask, boolean causal, int past, int window) {
        float[] p = d(att);
        int heads = att.dim(1), time = att.dim(2), keys = att.dim(3);
        inChunks(att.dim(0) * heads * time, 8L * keys, (from, to) -> {
            FloatExp.Scratch scratch = FloatExp.scratch();
            float[] lanes = Simd.ON ? new float[VectorKernels.lanes()] : null;
            for (int row = from; row < to; row++) {
                int b = row / (heads * time), t = row % time;
                int base = row * keys;
                int limit = causal ? Math.min(keys, past + t + 1) : keys;
                int first = window > 0 ? Math.min(limit, Math.max(0, past + t - window + 1)) : 0; // keys before it are outside the window
                if (keyMask == null) {
                    if (Simd.ON) {
                        VectorKernels.softmaxRow(p, base, first, limit, keys, lanes);
                    } else {
                        softmaxRowPlain(p, base, first, limit, keys, scratch);
                    }
                } else {
                    maskedSoftmaxRow(p, base, first, limit, keys, keyMask, b * keys, scratch);
                }
            }
        });
    }

    /**
     * Softmax of p[base + first, base + limit) in place, zeros over the rest of [base, base + keys): the plain-Java form
     * of {@link VectorKernels#softmaxRow}, the sum in float64.
     */
    static void softmaxRowPlain(float[] p, int base, int first, int limit, int keys, FloatExp.Scratch scratch) {
        double max = rowMax(p, base + first, limit - first);
        FloatExp.expLoops(p, p, base + first, base + limit, 1f, -(float) max, scratch);
        java.util.Arrays.fill(p, base, base + first, 0f);
        java.util.Arrays.fill(p, base + limit, base + keys, 0f);
        scaleToOne(p, base + first, limit - first);
    }

    /** The same over the keys whose {@code keyMask[maskBase + s]} is not 0; the others get 0. */
    private static void maskedSoftmaxRow(float[] p, int base, int first, int limit, int keys, int[] keyMask, int maskBase,
            FloatExp.Scratch scratch) {
        double max = Double.NEGATIVE_INFINITY;
        for (int s = first; s < limit; s++) {
            if (keyMask[maskBase + s] != 0) {
                max = Math.max(max, p[base + s]);
            }
        }
        // no branch in the exponentials: masked keys are zeroed after them
        FloatExp.exp(p, p, base + first, base + limit, 1f, -(float) max, scratch);
        for (int s = first; s < limit; s++) {
            if (keyMask[maskBase + s] == 0) {
                p[base + s] = 0;
            }
        }
        java.util.Arrays.fill(p, base, base + first, 0f);
        java.util.Arrays.fill(p, base + limit, base + keys, 0f);
        scaleToOne(p, base + first, limit - first);
    }

    /** Divides p[from, from + n) by its float64 sum; a NaN sum (a NaN score) spoils the whole range, a zero sum leaves zeros. */
    private static void scaleToOne(float[] p, int from, int n) {
        double sum = sum(p, from, n);
        float inv = sum > 0 ? (float) (1 / sum) : Double.isNaN(sum) ? Float.NaN : 0;
        for (int s = from; s < from + n; s++) {
            p[s] *= inv;
        }
    }

    @Override
    public void softcap(Tensor x, double cap) {
        float[] v = d(x);
        double inv = 1 / cap;
        inChunks(v.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                v[i] = (float) (cap * Math.tanh(v[i] * inv));
            }
        });
    }

    @Override
    public void softcapBackward(Tensor dx, Tensor dy, Tensor capped, double cap) {
        float[] out = d(dx), g = d(dy), y = d(capped);
        assert out.length == g.length && g.length == y.length;
        double inv = 1 / cap;
        inChunks(out.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                double t = y[i] * inv;
                out[i] = (float) (g[i] * (1 - t * t));
            }
        });
    }

    @Override
    public void softmaxBackward(Tensor dscores, Tensor probs, Tensor dprobs) {
        float[] ds = d(dscores), p = d(probs), dp = d(dprobs);
        int cols = probs.dim(-1);
        inChunks(p.length / cols, 2L * cols, (from, to) -> {
            for (int row = from; row < to; row++) {
                softmaxBackwardRow(ds, p, dp, row * cols, cols, cols);
            }
        });
    }

    @Override
    public void causalSoftmaxBackward(Tensor dscores, Tensor probs, Tensor dprobs, int past) {
        float[] ds = d(dscores), p = d(probs), dp = d(dprobs);
        int time = probs.dim(2), keys = probs.dim(3);
        inChunks(p.length / keys, keys, (from, to) -> {
            for (int row = from; row < to; row++) {
                softmaxBackwardRow(ds, p, dp, row * keys, Math.min(keys, past + row % time + 1), keys);
            }
        });
    }

    /** Σ p[base, base + limit) in four float64 partial sums. */
    private static double sum(float[] p, int base, int limit) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int s = 0;
        for (; s + 3 < limit; s += 4) {
            s0 += p[base + s];
            s1 += p[base + s + 1];
            s2 += p[base + s + 2];
            s3 += p[base + s + 3];
        }
        for (; s < limit; s++) {
            s0 += p[base + s];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * The largest of p[base, base + limit) (−∞ when empty), in four running maxima: the same value in any order. A plain
     * comparison, not {@code Math.max}, whose care for NaN and −0 made this loop 2.5–2.7× slower (38–41 against 15 µs for
     * one head's 256 causal rows; results/lora-comparison/seventh-look/softmax-parts-output.txt). A NaN score is passed over here; its exponential and
     * the row's sum are NaN, and the caller then makes the whole row NaN, as a NaN maximum did.
     */
    private static double rowMax(float[] p, int base, int limit) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
        int s = 0;
        for (; s + 3 < limit; s += 4) {
            float a0 = p[base + s], a1 = p[base + s + 1], a2 = p[base + s + 2], a3 = p[base + s + 3];
            m0 = a0 > m0 ? a0 : m0;
            m1 = a1 > m1 ? a1 : m1;
            m2 = a2 > m2 ? a2 : m2;
            m3 = a3 > m3 ? a3 : m3;
        }
        for (; s < limit; s++) {
            float a = p[base + s];
            m0 = a > m0 ? a : m0;
        }
        m0 = m1 > m0 ? m1 : m0;
        m2 = m3 > m2 ? m3 : m2;
        return m2 > m0 ? m2 : m0;
    }

    /** One row from {@code base}: p is zero from {@code limit} on; the dot in four float64 partial sums (independent adds). */
    private static void softmaxBackwardRow(float[] ds, float[] p, float[] dp, int base, int limit, int cols) {
        float dot = (float) dot(p, dp, null, base, limit);
        for (int s = 0; s < limit; s++) { // float products: the loop vectorises
            ds[base + s] = p[base + s] * (dp[base + s] - dot);
        }
        java.util.Arrays.fill(ds, base + limit, base + cols, 0f);
    }

    @Override
    public void rotate(Tensor x, int[] positions, double[] cos, double[] sin, boolean inverse) {
        float[] v = d(x);
        int time = x.dim(1), heads = x.dim(2), dim = x.dim(3), half = dim / 2;
        double sign = inverse ? -1 : 1;
        for (int bt = 0; bt * heads * dim < v.length; bt++) {
            int table = positions[bt % time] * half;
            for (int h = 0; h < heads; h++) {
                int row = (bt * heads + h) * dim;
                for (int i = 0; i < half; i++) {
                    double c = cos[table + i], s = sign * sin[table + i];
                    double x1 = v[row + i], x2 = v[row + half + i];
                    v[row + i] = (float) (x1 * c - x2 * s);
                    v[row + half + i] = (float) (x2 * c + x1 * s);
                }
            }
        }
    }

    @Override
    public void splitHeads(Tensor headMajor, Tensor tokenMajor, int t0) {
        float[] hm = d(headMajor), tm = d(tokenMajor);
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
        float[] hm = d(headMajor), tm = d(tokenMajor);
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
        float[] p = d(probs), z = d(logits);
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
                p[base + v] = (float) Math.exp(z[base + v] - logSum);
            }
            if (targets[n] != ignoreIndex) {
                total += logSum - z[base + targets[n]];
            }
        }
        return total;
    }

    @Override
    public void crossEntropyBackward(Tensor dlogits, Tensor probs, int[] targets, int ignoreIndex, double scale) {
        float[] g = d(dlogits), p = d(probs);
        int vocab = probs.dim(-1);
        for (int n = 0; n < targets.length; n++) {
            int base = n * vocab;
            if (targets[n] == ignoreIndex) {
                java.util.Arrays.fill(g, base, base + vocab, 0);
                continue;
            }
            for (int v = 0; v < vocab; v++) {
                g[base + v] = (float) (scale * p[base + v]);
            }
            g[base + targets[n]] -= (float) scale;
        }
    }
}
