package org.lowrank4j.nn.train.lowrank.maestro;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.Optimizer;

/**
 * Maestro's optimizer: the project's AdamW on every parameter (U and V included; norms and biases without decay), and
 * after every {@code shrink-every}-th update the progressive shrinking of {@link MaestroSites#shrink}. Dropped components
 * stay in U and V (their moments too: the paper prunes physically only at the end) but no longer take part in a forward
 * pass or in {@link OrderedWeight#toDense}. The state is AdamW's plus the sites' kept flags and sampler position, so a
 * checkpoint resumes bit-exactly.
 */
public final class MaestroAdam implements Optimizer {
    private final AdamW adam;
    private final MaestroSites sites;
    private double shrinkSeconds;
    private long dropped;

    public MaestroAdam(List<Parameter> parameters, AdamW.Settings settings, MaestroSites sites) {
        this.adam = new AdamW(parameters, settings, AdamW.NORMS_AND_BIASES);
        this.sites = sites;
    }

    @Override
    public String method() {
        return MaestroSettings.METHOD;
    }

    @Override
    public List<Parameter> parameters() {
        return adam.parameters();
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
    public void step(double learningRate) {
        adam.step(learningRate);
        if (adam.stepCount() % sites.settings().shrinkEvery() == 0) {
            long start = System.nanoTime();
            dropped += sites.shrink();
            shrinkSeconds += (System.nanoTime() - start) / 1e9;
        }
    }

    /** Components dropped by the shrinkings of this run so far (since this optimizer was built). */
    public long dropped() {
        return dropped;
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>(adam.state());
        out.putAll(sites.state());
        return out;
    }

    @Override
    public Map<String, Double> secondsSpent() {
        return Map.of("shrink", shrinkSeconds);
    }
}
