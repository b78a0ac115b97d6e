package org.lowrank4j.nn.train.lowrank.trp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.Optimizer;

/**
 * Trained rank pruning (Xu et al., "Trained Rank Pruning for Efficient Deep Neural Networks", arXiv:1812.02402 /
 * IJCAI 2020) on dense weights: every {@code period} steps (at update counts 0, m, 2m, …) each selected matrix W is
 * replaced by its truncation to the energy rank k, and λ·U_k·V_kᵀ (the nuclear norm's sub-gradient, truncated to the
 * kept rank) is added to its gradient; then AdamW updates every parameter as the dense trainer does. The reference
 * trains with SGD and projects before the forward pass of a projection iteration; here the projection comes after that
 * step's backward pass, right before the update (the gradient of that one step is taken at the unprojected weights),
 * and the optimizer is the project's AdamW so that the comparison with the other methods isolates the truncation.
 * Momentum is kept across projections, as in the reference. The state is AdamW's; the schedule follows the step count.
 * The gradients of projection steps are modified in place (the trainer zeroes them before the next step).
 */
public final class TrpAdam implements Optimizer {
    private final TrpSettings trp;
    private final AdamW adam;
    private final List<Parameter> truncated = new ArrayList<>();
    private long truncationNanos;
    private final Map<String, Integer> lastRanks = new LinkedHashMap<>();

    /**
     * @param selected the matrices TRP truncates (the blocks' projections); every parameter trains with AdamW
     */
    public TrpAdam(List<Parameter> parameters, AdamW.Settings settings, TrpSettings trp, Predicate<Parameter> selected) {
        this.trp = trp;
        this.adam = new AdamW(parameters, settings, AdamW.NORMS_AND_BIASES);
        for (Parameter p : adam.parameters()) {
            if (selected.test(p)) {
                truncated.add(p);
            }
        }
    }

    @Override
    public String method() {
        return TrpSettings.METHOD;
    }

    @Override
    public List<Parameter> parameters() {
        return adam.parameters();
    }

    /** The matrices truncated every period, in model order. */
    public List<Parameter> truncatedParameters() {
        return List.copyOf(truncated);
    }

    /** The kept rank of each truncated matrix at the latest projection (empty before the first). */
    public Map<String, Integer> lastRanks() {
        return Map.copyOf(lastRanks);
    }

    @Override
    public long stepCount() {
        return adam.stepCount();
    }

    @Override
    public void setStepCount(long stepCount) {
        adam.setStepCount(stepCount);
    }

    @Override
    public Map<String, Tensor> state() {
        return adam.state();
    }

    /** Seconds spent in the SVDs and truncations. */
    @Override
    public Map<String, Double> secondsSpent() {
        return Map.of("truncation", truncationNanos / 1e9);
    }

    @Override
    public void step(double learningRate) {
        if (adam.stepCount() % trp.period() == 0) {
            long start = System.nanoTime();
            for (Parameter p : truncated) {
                lastRanks.put(p.name(), Truncation.project(p.value(), trp.energy(), p.gradient(), trp.nuclear()));
            }
            truncationNanos += System.nanoTime() - start;
        }
        adam.step(learningRate);
    }
}
