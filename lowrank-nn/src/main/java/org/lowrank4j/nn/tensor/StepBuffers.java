package org.lowrank4j.nn.tensor;

import java.util.function.DoubleSupplier;

/**
 * Output buffers that live from one training step to the next. Outside a step, a layer's forward and backward return
 * new tensors, which the caller may keep as long as it likes. Inside {@link #during}, which the {@code Trainer} wraps
 * around each loss (with or without its backward), the layers that take part write their outputs into buffers they keep
 * ({@link Slot}), and the next step overwrites them: {@code Linear}'s y and dx, {@code RMSNorm}'s and {@code LayerNorm}'s
 * y, dx and row statistics, the input gradients of {@code SwiGluMlp} and {@code Attention}, and
 * {@code SoftmaxCrossEntropy}'s probabilities and logit gradient, {@code LogitShaping}'s gradient (and, in lowrank-adapt,
 * the LoRA branches' dropout masks, masked inputs, products and input gradients). With the buffers the layers already kept
 * inside themselves, a step of a LLaMA-shaped decoder allocates almost nothing, so no collection has to copy its live
 * activations out of the young generation (on models/sotu-decoder a young collection used to come every one or two
 * steps and take 100–220 ms). After training, a slot holds its buffers until its layer next runs outside a step.
 *
 * <p>The price is aliasing: an output taken inside a step is valid until the same layer runs again inside a later
 * step. Code run by the trainer that needs an earlier forward's output after a second forward of the same layers copies
 * it first (as the squeeze distillation copies its teacher's logits).
 */
public final class StepBuffers {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private StepBuffers() {
    }

    /** Runs {@code body} (one loss, with or without its backward) with the layers' output buffers reused. */
    public static double during(DoubleSupplier body) {
        int[] depth = DEPTH.get();
        depth[0]++;
        try {
            return body.getAsDouble();
        } finally {
            depth[0]--;
        }
    }

    /** True on a thread inside {@link #during}. */
    public static boolean active() {
        return DEPTH.get()[0] > 0;
    }

    /**
     * One output of a layer. Outside a step {@link #take} returns a new zero tensor and lets go of what the slot held, so
     * the buffers of training are released as the layers run outside it. Inside a step it returns the buffer of an earlier
     * step with this precision and shape, holding what it held, so the caller writes every entry before reading any. A
     * slot keeps the buffers of its two latest shapes, for a layer that alternates between two within a step (the last,
     * shorter chunk of a loss scored a few rows at a time) or between steps (training and validation batches).
     */
    public static final class Slot {
        private Tensor latest, before;

        public Tensor take(Precision precision, int... shape) {
            if (!active()) {
                latest = before = null;
                return Tensor.zeros(precision, shape);
            }
            if (!fits(latest, precision, shape)) {
                Tensor other = fits(before, precision, shape) ? before : Tensor.zeros(precision, shape);
                before = latest;
                latest = other;
            }
            return latest;
        }

        private static boolean fits(Tensor t, Precision precision, int[] shape) {
            return t != null && t.precision() == precision && t.hasShape(shape);
        }
    }
}
