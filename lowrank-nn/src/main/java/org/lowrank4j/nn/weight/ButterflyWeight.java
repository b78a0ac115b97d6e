package org.lowrank4j.nn.weight;

import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A weight held as a product of butterfly matrices (Dao et al. 2019, Kaleidoscope 2020; spec
 * ../shared/methods/17-butterfly-kaleidoscope.md): with n the power of two at least as large as both widths, M (n×n) is
 * {@code blocks} butterfly matrices of log₂n factors each, every factor a 2×2 block per index pair (i, i + s) inside
 * blocks of size 2s. Even blocks apply the strides 1, 2, …, n/2 in that order, odd ones n/2, …, 1 (the B·Bᵀ pattern of
 * the Kaleidoscope hierarchy). W (out × in) is the top-left corner of M: inputs are padded with zeros to n, outputs cut
 * to {@code out}. Parameters: {@code blocks · log₂n · 2n} real twiddles instead of out·in.
 *
 * <p>The twiddle tensor has shape (blocks, log₂n, n/2, 4): for stride s = 2^level and the pair of offset t in block b
 * (i = b·2s + t, j = i + s), the entry at (b·s + t) holds [a, b, c, d] with y_i = a·x_i + b·x_j, y_j = c·x_i + d·x_j.
 * The backward pass recomputes the factors' inputs from x (stateless, as {@link WeightFactorization} asks).
 */
public final class ButterflyWeight implements WeightFactorization {
    private final Parameter twiddles;
    private final int in;
    private final int out;
    private final int n;
    private final int levels;
    private final int blocks;

    public ButterflyWeight(Parameter twiddles, int out, int in) {
        Tensor t = twiddles.value();
        if (t.rank() != 4 || t.dim(3) != 4 || t.dim(0) < 1) {
            throw new IllegalArgumentException("butterfly twiddles " + twiddles.name() + " must have shape (blocks, levels, n/2, 4), got "
                    + t.shapeString());
        }
        this.n = 2 * t.dim(2);
        this.levels = t.dim(1);
        this.blocks = t.dim(0);
        if (n < 2 || Integer.bitCount(n) != 1 || 1 << levels != n) {
            throw new IllegalArgumentException("butterfly twiddles " + twiddles.name() + " of shape " + t.shapeString()
                    + " do not describe a power-of-two size n with log2(n) levels");
        }
        if (in < 1 || out < 1 || in > n || out > n) {
            throw new IllegalArgumentException("a " + n + "-point butterfly cannot hold a " + out + "x" + in + " weight");
        }
        this.twiddles = twiddles;
        this.in = in;
        this.out = out;
    }

    /** The butterfly size for a weight of these widths: the smallest power of two at least as large as both. */
    public static int sizeFor(int out, int in) {
        int n = 2;
        while (n < Math.max(out, in)) {
            n *= 2;
        }
        return n;
    }

    /** Twiddles a butterfly of this shape has: blocks · log₂n · 2n. */
    public static long twiddleCount(int out, int in, int blocks) {
        int n = sizeFor(out, in);
        return (long) blocks * Integer.numberOfTrailingZeros(n) * 2L * n;
    }

    /**
     * Every 2×2 block a random rotation or reflection ('ortho' initialisation in the spec), so that M is orthogonal and
     * the layer starts norm-preserving; the twiddles are named {@code name + ".twiddles"}.
     */
    public static ButterflyWeight orthogonal(String name, int out, int in, int blocks, Precision precision, Random random) {
        int n = sizeFor(out, in), levels = Integer.numberOfTrailingZeros(n);
        if (blocks < 1) {
            throw new IllegalArgumentException("a butterfly needs at least one block, got " + blocks);
        }
        double[] values = new double[blocks * levels * (n / 2) * 4];
        for (int q = 0; q < values.length; q += 4) {
            double angle = 2 * Math.PI * random.nextDouble(), c = Math.cos(angle), s = Math.sin(angle);
            boolean reflect = random.nextBoolean();
            values[q] = c;
            values[q + 1] = reflect ? s : -s;
            values[q + 2] = s;
            values[q + 3] = reflect ? -c : c;
        }
        return new ButterflyWeight(new Parameter(name + ".twiddles", Tensor.of(precision, values, blocks, levels, n / 2, 4)), out, in);
    }

    public Parameter twiddles() {
        return twiddles;
    }

