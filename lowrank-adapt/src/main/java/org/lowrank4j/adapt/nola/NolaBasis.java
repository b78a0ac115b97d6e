package org.lowrank4j.adapt.nola;

/**
 * The random bases of NOLA (spec 05 A), regenerated from integers and never stored. Generator version
 * {@value #GENERATOR_VERSION}, which files record and readers require:
 * <pre>
 *   mix(z)        = SplitMix64's finaliser: z ^= z>>>30; z *= 0xBF58476D1CE4E5B9; z ^= z>>>27; z *= 0x94D049BB133111EB; z ^= z>>>31
 *   state(seed,i) = mix(seed ^ mix(i + 0x9E3779B97F4A7C15))          (i = basis index, -1 for the frozen offset A0)
 *   next()        = state += 0x9E3779B97F4A7C15; mix(state)           (SplitMix64)
 *   entry         = ((next() >>> 11) · 2^-53) · 2 − 1                 (uniform on [−1, 1)), row-major over the matrix
 * </pre>
 * Basis i of a matrix with k bases is those entries times 1/√k; A0 is them times 1/√in (kaiming-uniform with a = √5, as
 * LoRA initialises A). Each basis is its own stream, so any one can be made without the others, and generation touches
 * no shared random state. Changing anything above changes every adapter, so it needs a new version number.
 */
public final class NolaBasis {
    public static final int GENERATOR_VERSION = 1;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private NolaBasis() {
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long start(long seed, long index) {
        return mix(seed ^ mix(index + GOLDEN));
    }

    /** Basis {@code index} of stream {@code seed}: {@code length} entries of U(−1, 1) times {@code scale}. */
    public static double[] generate(long seed, long index, int length, double scale) {
        double[] out = new double[length];
        long state = start(seed, index);
        for (int e = 0; e < length; e++) {
            state += GOLDEN;
            out[e] = (((mix(state) >>> 11) * 0x1.0p-53) * 2 - 1) * scale;
        }
        return out;
    }

    /** {@code target += coefficient · basis(seed, index)·scale}, without storing the basis. */
    public static void addTo(double[] target, long seed, long index, double scale, double coefficient) {
        long state = start(seed, index);
        double c = coefficient * scale;
        for (int e = 0; e < target.length; e++) {
            state += GOLDEN;
            target[e] += (((mix(state) >>> 11) * 0x1.0p-53) * 2 - 1) * c;
        }
    }

    /** ⟨g, basis(seed, index)·scale⟩, without storing the basis. */
    public static double dot(double[] g, long seed, long index, double scale) {
        long state = start(seed, index);
        double s = 0;
        for (int e = 0; e < g.length; e++) {
            state += GOLDEN;
            s += (((mix(state) >>> 11) * 0x1.0p-53) * 2 - 1) * g[e];
        }
        return s * scale;
    }

    /** A seed per matrix of a run, drawn from the run's seed: the {@code n}-th of stream {@code runSeed}. */
    public static long seed(long runSeed, long n) {
        return mix(runSeed ^ mix(n + 1 + GOLDEN * 3));
    }
}
