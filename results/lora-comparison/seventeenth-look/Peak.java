import jdk.incubator.vector.*;
/** The Vector API's fused multiply-add rate on 8-lane floats with everything in L1: the S kernel's inner loop (2 loads of Kᵀ, 6 broadcasts, 12 accumulators) run 200,000 × 40 times. */
public class Peak {
    static final VectorSpecies<Float> SP = FloatVector.SPECIES_256;
    static float run(float[] kt, float[] q, int n) {
        FloatVector a00 = FloatVector.zero(SP), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        for (int it = 0; it < n; it++) {
            for (int d = 0; d < 40; d++) {
                FloatVector k0 = FloatVector.fromArray(SP, kt, d * 16), k1 = FloatVector.fromArray(SP, kt, d * 16 + 8);
                FloatVector b;
                b = FloatVector.broadcast(SP, q[d]); a00 = k0.fma(b, a00); a01 = k1.fma(b, a01);
                b = FloatVector.broadcast(SP, q[40 + d]); a10 = k0.fma(b, a10); a11 = k1.fma(b, a11);
                b = FloatVector.broadcast(SP, q[80 + d]); a20 = k0.fma(b, a20); a21 = k1.fma(b, a21);
                b = FloatVector.broadcast(SP, q[120 + d]); a30 = k0.fma(b, a30); a31 = k1.fma(b, a31);
                b = FloatVector.broadcast(SP, q[160 + d]); a40 = k0.fma(b, a40); a41 = k1.fma(b, a41);
                b = FloatVector.broadcast(SP, q[200 + d]); a50 = k0.fma(b, a50); a51 = k1.fma(b, a51);
            }
        }
        return a00.add(a01).add(a10).add(a11).add(a20).add(a21).add(a30).add(a31).add(a40).add(a41).add(a50).add(a51).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] a) {
        float[] kt = new float[640], q = new float[240];
        for (int i = 0; i < 640; i++) kt[i] = 1e-6f * i; for (int i = 0; i < 240; i++) q[i] = 1e-6f;
        float s = 0;
        for (int r = 0; r < 5; r++) {
            long t = System.nanoTime();
            s += run(kt, q, 200000);
            double sec = (System.nanoTime() - t) / 1e9;
            System.out.printf("%.1f GFLOP/s%n", 200000.0 * 40 * 12 * 16 / sec / 1e9);
        }
        System.out.println(s);
    }
}
