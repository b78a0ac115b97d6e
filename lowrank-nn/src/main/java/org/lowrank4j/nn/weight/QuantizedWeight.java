package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.RowChunks;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A weight stored in few bits: {@code W ≈ dequant(Q)·diag(s) + A·B}, with Q (out, in) packed codes and group scales (and
 * zero points) in the layout of {@link QuantizedMatrix} (int2/3/4/8 group-wise, NF), an optional float low-rank branch
 * A (out, r), B (r, in) — the EoRA / LQ-LoRA form — and an optional per-input-channel scale s (in) that multiplies the
 * base's input only — SVDQuant's smoothing, s = 1/λ. {@code y = (x ⊙ s)·dequant(Q)ᵀ + (x·Bᵀ)·Aᵀ}; without s, s = 1.
 *
 * <p>The forward pass never forms dequant(Q) whole: it dequantizes a tile of output rows at a time into one buffer and
 * multiplies x by that tile's transpose into the matching columns of y; the backward pass does the same for
 * {@code dx = dy·W}. A tile has {@link #tileRows()} rows (about 64 K values by default), or as many rows as the input
 * when the input has more, so it never holds more values than the larger of the two. Up to {@link #VECTOR_ROWS} float32
 * rows (decoding a token) are multiplied straight from the codes instead, with no tile at all. With {@code cacheDense} the whole
 * dequantized matrix is formed once, on the first call, and kept (fast, at the memory of the dense weight).
 *
 * <p>The codes are frozen: they have no gradient, and {@link #parameters()} lists only the branch's factors (none
 * without a branch), so an optimizer trains the branch over a fixed quantized base.
 */
public final class QuantizedWeight implements WeightFactorization {
    /** Values of the dequantization buffer when no tile is given: about 256 KB in float32. */
    public static final int DEFAULT_TILE_VALUES = 1 << 16;

    private final String name;
    private final QuantizedMatrix base;   // (out, in)
    private final LowRankWeight branch;   // A (out, r), B (r, in), or null
    private final float[] inputScale;     // s (in), multiplying the base's input, or null
    private final Precision precision;
    private final int tileRows;
    private final boolean cacheDense;
    private Tensor dense;                 // (out, in), only with cacheDense

    /**
     * @param name       the projection's name, in messages and in the branch factors' parameter names
     * @param base       the quantized matrix, rows = output features
     * @param branch     the float branch A·B of the same shape, or null
     * @param precision  the precision of the activations (and of the branch, when given)
     * @param tileRows   output rows dequantized at a time (≥ 1; capped at out)
     * @param cacheDense form dequant(Q) once and keep it instead of dequantizing per call
     * @throws IllegalArgumentException when the branch does not match the base, is of another precision or holds a
     *                                  non-finite value, or tileRows is below 1
     */
    public QuantizedWeight(String name, QuantizedMatrix base, LowRankWeight branch, Precision precision, int tileRows, boolean cacheDense) {
        this(name, base, branch, null, precision, tileRows, cacheDense);
    }

    /**
     * As {@link #QuantizedWeight(String, QuantizedMatrix, LowRankWeight, Precision, int, boolean)} with a per-input-channel
     * scale s of the base's input (null: none).
     *
     * @throws IllegalArgumentException also when s does not have one finite, non-zero value per input feature
     */
    public QuantizedWeight(String name, QuantizedMatrix base, LowRankWeight branch, float[] inputScale, Precision precision, int tileRows,
                           boolean cacheDense) {
        if (base == null) {
            throw new IllegalArgumentException(name + ": a quantized weight needs its quantized matrix");
        }
        if (tileRows < 1) {
            throw new IllegalArgumentException(name + ": tile rows must be at least 1, got " + tileRows);
        }
        if (branch != null) {
            if (branch.outFeatures() != base.rows() || branch.inFeatures() != base.cols()) {
                throw new IllegalArgumentException(name + ": low-rank branch " + branch.outFeatures() + "x" + branch.inFeatures()
                        + " does not match the " + base.rows() + "x" + base.cols() + " quantized base");
            }
            if (branch.precision() != precision) {
                throw new IllegalArgumentException(name + ": low-rank branch is " + branch.precision() + " but the weight runs in " + precision);
            }
            requireFinite(name, branch.left());
            requireFinite(name, branch.right());
        }
        if (inputScale != null) {
            if (inputScale.length != base.cols()) {
                throw new IllegalArgumentException(name + ": input scale has " + inputScale.length + " values for " + base.cols() + " input features");
            }
            for (int j = 0; j < inputScale.length; j++) {
                if (!Float.isFinite(inputScale[j]) || inputScale[j] == 0) {
                    throw new IllegalArgumentException(name + ": input scale holds " + inputScale[j] + " at feature " + j
                            + "; scales must be finite and non-zero");
                }
            }
        }
        this.name = name;
        this.base = base;
        this.branch = branch;
        this.inputScale = inputScale == null ? null : inputScale.clone();
        this.precision = precision;
        this.tileRows = Math.min(tileRows, base.rows());
        this.cacheDense = cacheDense;
    }

    /** The base alone, dequantized a tile of about {@link #DEFAULT_TILE_VALUES} values at a time. */
    public static QuantizedWeight of(String name, QuantizedMatrix base, Precision precision) {
        return of(name, base, null, precision);
    }

    /** Base plus branch (null: none), dequantized a tile of about {@link #DEFAULT_TILE_VALUES} values at a time. */
    public static QuantizedWeight of(String name, QuantizedMatrix base, LowRankWeight branch, Precision precision) {
        return new QuantizedWeight(name, base, branch, precision, Math.max(1, DEFAULT_TILE_VALUES / base.cols()), false);
    }

    /** Base plus branch (null: none) with the base's input scaled per feature by {@code inputScale} (null: none). */
    public static QuantizedWeight of(String name, QuantizedMatrix base, LowRankWeight branch, float[] inputScale, Precision precision) {
        return new QuantizedWeight(name, base, branch, inputScale, precision, Math.max(1, DEFAULT_TILE_VALUES / base.cols()), false);
    }

    private static void requireFinite(String name, Parameter p) {
        Tensor t = p.value();
        for (int i = 0; i < t.size(); i++) {
            if (!Double.isFinite(t.get(i))) {
                throw new IllegalArgumentException(name + ": low-rank factor " + p.name() + " holds " + t.get(i) + " at element " + i
                        + "; factors must be finite");
            }
        }
    }

    public String name() {
        return name;
    }

    /** The quantized matrix Q (out, in). */
    public QuantizedMatrix base() {
        return base;
    }

    /** The float branch, or null. */
    public LowRankWeight branch() {
        return branch;
    }

    /** The per-input-feature scale of the base's input (a copy), or null when the base reads x as it is. */
    public float[] inputScale() {
        return inputScale == null ? null : inputScale.clone();
    }

    /** Output rows dequantized per tile. */
    public int tileRows() {
        return tileRows;
    }

    @Override
    public int inFeatures() {
        return base.cols();
    }

    @Override
    public int outFeatures() {
        return base.rows();
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = newOutput(name, x); // (N, out)
        forwardInto(y, x);
        return y;
    }

    @Override
    public void forwardInto(Tensor y, Tensor x) {
        checkInput(name, x);
        checkOutput(y, x);
        int n = x.size() / inFeatures(), in = inFeatures(), out = outFeatures();
        if (cacheDense) {
            MatMul.timesTransposed(y, x, denseBase(), 0);
        } else if (precision == Precision.FLOAT32 && n <= VECTOR_ROWS) {
            timesVectors((FloatTensor) x, (FloatTensor) y, n);
        } else {
            int rows = rowsPerTile(n);
            Tile tile = new Tile(rows);
            var xm = x.matrix(n, in);
            var ym = y.matrix(n, out);
            for (int r0 = 0; r0 < out; r0 += rows) {
                int r1 = Math.min(out, r0 + rows);
                DenseMatrix w = tile.load(r0, r1);                                               // (r1-r0, in)
                MatMul.gemm(1, xm, w.transpose(), 0, ym.view(0, n, r0, r1));                     // y[:, r0:r1] = x·tileᵀ
            }
        }
        if (branch != null) {
            Tensor h = Tensor.zeros(precision, n, branch.rank());
            MatMul.timesTransposed(h, x, branch.right().value(), 0);                            // h(N,r) = x Bᵀ
            MatMul.timesTransposed(y, h, branch.left().value(), 1);                             // y += h Aᵀ
        }
    }

    /**
     * Up to this many input rows (decoding a token or a few) go through {@link QuantizedMatrix#timesVector}, which reads
     * the codes once a row and never forms a tile; more rows (a prompt, a training batch) dequantize tiles for BLAS.
     */
    static final int VECTOR_ROWS = 4;

    /** y(N,out) = (x ⊙ s)·dequant(Q)ᵀ one input row at a time, the output rows split over cores. */
    private void timesVectors(FloatTensor x, FloatTensor y, int n) {
        int in = inFeatures(), out = outFeatures();
        float[] xs = x.data(), ys = y.data();
        for (int row = 0; row < n; row++) {
            float[] v = xs;
            int at = row * in, yAt = row * out;
            if (inputScale != null) {
                v = new float[in];
                for (int j = 0; j < in; j++) {
                    v[j] = xs[at + j] * inputScale[j];
                }
                at = 0;
            }
            float[] input = v;
            int inputAt = at;
            RowChunks.run(out, in, (from, to) -> base.timesVector(input, inputAt, ys, yAt + from, from, to - from));
        }
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor dx = x.zerosLike();                                                               // (N, in)
        backwardInto(dx, dy, x, false);
        return dx;
    }

    @Override
    public void backwardInto(Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        checkInputGradient(dx, x);
        int n = x.size() / inFeatures(), in = inFeatures(), out = outFeatures();
        if (cacheDense) {
            MatMul.times(dx, dy, denseBase(), accumulate ? 1 : 0);
        } else {
            int rows = rowsPerTile(n);
            Tile tile = new Tile(rows);
            var dym = dy.matrix(n, out);
            var dxm = dx.matrix(n, in);
            for (int r0 = 0; r0 < out; r0 += rows) {
                int r1 = Math.min(out, r0 + rows);
                DenseMatrix w = tile.load(r0, r1);
                double beta = r0 == 0 && !accumulate ? 0 : 1;                                    // the first tile overwrites dx
                MatMul.gemm(1, dym.view(0, n, r0, r1), w, beta, dxm);                            // dx += dy[:, r0:r1]·tile
            }
        }
        if (branch != null) {
            branch.backwardInto(dx, dy, x, true);                                               // dA, dB, and dx += dy·A·B
        }
    }

    @Override
    public Tensor toDense() {
        Tensor w = Tensor.zeros(precision, outFeatures(), inFeatures());
        Tile tile = new Tile(tileRows);
        for (int r0 = 0; r0 < outFeatures(); r0 += tileRows) {
            int r1 = Math.min(outFeatures(), r0 + tileRows);
            w.matrix().view(r0, r1, 0, inFeatures()).assign(tile.load(r0, r1));
        }
        if (branch != null) {
            Tensor ab = branch.toDense();
            for (int i = 0; i < w.size(); i++) {
                w.set(i, w.get(i) + ab.get(i));
            }
        }
        return w;
    }

    @Override
    public List<Parameter> parameters() {
        return branch == null ? List.of() : branch.parameters();
    }

    /** Every byte the weight stores: the packed base plus 4 per branch parameter and per input scale (float32 on disk). */
    public long bytes() {
        return base.bytes() + (branch == null ? 0 : 4L * branch.rank() * (outFeatures() + inFeatures())) + (inputScale == null ? 0 : 4L * inFeatures());
    }

    private Tensor denseBase() {
        if (dense == null) {
            Tensor w = Tensor.zeros(precision, outFeatures(), inFeatures());
            float[] values = new float[outFeatures() * inFeatures()];
            base.dequantizeRows(0, outFeatures(), values);
            scaleColumns(values, outFeatures());
            for (int i = 0; i < values.length; i++) {
                w.set(i, values[i]);
            }
            dense = w;
        }
        return dense;
    }

    /** Multiplies column j of {@code rows} dequantized rows by s_j (x ⊙ s times Qᵀ is x times (Q·diag(s))ᵀ). */
    private void scaleColumns(float[] values, int rows) {
        if (inputScale == null) {
            return;
        }
        int in = inFeatures();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < in; j++) {
                values[i * in + j] *= inputScale[j];
            }
        }
    }

    /**
     * Output rows per tile for an input of n rows: at least {@link #tileRows()}, and at least n, so that a prompt or a
     * training batch is not copied to BLAS once for each of many small tiles (and, in the backward pass, dx in and out
     * again for each). The tile then holds no more values than the input itself, so memory stays in proportion to the
     * activations; a decoder's batch of 1,024 rows multiplies each of its weights up to 1,024 rows wide in one product.
     */
    private int rowsPerTile(int n) {
        return Math.min(outFeatures(), Math.max(tileRows, n));
    }

    /**
     * One dequantization buffer of {@code capacity} × in values, reused across the tiles of a call. The float32 buffer
     * comes from a per-thread cache of arrays by length (softly held, so the collector may take them back), so that a
     * training step does not allocate and zero a tile for every weight twice over.
     */
    private final class Tile {
        private final float[] values;
        private final FloatMatrix floats;  // the values as capacity × in
        private final DenseMatrix doubles; // their float64 copy for a float64 weight, else null

        Tile(int capacity) {
            values = scratch(capacity * inFeatures());
            floats = FloatMatrix.wrap(values, capacity, inFeatures());
            doubles = precision == Precision.FLOAT64 ? Tensor.zeros(precision, capacity, inFeatures()).matrix() : null;
        }

        /** Rows [r0, r1) of dequant(Q) as a (r1 − r0, in) matrix in the weight's precision (valid until the next load). */
        DenseMatrix load(int r0, int r1) {
            int rows = r1 - r0;
            base.dequantizeRows(r0, rows, values);
            scaleColumns(values, rows);
            DenseMatrix tile = floats.rowRange(0, rows);
            if (doubles == null) {
                return tile;
            }
            DenseMatrix wide = doubles.rowRange(0, rows);
            wide.assign(tile);
            return wide;
        }
    }

    private static final ThreadLocal<java.util.Map<Integer, java.lang.ref.SoftReference<float[]>>> SCRATCH =
            ThreadLocal.withInitial(java.util.HashMap::new);

    /** A float array of exactly {@code length} values from this thread's cache (its contents are whatever was left). */
    private static float[] scratch(int length) {
        var cache = SCRATCH.get();
        var held = cache.get(length);
        float[] array = held == null ? null : held.get();
        if (array == null) {
            array = new float[length];
            cache.put(length, new java.lang.ref.SoftReference<>(array));
        }
        return array;
    }
}
