package org.lowrank4j.formats.io;

/**
 * The load-time check that weights are finite. A NaN or an infinity in a weight tensor means the file is damaged
 * (a failed training run, a bad conversion, a bit flip); every later number would be meaningless, so readers refuse
 * such tensors when they load them instead of letting the damage surface as a NaN loss or an empty report.
 *
 * <p>One exception: a tensor of exactly one element may be an infinity. Exporters write the fill value of an
 * attention mask ({@code -inf}) as a scalar constant; that is not a weight. NaN is refused everywhere.
 */
public final class FiniteValues {
    private FiniteValues() {
    }

    /** Index of the first value that makes {@code values} damaged, or -1 when there is none. */
    public static int firstDamaged(float[] values) {
        boolean scalar = values.length == 1;
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v - v != 0 && (!scalar || Float.isNaN(v))) { // v - v is NaN exactly for NaN and the infinities
                return i;
            }
        }
        return -1;
    }

    /** Index of the first value that makes {@code values} damaged, or -1 when there is none. */
    public static int firstDamaged(double[] values) {
        boolean scalar = values.length == 1;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v - v != 0 && (!scalar || Double.isNaN(v))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @throws IllegalArgumentException from {@link #damaged} when {@code values} holds a NaN, or an infinity in a
     *                                  tensor of more than one element
     */
    public static void require(float[] values, Object file, String tensor) {
        int index = firstDamaged(values);
        if (index >= 0) {
            throw damaged(file, tensor, index);
        }
    }

    /** As {@link #require(float[], Object, String)}. */
    public static void require(double[] values, Object file, String tensor) {
        int index = firstDamaged(values);
        if (index >= 0) {
            throw damaged(file, tensor, index);
        }
    }

    /** The user error for a tensor whose element {@code index} (row-major) is non-finite. */
    public static Damaged damaged(Object file, String tensor, long index) {
        return new Damaged(file + ": tensor " + MessageText.quoted(tensor)
                + " has non-finite values (first at index " + index + "); the model is damaged (a diverged run or a "
                + "broken conversion): re-export or re-download it");
    }

    /** The refusal of a tensor with a NaN or an infinity, a type of its own so that a reader can word it for its file. */
    public static final class Damaged extends IllegalArgumentException {
        private Damaged(String message) {
            super(message);
        }
    }
}
