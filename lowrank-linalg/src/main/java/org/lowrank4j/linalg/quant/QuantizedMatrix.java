package org.lowrank4j.linalg.quant;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.FloatMatrix;

/**
 * A weight matrix W (m×n: rows = output channels, columns = input features) stored as b-bit codes with a scale,
 * and for asymmetric formats a zero point, per group of consecutive columns of a row.
 *
 * <p>Layout — chosen to be byte-for-byte what ONNX Runtime's {@code com.microsoft.MatMulNBits} reads for B,
 * scales and zero_points (N = m, K = n, block_size = group size), and what {@code GatherBlockQuantized} reads for a
 * uint8 embedding table (rows = vocabulary):
 * <ul>
 *   <li>codes: row r occupies bytes [r·codeRowBytes, (r+1)·codeRowBytes); inside a row the n codes are a
 *       little-endian bit stream (code c at bits [c·b, (c+1)·b), low bits first: for 4 bits column 2c is the low
 *       nibble of byte c). When group·b is a multiple of 8 every group starts on a byte, giving the
 *       [m, groupsPerRow, group·b/8] shape of MatMulNBits' B.</li>
 *   <li>scales: float32, [m, groupsPerRow] row-major.</li>
 *   <li>zero points (asymmetric only): per row a bit stream of groupsPerRow b-bit codes, rows padded to a byte,
 *       [m, ⌈groupsPerRow·b/8⌉] (MatMulNBits' packed uint8 zero points). Symmetric formats store none; their
 *       implicit zero point is 2^(b−1), MatMulNBits' default.</li>
 * </ul>
 * Dequantization: uniform formats (code − zero)·scale; normal float level[code]·scale.
 * Instances are immutable; accessors that return arrays return copies.
 */
public final class QuantizedMatrix {

    private final QuantizationFormat format;
    private final int rows;
    private final int cols;
    private final int groupSize;
    private final byte[] codes;
    private final float[] scales;
    private final byte[] zeroPoints;
    private final double[] levels;
    private final float[] floatLevels; // the levels rounded to float32, for timesVector (null unless normal float)

    /**
     * Wraps packed data in the layout above (the arrays are copied).
     *
     * @param zeroPoints packed zero points for asymmetric formats, null otherwise
     * @throws IllegalArgumentException when an array has the wrong length, the group size does not divide n, a
     *     scale is not finite, or zero points are given (or missing) against the format
     */
    public QuantizedMatrix(QuantizationFormat format, int rows, int cols, byte[] codes, float[] scales,
            byte[] zeroPoints) {
        this(format, rows, cols, codes.clone(), scales.clone(), zeroPoints == null ? null : zeroPoints.clone(), true);
    }

