package org.lowrank4j.adapt.sora;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * SoRA's own optimiser for the gates (spec 06 A, "two optimizers"), run after each step of the main AdamW:
 * <pre>
 *   grad_g += η·sign(g) / #gates                         the L1 term η·Σ|g|/#gates of the loss, as its subgradient
 *   g ← g − lr_g,t · m̂/(√v̂ + ε)                          Adam on the gate gradient (β 0.9/0.999, ε 1e-8, no decay)
 *   g ← sign(g)·max(|g| − ξ_t, 0)                        the proximal (soft-threshold) step, ξ not multiplied by lr
 * </pre>
 * lr_g,t follows the main schedule's shape (lr_g · rate_t / peak). ξ_t is the sparsifying schedule: {@code stages}
 * equal spans of the run, stage k using ξ_0 + (ξ_max − ξ_0)·k/(K−1) ({@code linear}) or ξ_0·(ξ_max/ξ_0)^(k/(K−1))
 * ({@code log}); one stage is the constant ξ_0 of the paper's main runs. (The paper's scheduler trains extra epochs per
 * ξ value after the main run; here the values are spread over the run's own steps.) The gate gradients are zeroed after
 * the step (the trainer zeroes only its own parameters).
 */
public final class SoraGates {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;
    private final List<Parameter> gates;
    private final double gateRate;     // lr_g at the schedule's peak; 0: the run's own rate
    private final double lambda;       // η
    private final double xiStart, xiEnd;
    private final int stages;
    private final boolean logSchedule;
    private final double[][] first, second;
    private long steps;

    public SoraGates(List<Parameter> gates, double gateRate, double lambda, double xiStart, double xiEnd, int stages, boolean logSchedule) {
        if (!(gateRate >= 0) || !(lambda >= 0) || !(xiStart >= 0) || !(xiEnd >= 0) || stages < 1 || !Double.isFinite(gateRate + lambda + xiStart + xiEnd)) {
            throw new IllegalArgumentException("SoRA gate settings must be finite and non-negative (gate-lr " + gateRate + ", lambda " + lambda
                    + ", xi " + xiStart + ", xi-max " + xiEnd + ") with stages >= 1 (" + stages + ")");
        }
        if (logSchedule && stages > 1 && (xiStart == 0 || xiEnd == 0)) {
            throw new IllegalArgumentException("SoRA's log schedule needs xi and xi-max above 0, got " + xiStart + " and " + xiEnd);
        }
        this.gates = List.copyOf(gates);
        this.gateRate = gateRate;
        this.lambda = lambda;
        this.xiStart = xiStart;
        this.xiEnd = xiEnd;
        this.stages = stages;
        this.logSchedule = logSchedule;
        this.first = new double[gates.size()][];
        this.second = new double[gates.size()][];
        for (int i = 0; i < gates.size(); i++) {
            first[i] = new double[gates.get(i).size()];
            second[i] = new double[gates.get(i).size()];
        }
    }

    /** ξ at step {@code step} of {@code total}. */
    public double threshold(long step, long total) {
        if (stages == 1) {
            return xiStart;
        }
        long stage = Math.min(stages - 1, step * stages / Math.max(1, total));
        double t = (double) stage / (stages - 1);
        return logSchedule ? xiStart * Math.pow(xiEnd / xiStart, t) : xiStart + (xiEnd - xiStart) * t;
    }

    /** One gate update from the gradients gathered since the last one; zeroes them. */
    public void step(long step, long total, double rate, double peakRate) {
        steps++;
        double lr = gateRate > 0 ? gateRate * (peakRate > 0 ? rate / peakRate : 1) : rate;
        double xi = threshold(step, total);
        double c1 = 1 - Math.pow(BETA1, steps), c2 = 1 - Math.pow(BETA2, steps);
        long count = 0;
        for (Parameter g : gates) {
            count += g.size();
        }
        for (int p = 0; p < gates.size(); p++) {
            Tensor g = gates.get(p).value(), grad = gates.get(p).gradient();
            double[] m = first[p], v = second[p];
            for (int j = 0; j < g.size(); j++) {
                double gj = g.get(j);
                double d = grad.get(j) + lambda * Math.signum(gj) / count;
                m[j] = BETA1 * m[j] + (1 - BETA1) * d;
                v[j] = BETA2 * v[j] + (1 - BETA2) * d * d;
                gj -= lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + EPSILON);
                g.set(j, Math.signum(gj) * Math.max(Math.abs(gj) - xi, 0));
            }
            gates.get(p).zeroGradient();
        }
    }
}
