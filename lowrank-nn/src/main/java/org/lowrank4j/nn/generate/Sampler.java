package org.lowrank4j.nn.generate;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/**
 * Picks the next token from one row of logits: greedy (temperature 0), or a draw from softmax(logits / temperature)
 * restricted to the nucleus — the most probable tokens whose probabilities first reach {@code topP} (top-p
 * sampling; topP = 1 keeps every token). Computed in float64; ties go to the lowest id.
 */
public final class Sampler {
    private Sampler() {
    }

    /** The id of the largest logit (the lowest such id on ties). */
    public static int argmax(double[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * @param temperature 0 for greedy, otherwise > 0
     * @param topP        in (0, 1]
     * @param random      the source of the draw (seed it for reproducible output)
     */
    public static int sample(double[] logits, double temperature, double topP, Random random) {
        checkOptions(temperature, topP);
        if (logits.length == 0) {
            throw new IllegalArgumentException("cannot sample from an empty row of logits");
        }
        if (temperature == 0) {
            return argmax(logits);
        }
        double max = logits[argmax(logits)];
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        int kept = 0;
        double mass = 0;
        while (kept < order.length && (kept == 0 || mass < topP * sum)) { // the nucleus: at least one token
            mass += p[order[kept++]];
        }
        double u = random.nextDouble() * mass;
        for (int k = 0; k < kept; k++) {
            u -= p[order[k]];
            if (u < 0) {
                return order[k];
            }
        }
        return order[kept - 1];
    }

    static void checkOptions(double temperature, double topP) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 (0 for greedy), got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }
}
