package org.lowrank4j.linalg.quant;

/** Fills the packed arrays of a {@link QuantizedMatrix} group by group and code by code. */
final class QuantizedMatrixBuilder {

    final QuantizationFormat format;
    final int rows;
    final int cols;
    final int groupSize;
    final double[] levels;
    private final int codeRowBytes;
    private final int zeroRowBytes;
    private final byte[] codes;
    private final float[] scales;
    private final byte[] zeroPoints;

    QuantizedMatrixBuilder(QuantizationFormat format, int rows, int cols) {
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        this.groupSize = format.groupSizeFor(cols);
        this.levels = format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT ? NormalFloat.levels(format.bits()) : null;
        int groups = cols / groupSize;
        this.codeRowBytes = PackedBits.bytesFor(cols, format.bits());
        this.zeroRowBytes = PackedBits.bytesFor(groups, format.bits());
        this.codes = new byte[Math.multiplyExact(rows, codeRowBytes)];
        this.scales = new float[Math.multiplyExact(rows, groups)];
        this.zeroPoints = format.hasZeroPoints() ? new byte[Math.multiplyExact(rows, zeroRowBytes)] : null;
    }

    /** Fits and records the grid of one group of one row from the range of its values. */
    GroupGrid fitGroup(int row, int group, double min, double max) {
        GroupGrid grid = GroupGrid.fit(format, levels, min, max);
        scales[row * (cols / groupSize) + group] = grid.scale();
        if (zeroPoints != null) {
            PackedBits.set(zeroPoints, row * zeroRowBytes, group, format.bits(), grid.zero());
        }
        return grid;
    }

    void setCode(int row, int col, int code) {
        PackedBits.set(codes, row * codeRowBytes, col, format.bits(), code);
    }

    QuantizedMatrix build() {
        return new QuantizedMatrix(format, rows, cols, codes, scales, zeroPoints, true);
    }
}
