package org.lowrank4j.nn.tensor;

/**
 * e^x in float32 for the float kernels (SwiGLU, softmax): relative error about 2e-7 over [−87, 88], the inputs
 * clamped to that range (so e^x never overflows to ∞; below −87 it stays near 1.6e−38 instead of 0). x = k·ln2 + r with
 * |r| ≤ ln2/2, 2^k written straight into the exponent bits, e^r by a degree-7 polynomial (the coefficients of the
 * classic single-precision expf).
 *
 * <p>Two forms with bit-identical results (and {@link VectorKernels#exp}, a third, equal to both). {@link #exp(float)} is
 * one value. {@link #exp(float[], float[], int, int, float, float, Scratch)} is a range, and is what the kernels use; it
 * takes the vector form when {@link Simd#ON}, else {@link #expLoops}. C2 does not vectorise a loop that mixes float
 * arithmetic with the float↔int bit moves (nor, oddly, one that clamps with Math.min/max while storing at an index
 * offset from the load's), so {@link #expLoops} splits the work into five loops over blocks that each vectorise —
 * clamp, the rounded exponent, its bits, the polynomial, the scaling — ~3.4× faster than the one-value form in a loop
 * (SwiGLU forward on 1,024 × 864 values 6.1–6.2 → 1.8–2.0 ms; results/lora-comparison/vectorised-exp/micro-output.txt).
 */
final class FloatExp {
    static final float LOW = -87f, HIGH = 88f;
    static final float LOG2E = 1.44269504088896341f;
    static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer held in the low bits
    static final float LN2_HIGH = 0.693359375f, LN2_LOW = 2.12194440e-4f; // ln2 = LN2_HIGH − LN2_LOW, split in two parts
    static final float P6 = 1.9875691500e-4f, P5 = 1.3981999507e-3f, P4 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P2 = 1.6666665459e-1f, P1 = 5.0000001201e-1f;
    private static final int BLOCK = 1024;

    private FloatExp() {
    }

    /** Per-thread work space of the range form; one per kernel call (or chunk), reused over its blocks. */
    static final class Scratch {
        final float[] rounded = new float[BLOCK];
        final int[] scale = new int[BLOCK];
    }

    /** The work space {@link #exp(float[], float[], int, int, float, float, Scratch)} needs: none when the vector form runs. */
    static Scratch scratch() {
        return Simd.ON ? null : new Scratch();
    }

    static float exp(float x) {
        float c = Math.min(Math.max(x, LOW), HIGH);                   // NaN stays NaN through both
        float k = (c * LOG2E + ROUNDER) - ROUNDER;                    // round(c / ln2)
        return polynomial(c, k) * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /**
     * out[i] = e^(sign·x[i] + shift) for i in [from, to), equal bit for bit to {@link #exp(float)} of that argument;
     * {@code out} may be {@code x}. One vector pass when {@link Simd#ON}, else {@link #expLoops}.
     */
    static void exp(float[] x, float[] out, int from, int to, float sign, float shift, Scratch scratch) {
        if (Simd.ON) {
            VectorKernels.exp(x, out, from, to, sign, shift);
        } else {
            expLoops(x, out, from, to, sign, shift, scratch);
        }
    }

    /** The plain-Java form of the range: five loops over blocks, each of which C2 vectorises. */
    static void expLoops(float[] x, float[] out, int from, int to, float sign, float shift, Scratch scratch) {
        for (int s = from; s < to; s += BLOCK) {
            int e = Math.min(to, s + BLOCK);
            clamp(x, out, s, e, sign, shift);
            rounded(out, s, e, scratch.rounded);
            scaleBits(scratch.rounded, e - s, scratch.scale);
            polynomial(out, s, e);
            scale(out, s, e, scratch.scale);
        }
    }

    private static float polynomial(float c, float k) {
        float r = c - k * LN2_HIGH + k * LN2_LOW;                      // c − k·ln2
        float p = P6 * r + P5;
        p = p * r + P4;
        p = p * r + P3;
        p = p * r + P2;
        p = p * r + P1;
        return p * r * r + r + 1f;
    }

    private static void clamp(float[] x, float[] out, int s, int e, float sign, float shift) {
        for (int i = s; i < e; i++) {
            out[i] = Math.min(Math.max(sign * x[i] + shift, LOW), HIGH);
        }
    }

    /** k + 1.5·2^23 for each clamped c: its low mantissa bits hold k. */
    private static void rounded(float[] c, int s, int e, float[] rounded) {
        for (int i = s; i < e; i++) {
            rounded[i - s] = c[i] * LOG2E + ROUNDER;
        }
    }

    /** The bits of 2^k: k sits in the low bits of the rounded value, and shifting it to the exponent drops the rest. */
    private static void scaleBits(float[] rounded, int n, int[] scale) {
        for (int j = 0; j < n; j++) {
            scale[j] = (Float.floatToRawIntBits(rounded[j]) << 23) + 0x3F800000;
        }
    }

    private static void polynomial(float[] c, int s, int e) {
        for (int i = s; i < e; i++) {
            float v = c[i];
            c[i] = polynomial(v, (v * LOG2E + ROUNDER) - ROUNDER);
        }
    }

    private static void scale(float[] out, int s, int e, int[] scale) {
        for (int i = s; i < e; i++) {
            out[i] *= Float.intBitsToFloat(scale[i - s]);
        }
    }
}
