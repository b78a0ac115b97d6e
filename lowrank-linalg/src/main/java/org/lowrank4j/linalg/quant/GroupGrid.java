package org.lowrank4j.linalg.quant;

/**
 * The code grid of one group: its scale and zero point, fitted to the group's range, and the rounding of a value to
 * the nearest code. Shared by round-to-nearest and GPTQ so that both produce the same format.
 */
record GroupGrid(QuantizationFormat format, double[] levels, float scale, int zero) {

    /**
     * Fits the grid to a group whose values lie in [min, max] (see {@link QuantizationFormat} for each kind). A group
     * of zeros gets scale 1, so every code stays finite.
     */
    static GroupGrid fit(QuantizationFormat format, double[] levels, double min, double max) {
        int bits = format.bits();
        switch (format.kind()) {
            case SYMMETRIC -> {
                int half = 1 << (bits - 1);
                float scale = nonZero((float) (Math.max(-min, max) / (half - 1)));
                return new GroupGrid(format, levels, scale, half);
            }
            case ASYMMETRIC -> {
                double low = Math.min(min, 0);
                double high = Math.max(max, 0);
                int maxCode = format.maxCode();
                float scale = nonZero((float) ((high - low) / maxCode));
                int zero = (int) Math.max(0, Math.min(maxCode, Math.rint(-low / scale)));
                return new GroupGrid(format, levels, scale, zero);
            }
            case NORMAL_FLOAT -> {
                return new GroupGrid(format, levels, nonZero((float) Math.max(-min, max)), 0);
            }
            default -> throw new AssertionError(format);
        }
    }

    private static float nonZero(float scale) {
        return scale > 0 ? scale : 1f;
    }

    /** The code nearest to x (ties to even for the uniform grids). */
    int encode(double x) {
        double scaled = x / scale;
        return switch (format.kind()) {
            case SYMMETRIC -> {
                int limit = zero - 1;
                yield (int) Math.max(-limit, Math.min(limit, Math.rint(scaled))) + zero;
            }
            case ASYMMETRIC -> (int) Math.max(0, Math.min(format.maxCode(), Math.rint(scaled) + zero));
            case NORMAL_FLOAT -> NormalFloat.nearest(levels, scaled);
        };
    }

    /** The value a code stands for. */
    double decode(int code) {
        return levels != null ? levels[code] * scale : (double) (code - zero) * scale;
    }
}
