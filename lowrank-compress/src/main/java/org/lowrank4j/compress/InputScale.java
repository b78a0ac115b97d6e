package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A per-input-channel scale s of a quantized base's input ({@link Quantized}, {@link QuantizedLowRank}): the base reads
 * {@code x ⊙ s}, so the weight it stands for is {@code dequantize(Q)·diag(s)}. SVDQuant's smoothing writes s = 1/λ.
 *
 * @param values one finite, non-zero value per input feature (copied)
 * @param origin how the scale was chosen, for reports ({@code smoothing α=0.5 β=0.5}); may be empty
 */
public record InputScale(double[] values, String origin) {

    public InputScale {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("an input scale needs one value per input feature");
        }
        for (int j = 0; j < values.length; j++) {
            if (!Double.isFinite(values[j]) || values[j] == 0) {
                throw new IllegalArgumentException("input scale " + values[j] + " at feature " + j + " must be finite and non-zero");
            }
        }
        values = values.clone();
        origin = origin == null ? "" : origin;
    }

    /** A copy of the values. */
    @Override
    public double[] values() {
        return values.clone();
    }

    public int size() {
        return values.length;
    }

    /** The values in float32, as the written files hold them. */
    public float[] toFloats() {
        float[] out = new float[values.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) values[j];
        }
        return out;
    }

    /** 4 bytes per value (float32 on disk). */
    public long bytes() {
        return 4L * values.length;
    }

    /** {@code w·diag(s)} in place; returns w. */
    public DoubleMatrix scaleColumns(DoubleMatrix w) {
        if (w.cols() != values.length) {
            throw new IllegalArgumentException("an input scale of " + values.length + " values does not fit " + w.cols() + " columns");
        }
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                w.set(i, j, w.get(i, j) * values[j]);
            }
        }
        return w;
    }

    /** " with input scales (origin)" for a factorization's description. */
    String describe() {
        return " with input scales" + (origin.isEmpty() ? "" : " (" + origin + ")");
    }

    static void requireFits(InputScale s, int cols) {
        if (s != null && s.size() != cols) {
            throw new IllegalArgumentException("an input scale needs one value per input feature: " + s.size() + " for " + cols);
        }
    }
}
