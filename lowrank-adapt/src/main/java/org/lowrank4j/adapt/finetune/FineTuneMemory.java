package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.Optimizer;
import org.lowrank4j.nn.train.TrainingMemory;

/**
 * The training state of a fine-tuning run, measured at its end from the arrays themselves (elements × element size): the
 * trainable values, the gradient tensors allocated over the whole model (a frozen weight never allocates one) and the
 * optimizer's state. The frozen weights and the activations are the same for every method on one model and batch, so these
 * three are where methods differ. (The JVM's heap peaks are not reported: under one heap limit they
 * ranged from 0.8 to 3.4 GB between these methods, following uncollected garbage rather than need.)
 *
 * @param trainableBytes  bytes of the trainable values
 * @param gradientBytes   bytes of every gradient tensor allocated (trainable or not)
 * @param optimizerBytes  bytes of the optimizer's state
 */
public record FineTuneMemory(long trainableBytes, long gradientBytes, long optimizerBytes) {

    /** Measures now: {@code everything} is every parameter the model holds, frozen or not (may repeat or overlap {@code trainable}). */
    public static FineTuneMemory measure(Collection<Parameter> everything, Collection<Parameter> trainable, Optimizer optimizer) {
        List<Parameter> all = new ArrayList<>(everything);
        all.addAll(trainable);
        long gradients = 0;
        for (Parameter p : GradientClipping.distinct(all)) {
            if (p.hasGradient()) {
                gradients += TrainingMemory.bytes(p.gradient());
            }
        }
        long values = 0;
        for (Parameter p : GradientClipping.distinct(new ArrayList<>(trainable))) {
            values += TrainingMemory.bytes(p.value());
        }
        return new FineTuneMemory(values, gradients, optimizer.stateBytes());
    }

    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("trainable_values", trainableBytes);
        o.put("gradients_allocated", gradientBytes);
        o.put("optimizer_state", optimizerBytes);
        o.put("training_state", trainableBytes + gradientBytes + optimizerBytes);
        return o;
    }
}