    /** n, the size of each butterfly matrix. */
    public int size() {
        return n;
    }

    public int blocks() {
        return blocks;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    @Override
    public Precision precision() {
        return twiddles.value().precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(twiddles.name(), x);
        int rows = x.size() / in;
        double[] w = twiddles.value().toDoubleArray();
        double[] v = padded(x, rows);
        for (int step = 0; step < blocks * levels; step++) {
            applyFactor(w, step, v, rows);
        }
        return Tensor.of(precision(), cut(v, rows), outputShape(x));
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        int rows = x.size() / in;
        double[] w = twiddles.value().toDoubleArray();
        int steps = blocks * levels;
        double[][] inputs = new double[steps][];
        double[] v = padded(x, rows);
        for (int step = 0; step < steps; step++) {
            inputs[step] = v.clone();
            applyFactor(w, step, v, rows);
        }
        double[] g = new double[rows * n];
        double[] dyv = dy.toDoubleArray();
        for (int r = 0; r < rows; r++) {
            System.arraycopy(dyv, r * out, g, r * n, out);
        }
        double[] dw = new double[w.length];
        for (int step = steps - 1; step >= 0; step--) {
            backFactor(w, step, inputs[step], g, dw, rows);
        }
        if (!twiddles.isFrozen()) {
            Tensor grad = twiddles.gradient();
            for (int q = 0; q < dw.length; q++) {
                grad.set(q, grad.get(q) + dw[q]);
            }
        }
        double[] dx = new double[rows * in];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(g, r * n, dx, r * in, in);
        }
        return Tensor.of(precision(), dx, x.shape());
    }

    @Override
    public Tensor toDense() {
        double[] identity = new double[in * in];
        for (int i = 0; i < in; i++) {
            identity[i * in + i] = 1;
        }
        Tensor rows = forward(Tensor.of(Precision.FLOAT64, identity, in, in).to(precision())); // row i = W[:, i]
        double[] wt = rows.toDoubleArray();
        double[] dense = new double[out * in];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                dense[o * in + i] = wt[i * out + o];
            }
        }
        return Tensor.of(precision(), dense, out, in);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(twiddles);
    }

    private double[] padded(Tensor x, int rows) {
        double[] xs = x.toDoubleArray();
        double[] v = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(xs, r * in, v, r * n, in);
        }
        return v;
    }

    private double[] cut(double[] v, int rows) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, r * n, y, r * out, out);
        }
        return y;
    }

    /** The level a step of the product applies: even blocks stride 1 first, odd blocks stride n/2 first. */
    private int levelOf(int step) {
        int block = step / levels, k = step % levels;
        return block % 2 == 0 ? k : levels - 1 - k;
    }

    private int offsetOf(int step) {
        return ((step / levels) * levels + levelOf(step)) * (n / 2) * 4;
    }

    private void applyFactor(double[] w, int step, double[] v, int rows) {
        int s = 1 << levelOf(step), base = offsetOf(step);
        for (int r = 0; r < rows; r++) {
            int row = r * n;
            for (int block = 0; block < n / (2 * s); block++) {
                for (int t = 0; t < s; t++) {
                    int i = row + block * 2 * s + t, j = i + s, o = base + 4 * (block * s + t);
                    double xi = v[i], xj = v[j];
                    v[i] = w[o] * xi + w[o + 1] * xj;
                    v[j] = w[o + 2] * xi + w[o + 3] * xj;
                }
            }
        }
    }

    /** Given the factor's input and its output gradient g (replaced by the input gradient), adds the twiddle gradients. */
    private void backFactor(double[] w, int step, double[] x, double[] g, double[] dw, int rows) {
        int s = 1 << levelOf(step), base = offsetOf(step);
        for (int r = 0; r < rows; r++) {
            int row = r * n;
            for (int block = 0; block < n / (2 * s); block++) {
                for (int t = 0; t < s; t++) {
                    int i = row + block * 2 * s + t, j = i + s, o = base + 4 * (block * s + t);
                    double xi = x[i], xj = x[j], gi = g[i], gj = g[j];
                    dw[o] += gi * xi;
                    dw[o + 1] += gi * xj;
                    dw[o + 2] += gj * xi;
                    dw[o + 3] += gj * xj;
                    g[i] = w[o] * gi + w[o + 2] * gj;
                    g[j] = w[o + 1] * gi + w[o + 3] * gj;
                }
            }
        }
    }
}
