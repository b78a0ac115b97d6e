package org.lowrank4j.adapt.peft;

/**
 * The two factors of one module's adapter as stored in a file: A (r, in) and B (out, r), row-major float32, and the
 * α that scales them.
 */
public record LoraFactors(int rank, int in, int out, float[] a, float[] b, double alpha) {

    public LoraFactors {
        if (rank < 1 || in < 1 || out < 1 || a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new IllegalArgumentException("LoRA factors of rank " + rank + " for " + out + "x" + in + " need " + rank * in + " and "
                    + out * rank + " values, got " + a.length + " and " + b.length);
        }
    }
}
