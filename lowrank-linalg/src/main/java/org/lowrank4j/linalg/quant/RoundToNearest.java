package org.lowrank4j.linalg.quant;

import org.lowrank4j.linalg.DenseMatrix;

/**
 * Round-to-nearest quantization: each group's grid is fitted to the group's range and every weight is rounded to
 * its nearest code, independently. For the uniform grids the error per element is at most scale/2.
 */
public final class RoundToNearest {

    private RoundToNearest() {}

    /**
     * Quantizes W (m×n, rows = output channels) in the given format.
     *
     * @throws IllegalArgumentException when W is empty or holds a non-finite value, or the group size does not
     *     divide n
     */
    public static QuantizedMatrix quantize(DenseMatrix weight, QuantizationFormat format) {
        requireQuantizable(weight, format);
        QuantizedMatrixBuilder builder = new QuantizedMatrixBuilder(format, weight.rows(), weight.cols());
        int groupSize = builder.groupSize;
        for (int r = 0; r < weight.rows(); r++) {
            for (int g = 0; g < weight.cols() / groupSize; g++) {
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int c = g * groupSize; c < (g + 1) * groupSize; c++) {
                    double x = weight.get(r, c);
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                GroupGrid grid = builder.fitGroup(r, g, min, max);
                for (int c = g * groupSize; c < (g + 1) * groupSize; c++) {
                    builder.setCode(r, c, grid.encode(weight.get(r, c)));
                }
            }
        }
        return builder.build();
    }

    /** The checks every quantizer makes on its weight. */
    static void requireQuantizable(DenseMatrix weight, QuantizationFormat format) {
        if (format == null) {
            throw new IllegalArgumentException("a quantization format must be given");
        }
        if (weight.isEmpty()) {
            throw new IllegalArgumentException("cannot quantize an empty " + weight.shape() + " weight");
        }
        format.groupSizeFor(weight.cols());
        int[] bad = weight.firstNonFinite();
        if (bad != null) {
            throw new IllegalArgumentException("cannot quantize a " + weight.shape() + " weight holding "
                    + weight.get(bad[0], bad[1]) + " at (" + bad[0] + ", " + bad[1] + "): weights must be finite");
        }
    }
}
