package org.lowrank4j.adapt.loca;

import java.util.IdentityHashMap;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Adam (β 0.9 / 0.999, ε 1e-8, no weight decay) with a step count per parameter, as PyTorch keeps it: a parameter that
 * was frozen (no gradient) for some passes is not stepped then, so neither its moments nor its bias correction move —
 * what LoCA's alternating schedule needs (the run's AdamW steps every parameter every step, which would keep moving a
 * frozen group by its momentum).
 */
final class LocaAdam {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;
    private final Map<Parameter, double[][]> moments = new IdentityHashMap<>();
    private final Map<Parameter, long[]> steps = new IdentityHashMap<>();

    /** One Adam step of {@code p} from its gradient at rate {@code lr}; zeroes the gradient. */
    void step(Parameter p, double lr) {
        double[][] m = moments.computeIfAbsent(p, k -> new double[][] {new double[k.size()], new double[k.size()]});
        long t = ++steps.computeIfAbsent(p, k -> new long[1])[0];
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        Tensor value = p.value(), grad = p.gradient();
        for (int i = 0; i < value.size(); i++) {
            double g = grad.get(i);
            m[0][i] = BETA1 * m[0][i] + (1 - BETA1) * g;
            m[1][i] = BETA2 * m[1][i] + (1 - BETA2) * g * g;
            value.set(i, value.get(i) - lr * (m[0][i] / c1) / (Math.sqrt(m[1][i] / c2) + EPSILON));
        }
        p.zeroGradient();
    }

    /** Steps taken on {@code p} so far. */
    long steps(Parameter p) {
        long[] s = steps.get(p);
        return s == null ? 0 : s[0];
    }
}
