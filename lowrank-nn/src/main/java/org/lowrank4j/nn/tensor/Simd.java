package org.lowrank4j.nn.tensor;

/**
 * Whether the float kernels take their Vector API forms ({@link VectorKernels}). The API is an incubator module
 * ({@code jdk.incubator.vector}, in every JDK from 16 on) that a JVM resolves only when started with
 * {@code --add-modules jdk.incubator.vector}; {@code bin/lowrank} and the tests do so. Without it, or with
 * {@code -Dlowrank.vector=false}, the kernels keep their plain-Java loops, and {@link VectorKernels} is never loaded.
 *
 * <p>Why: C2 does not vectorise a loop that mixes float arithmetic with the float↔int bit moves of an exponential, so
 * the plain form splits e^x into five loops over memory (see {@link FloatExp}); with explicit vectors it is one pass,
 * and a causal attention softmax of one layer (32 heads × 256 rows) takes ~1.3 against ~3.5 ms
 * (results/lora-comparison/thirteenth-look).
 */
final class Simd {
    private Simd() {
    }

    private static final boolean MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** True when the Vector API module is resolved in this JVM and not turned off. */
    static final boolean ON = MODULE && !"false".equalsIgnoreCase(System.getProperty("lowrank.vector"));

    /** One line for logs and benchmarks: which form the float kernels take, and how to change it. */
    static String describe() {
        if (ON) {
            return "Vector API kernels (jdk.incubator.vector)";
        }
        return MODULE ? "plain-Java kernels (turned off by -Dlowrank.vector=false)"
                : "plain-Java kernels (start the JVM with --add-modules jdk.incubator.vector for the Vector API forms)";
    }
}
