package org.lowrank4j.nn.train;

import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * What the {@link Trainer} and a {@link Checkpoint} need of an optimizer: one update from the current gradients, the
 * update count, and every state tensor by name so that a checkpoint can store it and fill it back. {@link AdamW} is
 * the dense one; the projected-state optimizers (GaLore, its DCT form, Fira) live in
 * {@code org.lowrank4j.nn.train.lowrank}.
 */
public interface Optimizer {

    /** The method's name as checkpoints record it ({@code adamw}, {@code galore}, ...). */
    String method();

    /** The parameters this optimizer updates, each once, in model order. */
    List<Parameter> parameters();

    /** The number of updates applied so far (t of the bias correction). */
    long stepCount();

    /** Restores the step count (for resuming; the state tensors are filled through {@link #state()}). */
    void setStepCount(long stepCount);

    /** Applies one update with learning rate {@code learningRate} from the current gradients (left unchanged). */
    void step(double learningRate);

    /**
     * Every tensor of the optimizer's state under a stable name (a checkpoint stores it as {@code optimizer.<name>}).
     * The tensors are live: a checkpoint loader copies into them. Their shapes never change during training.
     */
    Map<String, Tensor> state();

    /** Seconds spent in named parts of the updates so far (projected optimizers: choosing and applying bases); empty by default. */
    default Map<String, Double> secondsSpent() {
        return Map.of();
    }

    /** Bytes of the state: the sum over {@link #state()} of elements × element size. */
    default long stateBytes() {
        long bytes = 0;
        for (Tensor t : state().values()) {
            bytes += TrainingMemory.bytes(t);
        }
        return bytes;
    }
}