    /** Takes ownership of the arrays (for the quantizers of this package). */
    QuantizedMatrix(QuantizationFormat format, int rows, int cols, byte[] codes, float[] scales, byte[] zeroPoints,
            boolean owned) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("a quantized matrix needs at least one row and column, got "
                    + rows + "x" + cols);
        }
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        this.groupSize = format.groupSizeFor(cols);
        int groups = cols / groupSize;
        requireLength("codes", codes.length, (long) rows * PackedBits.bytesFor(cols, format.bits()));
        requireLength("scales", scales.length, (long) rows * groups);
        if (format.hasZeroPoints() != (zeroPoints != null)) {
            throw new IllegalArgumentException(format + (format.hasZeroPoints() ? " needs" : " has no")
                    + " zero points");
        }
        if (zeroPoints != null) {
            requireLength("zero points", zeroPoints.length, (long) rows * PackedBits.bytesFor(groups, format.bits()));
        }
        for (int i = 0; i < scales.length; i++) {
            if (!Float.isFinite(scales[i])) {
                throw new IllegalArgumentException("scale " + i + " of a " + rows + "x" + cols + " " + format
                        + " matrix is " + scales[i]);
            }
        }
        this.codes = codes;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
        this.levels = format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT ? NormalFloat.levels(format.bits()) : null;
        this.floatLevels = levels == null ? null : DoubleMatrix.wrap(levels, 1, levels.length).toFloat().data();
    }

    private void requireLength(String what, int actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " " + format + " matrix needs " + expected
                    + " bytes/values of " + what + ", got " + actual);
        }
    }

    public QuantizationFormat format() {
        return format;
    }

    /** m, the output channels. */
    public int rows() {
        return rows;
    }

    /** n, the input features. */
    public int cols() {
        return cols;
    }

    public int bits() {
        return format.bits();
    }

    /** Columns per group (n for per-channel formats). */
    public int groupSize() {
        return groupSize;
    }

    public int groupsPerRow() {
        return cols / groupSize;
    }

    /** Bytes of codes per row, ⌈n·b/8⌉. */
    public int codeRowBytes() {
        return PackedBits.bytesFor(cols, format.bits());
    }

    /** Bytes of packed zero points per row, ⌈groupsPerRow·b/8⌉ (0 when the format stores none). */
    public int zeroPointRowBytes() {
        return zeroPoints == null ? 0 : PackedBits.bytesFor(groupsPerRow(), format.bits());
    }

    /** The code of element (row, col), 0 … 2^b − 1. */
    public int code(int row, int col) {
        checkIndex(row, col);
        return PackedBits.get(codes, row * codeRowBytes(), col, format.bits());
    }

    /** The scale of a group of a row. */
    public float scale(int row, int group) {
        return scales[row * groupsPerRow() + group];
    }

    /** The zero point of a group: stored for asymmetric formats, 2^(b−1) for symmetric ones, 0 for normal float. */
    public int zeroPoint(int row, int group) {
        return switch (format.kind()) {
            case ASYMMETRIC -> PackedBits.get(zeroPoints, row * zeroPointRowBytes(), group, format.bits());
            case SYMMETRIC -> 1 << (format.bits() - 1);
            case NORMAL_FLOAT -> 0;
        };
    }

    /** The dequantized value of element (row, col). */
    public double value(int row, int col) {
        int group = col / groupSize;
        return decode(code(row, col), scale(row, group), zeroPoint(row, group));
    }

    double decode(int code, float scale, int zero) {
        return levels != null ? levels[code] * scale : (double) (code - zero) * scale;
    }

    /** W as stored: an m×n float32 matrix of the dequantized values. */
    public FloatMatrix dequantize() {
        FloatMatrix result = FloatMatrix.zeros(rows, cols);
        float[] out = result.data();
        int groups = groupsPerRow();
        int rowBytes = codeRowBytes();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                float scale = scales[r * groups + g];
                int zero = zeroPoint(r, g);
                for (int c = g * groupSize; c < (g + 1) * groupSize; c++) {
                    out[r * cols + c] = (float) decode(PackedBits.get(codes, r * rowBytes, c, format.bits()), scale, zero);
                }
            }
        }
        return result;
    }

    /**
     * Dequantizes rows [first, first + count) into {@code out} (row-major, count·n values from offset 0), the same
     * values as {@link #dequantize()} without forming the whole matrix: what a runtime kernel calls one tile at a time.
     *
     * @throws IndexOutOfBoundsException when the rows leave the matrix or {@code out} is shorter than count·n
     */
    public void dequantizeRows(int first, int count, float[] out) {
        if (first < 0 || count < 0 || first + count > rows || out.length < (long) count * cols) {
            throw new IndexOutOfBoundsException("rows [" + first + ", " + (first + count) + ") of a " + rows + "x" + cols
                    + " matrix into " + out.length + " values");
        }
        int groups = groupsPerRow();
        int rowBytes = codeRowBytes();
        int bits = format.bits();
        // Per group, the value of every code is computed once into a small table (16 entries at 4 bits), so a weight
        // costs a table lookup instead of a conversion and a product: the same float values, twice as fast at 4 bits
        // (results/quantized-decoder/batch-tiles). Eight bits would need a table longer than a group.
        float[] table = bits == 8 ? null : new float[1 << bits];
        for (int i = 0; i < count; i++) {
            int r = first + i;
            int base = r * rowBytes;
            int at = i * cols;
            for (int g = 0; g < groups; g++) {
                float scale = scales[r * groups + g];
                int zero = zeroPoint(r, g);
                int c0 = g * groupSize, c1 = c0 + groupSize;
                if (bits == 8) {
                    for (int c = c0; c < c1; c++) {
                        out[at + c] = ((codes[base + c] & 0xff) - zero) * scale; // exact integer times a float: one rounding
                    }
                    continue;
                }
                if (levels != null) {
                    for (int code = 0; code < table.length; code++) {
                        table[code] = (float) (levels[code] * scale);
                    }
                } else {
                    for (int code = 0; code < table.length; code++) {
                        table[code] = (code - zero) * scale; // an exact small integer times a float: one rounding, as in double
                    }
                }
                if (bits == 4 && (c0 & 1) == 0 && (groupSize & 1) == 0) {
                    for (int c = c0; c < c1; c += 2) { // two codes per byte, low nibble first
                        int b = codes[base + (c >>> 1)];
                        out[at + c] = table[b & 0xf];
                        out[at + c + 1] = table[(b >>> 4) & 0xf];
                    }
                } else {
                    for (int c = c0; c < c1; c++) {
                        out[at + c] = table[PackedBits.get(codes, base, c, bits)];
                    }
                }
            }
        }
    }

    /**
     * {@code y[r] = Σ_c W[r][c]·x[c]} for rows [first, first + count): W times one vector, reading each row's codes once and
     * multiplying them as they are decoded, so W is never formed, not even a tile of it. This is what decoding one token
     * needs: at 4 bits it reads an eighth of the bytes a float32 weight takes. Each group's sum is taken in float32 over
     * (code − zero)·x (level·x for normal float) and then scaled; the result differs from multiplying by
     * {@link #dequantize()} by float rounding only.
     *
     * @param x       cols values from {@code xOffset}
     * @param y       receives rows [first, first + count) at {@code yOffset + (r − first)}
     * @throws IndexOutOfBoundsException when the rows leave the matrix or an array is too short
     */
    public void timesVector(float[] x, int xOffset, float[] y, int yOffset, int first, int count) {
        if (first < 0 || count < 0 || first + count > rows || xOffset < 0 || x.length - xOffset < cols || yOffset < 0
                || y.length - yOffset < count) {
            throw new IndexOutOfBoundsException("rows [" + first + ", " + (first + count) + ") of a " + rows + "x" + cols + " matrix times "
                    + (x.length - xOffset) + " values into " + (y.length - yOffset));
        }
        int groups = groupsPerRow(), rowBytes = codeRowBytes(), bits = format.bits();
        float[] level = floatLevels;
        for (int i = 0; i < count; i++) {
            int r = first + i, base = r * rowBytes;
            float sum = 0;
            for (int g = 0; g < groups; g++) {
                int c0 = g * groupSize;
                float dot;
                if (level != null) {
                    dot = levelDot(level, base, bits, x, xOffset, c0);
                } else if (bits == 4 && (c0 & 1) == 0 && (groupSize & 3) == 0) {
                    dot = nibbleDot(base + (c0 >>> 1), zeroPoint(r, g), x, xOffset + c0);
                } else if (bits == 8 && (groupSize & 3) == 0) {
                    dot = byteDot(base + c0, zeroPoint(r, g), x, xOffset + c0);
                } else {
                    dot = 0;
                    int zero = zeroPoint(r, g);
                    for (int c = c0; c < c0 + groupSize; c++) {
                        dot += (PackedBits.get(codes, base, c, bits) - zero) * x[xOffset + c];
                    }
                }
                sum += scales[r * groups + g] * dot;
            }
            y[yOffset + i] = sum;
        }
    }

    /** Σ (code − zero)·x over a group of 4-bit codes (two to a byte, low nibble first), four partial sums. */
    private float nibbleDot(int at, int zero, float[] x, int xAt) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int k = 0; k < groupSize; k += 4, at += 2, xAt += 4) {
            int b0 = codes[at], b1 = codes[at + 1];
            a0 += ((b0 & 0xf) - zero) * x[xAt];
            a1 += (((b0 >>> 4) & 0xf) - zero) * x[xAt + 1];
            a2 += ((b1 & 0xf) - zero) * x[xAt + 2];
            a3 += (((b1 >>> 4) & 0xf) - zero) * x[xAt + 3];
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** Σ (code − zero)·x over a group of 8-bit codes, four partial sums. */
    private float byteDot(int at, int zero, float[] x, int xAt) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int k = 0; k < groupSize; k += 4, at += 4, xAt += 4) {
            a0 += ((codes[at] & 0xff) - zero) * x[xAt];
            a1 += ((codes[at + 1] & 0xff) - zero) * x[xAt + 1];
            a2 += ((codes[at + 2] & 0xff) - zero) * x[xAt + 2];
            a3 += ((codes[at + 3] & 0xff) - zero) * x[xAt + 3];
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** Σ level[code]·x over the group starting at column c0 (normal float). */
    private float levelDot(float[] level, int base, int bits, float[] x, int xOffset, int c0) {
        float dot = 0;
        for (int c = c0; c < c0 + groupSize; c++) {
            dot += level[PackedBits.get(codes, base, c, bits)] * x[xOffset + c];
        }
        return dot;
    }

    /** The packed codes, m·codeRowBytes bytes (a copy). */
    public byte[] packedCodes() {
        return codes.clone();
    }

    /** The scales, [m, groupsPerRow] row-major (a copy). */
    public float[] scales() {
        return scales.clone();
    }

    /** The packed zero points, m·zeroPointRowBytes bytes (a copy), or null when the format stores none. */
    public byte[] packedZeroPoints() {
        return zeroPoints == null ? null : zeroPoints.clone();
    }

    /** Bytes of packed codes. */
    public long codeBytes() {
        return codes.length;
    }

    /** Bytes of scales (float32). */
    public long scaleBytes() {
        return 4L * scales.length;
    }

    /** Bytes of packed zero points. */
    public long zeroPointBytes() {
        return zeroPoints == null ? 0 : zeroPoints.length;
    }

    /** Every byte the matrix needs: codes + scales + zero points, as stored here and in MatMulNBits. */
    public long bytes() {
        return codeBytes() + scaleBytes() + zeroPointBytes();
    }

    /** Storage per weight in bits, 8·bytes / (m·n). */
    public double bitsPerWeight() {
        return 8.0 * bytes() / ((double) rows * cols);
    }

    private void checkIndex(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside " + rows + "x" + cols);
        }
    }

    @Override
    public String toString() {
        return "QuantizedMatrix[" + rows + "x" + cols + ", " + format + ", " + bytes() + " bytes]";
    }
}
