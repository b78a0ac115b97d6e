package org.lowrank4j.nn.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API forms of the float kernels whose plain loops C2 cannot vectorise well; used only when {@link Simd#ON}
 * (loading this class needs the {@code jdk.incubator.vector} module). Each form is checked against the plain one in
 * {@code VectorKernelsTest}: the exponential bit for bit, the softmax within float rounding.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();

    private VectorKernels() {
    }

    /**
     * e^x of each lane by {@link FloatExp}'s method, operation for operation (no fused multiply-adds), so the lanes equal
     * {@link FloatExp#exp(float)} bit for bit.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(FloatExp.LOW).min(FloatExp.HIGH);
        FloatVector rounded = c.mul(FloatExp.LOG2E).add(FloatExp.ROUNDER);     // k + 1.5·2^23
        FloatVector k = rounded.sub(FloatExp.ROUNDER);
        FloatVector r = c.sub(k.mul(FloatExp.LN2_HIGH)).add(k.mul(FloatExp.LN2_LOW));
        FloatVector p = r.mul(FloatExp.P6).add(FloatExp.P5);
        p = p.mul(r).add(FloatExp.P4);
        p = p.mul(r).add(FloatExp.P3);
        p = p.mul(r).add(FloatExp.P2);
        p = p.mul(r).add(FloatExp.P1);
        FloatVector poly = p.mul(r).mul(r).add(r).add(1f);
        IntVector bits = rounded.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3F800000); // 2^k
        return poly.mul(bits.reinterpretAsFloats());
    }

    /** out[i] = e^(sign·x[i] + shift) for i in [from, to); {@code out} may be {@code x}. */
    static void exp(float[] x, float[] out, int from, int to, float sign, float shift) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            exp(FloatVector.fromArray(F, x, i).mul(sign).add(shift)).intoArray(out, i);
        }
        for (; i < to; i++) { // the tail one value at a time: a masked vector allocates its mask (and more) on JDK 17
            out[i] = FloatExp.exp(sign * x[i] + shift);
        }
    }

    /** How many floats a vector holds here: the size of the work space {@link #softmaxRow} takes. */
    static int lanes() {
        return LANES;
    }

    /**
     * The lanes' sum in a fixed order. {@code reduceLanes(ADD)} leaves the order open, and the JIT's order differs from
     * the interpreter's, so a result would depend on whether the code was compiled yet (a resumed run would not repeat
     * an uninterrupted one bit for bit).
     */
    private static float sumOfLanes(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float sum = 0;
        for (int i = 0; i < LANES; i++) {
            sum += lanes[i];
        }
        return sum;
    }

    /**
     * Softmax of p[base + first, base + limit) in place, zeros over the rest of the row [base, base + keys): the
     * maximum, then one pass of exponentials and their float sum, then the scaling. A NaN score makes the row NaN.
     * {@code lanes} is work space of {@link #lanes()} floats.
     */
    static void softmaxRow(float[] p, int base, int first, int limit, int keys, float[] lanes) {
        int from = base + first, to = base + limit;
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int s = from;
        for (; s + LANES <= to; s += LANES) {
            mv = mv.max(FloatVector.fromArray(F, p, s));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; s < to; s++) {
            max = Math.max(max, p[s]);
        }
        FloatVector sv = FloatVector.zero(F);
        for (s = from; s + LANES <= to; s += LANES) {
            FloatVector e = exp(FloatVector.fromArray(F, p, s).sub(max));
            e.intoArray(p, s);
            sv = sv.add(e);
        }
        float tail = 0;
        for (; s < to; s++) { // the tail one value at a time (as exp's), added after the lanes
            float e = FloatExp.exp(p[s] - max);
            p[s] = e;
            tail += e;
        }
        float sum = sumOfLanes(sv, lanes) + tail;
        float inv = sum > 0 ? 1 / sum : Float.isNaN(sum) ? Float.NaN : 0;
        for (s = from; s + LANES <= to; s += LANES) {
            FloatVector.fromArray(F, p, s).mul(inv).intoArray(p, s);
        }
        for (; s < to; s++) {
            p[s] *= inv;
        }
        java.util.Arrays.fill(p, base, from, 0f);
        java.util.Arrays.fill(p, to, base + keys, 0f);
    }
}
