package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.Optimizer;
import org.lowrank4j.nn.train.TrainingMemory;

/**
 * The memory of a fine-tuning run, measured at its end. Three figures come from the arrays themselves (elements × element
 * size): the trainable values, the gradient tensors allocated over the whole model (a frozen weight never allocates one),
 * and the optimizer's state. The fourth is the JVM's: the heap pools' peak usages since the process started, summed (an
 * upper bound of the heap's peak, as the pools need not peak together) — it holds the frozen base, the activations and not yet collected garbage, so it depends on the
 * collector and the heap limit; compare it only between runs given the same {@code -Xmx}.
 *
 * @param trainableBytes  bytes of the trainable values
 * @param gradientBytes   bytes of every gradient tensor allocated (trainable or not)
 * @param optimizerBytes  bytes of the optimizer's state
 * @param peakHeapBytes   the sum of the heap pools' peak usages since the JVM started
 */
record FineTuneMemory(long trainableBytes, long gradientBytes, long optimizerBytes, long peakHeapBytes) {

    /** Measures now: {@code everything} is every parameter the model holds, frozen or not (may repeat or overlap {@code trainable}). */
    static FineTuneMemory measure(Collection<Parameter> everything, Collection<Parameter> trainable, Optimizer optimizer) {
        Map<Parameter, Boolean> all = new IdentityHashMap<>();
        everything.forEach(p -> all.put(p, true));
        trainable.forEach(p -> all.put(p, true));
        long gradients = 0;
        for (Parameter p : all.keySet()) {
            if (p.hasGradient()) {
                gradients += TrainingMemory.bytes(p.gradient());
            }
        }
        Map<Parameter, Boolean> own = new IdentityHashMap<>();
        trainable.forEach(p -> own.put(p, true));
        long values = 0;
        for (Parameter p : own.keySet()) {
            values += TrainingMemory.bytes(p.value());
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return new FineTuneMemory(values, gradients, optimizer.stateBytes(), peak);
    }

    ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("trainable_values", trainableBytes);
        o.put("gradients_allocated", gradientBytes);
        o.put("optimizer_state", optimizerBytes);
        o.put("peak_heap_used", peakHeapBytes);
        o.put("max_heap", Runtime.getRuntime().maxMemory());
        return o;
    }
}
