package org.lowrank4j.adapt.snella;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.snell.Competition;
import org.lowrank4j.adapt.snell.SnellWeight;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * SNELLA's bi-level allocation (spec 07, "SNELLA bi-level allocation"; the reference's sparse_allocator.py): the entries
 * of ΔW kept in all, V(t), shrink on a cubic schedule from V_0 = Σ⌈(1 − s_init)·n·m⌉ to V_T = Σ⌈(1 − s_target)·n·m⌉, and
 * are shared out among the layers by importance.
 * <pre>
 *   I = |θ ⊙ ∂L/∂θ| (NaN → 0)   Ī ← β1·Ī + (1 − β1)·I   Ū ← β2·Ū + (1 − β2)·|I − Ī|        per entry of P and of Q
 *   score_ℓ = mean(Ī_P ⊙ Ū_P) + mean(Ī_Q ⊙ Ū_Q), normalised to sum 1 (all 0: equal shares)
 *   V(t) = V_0 (t ≤ t_i);  V_T (t > T − t_f);  V_T + (V_0 − V_T)·(1 − (t − t_i)/(T − t_f − t_i))³ otherwise
 *   alloc_ℓ = V(t)·score_ℓ, capped at n_ℓ·m_ℓ with the overflow shared again by score; whole numbers, Σ alloc = V(t)
 * </pre>
 * After step k (0-based) of a run of T steps the importance is updated (θ after the step, ∂L/∂θ the step's gradient as
 * the trainer left it, i.e. after its global-norm clipping), then the budgets of step t = k + 1 are set when
 * t > t_i and t % interval == 0 (every step once t > T − 1 − t_f). Here T is the index of the last step (steps − 1),
 * so that the last step trains, and the saved adapter holds, exactly V_T (the reference's epoch schedule stops at
 * V_T + (V_0 − V_T)/T³). Nothing is changed after the last step.
 */
public final class SparsityAllocator {
    private final List<SnellWeight> layers;
    private final double initSparsity, targetSparsity, beta1, beta2;
    private final int interval, initWarmup, finalWarmup;
    private final double[][] meanP, meanQ, uncertaintyP, uncertaintyQ;
    private double[] scores;
    private int allocations;

    public SparsityAllocator(List<SnellWeight> layers, double initSparsity, double targetSparsity, double beta1, double beta2, int interval,
            int initWarmup, int finalWarmup) {
        if (!(beta1 > 0 && beta1 < 1 && beta2 > 0 && beta2 < 1) || interval < 1 || initWarmup < 0 || finalWarmup < 0) {
            throw new IllegalArgumentException("SNELLA's allocator needs beta1, beta2 in (0, 1), interval >= 1 and warm-ups >= 0 (got " + beta1 + ", "
                    + beta2 + ", " + interval + ", " + initWarmup + ", " + finalWarmup + ")");
        }
        this.layers = List.copyOf(layers);
        this.initSparsity = initSparsity;
        this.targetSparsity = targetSparsity;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.interval = interval;
        this.initWarmup = initWarmup;
        this.finalWarmup = finalWarmup;
        int n = layers.size();
        meanP = new double[n][];
        meanQ = new double[n][];
        uncertaintyP = new double[n][];
        uncertaintyQ = new double[n][];
        for (int l = 0; l < n; l++) {
            meanP[l] = new double[layers.get(l).p().size()];
            uncertaintyP[l] = new double[meanP[l].length];
            meanQ[l] = new double[layers.get(l).q().size()];
            uncertaintyQ[l] = new double[meanQ[l].length];
        }
        scores = new double[n];
        Arrays.fill(scores, 1.0 / n);
    }

    /** n·m of each layer: the most it can keep. */
    long[] capacities() {
        long[] caps = new long[layers.size()];
        for (int l = 0; l < caps.length; l++) {
            caps[l] = (long) layers.get(l).inFeatures() * layers.get(l).outFeatures();
        }
        return caps;
    }

    /** Σ_ℓ ⌈(1 − s)·n_ℓ·m_ℓ⌉: what the layers keep at one sparsity s. */
    private long volume(double sparsity) {
        long v = 0;
        for (long c : capacities()) {
            v += Competition.keptCount(sparsity, c);
        }
        return v;
    }

    /** V(t) for the step of index t in a run whose last step has index {@code last}. */
    public long volume(long t, long last) {
        long v0 = volume(initSparsity), vt = volume(targetSparsity);
        long span = last - finalWarmup - initWarmup;
        if (t <= initWarmup) {
            return v0;
        }
        if (t > last - finalWarmup || span <= 0) {
            return vt;
        }
        double f = 1 - (double) (t - initWarmup) / span;
        return vt + (long) Math.floor((v0 - vt) * f * f * f);
    }

    /** After step {@code step} (0-based) of {@code total}: update the importance, then the next step's budgets. */
    public void afterStep(long step, long total) {
        updateImportance();
        long next = step + 1, last = total - 1;
        if (next > last || next <= initWarmup) {
            return;
        }
        if (next > last - finalWarmup || next % interval == 0) {
            long[] alloc = allocate(normalisedScores(), volume(next, last), capacities());
            for (int l = 0; l < alloc.length; l++) {
                layers.get(l).setKept((int) alloc[l]);
            }
            allocations++;
        }
    }

    private void updateImportance() {
        for (int l = 0; l < layers.size(); l++) {
            update(layers.get(l).p(), meanP[l], uncertaintyP[l]);
            update(layers.get(l).q(), meanQ[l], uncertaintyQ[l]);
        }
    }

    private void update(Parameter theta, double[] mean, double[] uncertainty) {
        Tensor v = theta.value(), g = theta.gradient();
        for (int i = 0; i < mean.length; i++) {
            double ipt = Math.abs(v.get(i) * g.get(i));
            if (Double.isNaN(ipt)) {
                ipt = 0;
            }
            mean[i] = beta1 * mean[i] + (1 - beta1) * ipt;
            uncertainty[i] = beta2 * uncertainty[i] + (1 - beta2) * Math.abs(ipt - mean[i]);
        }
    }

    /** score_ℓ normalised to sum 1 (equal shares while all are 0). */
    double[] normalisedScores() {
        int n = layers.size();
        double[] s = new double[n];
        double sum = 0;
        for (int l = 0; l < n; l++) {
            s[l] = meanOfProduct(meanP[l], uncertaintyP[l]) + meanOfProduct(meanQ[l], uncertaintyQ[l]);
            sum += s[l];
        }
        for (int l = 0; l < n; l++) {
            s[l] = sum > 0 ? s[l] / sum : 1.0 / n;
        }
        scores = s;
        return s.clone();
    }

    private static double meanOfProduct(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return a.length == 0 ? 0 : s / a.length;
    }

    /**
     * Whole-number shares of {@code volume} proportional to {@code scores} (summing to 1), each at most its capacity, the
     * overflow of capped layers shared again among the others by score; the rounding remainder goes one by one to the
     * largest fractional parts. Σ alloc = volume whenever volume ≤ Σ capacities.
     */
    public static long[] allocate(double[] scores, long volume, long[] caps) {
        int n = scores.length;
        long total = 0;
        for (long c : caps) {
            total += c;
        }
        if (volume < 0 || volume > total) {
            throw new IllegalArgumentException("a budget of " + volume + " entries does not fit layers holding " + total + " in all");
        }
        double[] share = new double[n];
        boolean[] full = new boolean[n];
        while (true) {
            double left = volume, weight = 0;
            int open = 0;
            for (int l = 0; l < n; l++) {
                if (full[l]) {
                    left -= caps[l];
                } else {
                    weight += scores[l];
                    open++;
                }
            }
            boolean capped = false;
            for (int l = 0; l < n; l++) {
                if (!full[l]) {
                    share[l] = left * (weight > 0 ? scores[l] / weight : 1.0 / open);
                    if (share[l] >= caps[l]) {
                        share[l] = caps[l];
                        full[l] = true;
                        capped = true;
                    }
                }
            }
            if (!capped || open == 0) {
                break;
            }
        }
        long[] alloc = new long[n];
        long sum = 0;
        for (int l = 0; l < n; l++) {
            alloc[l] = Math.min(caps[l], (long) Math.floor(share[l]));
            sum += alloc[l];
        }
        List<Integer> order = new ArrayList<>();
        for (int l = 0; l < n; l++) {
            order.add(l);
        }
        order.sort((a, b) -> Double.compare(share[b] - Math.floor(share[b]), share[a] - Math.floor(share[a])));
        while (sum < volume) {
            boolean moved = false;
            for (int l : order) {
                if (sum < volume && alloc[l] < caps[l]) {
                    alloc[l]++;
                    sum++;
                    moved = true;
                }
            }
            if (!moved) {
                break;
            }
        }
        for (int l = 0; l < n && sum > volume; l++) { // floating slack the other way
            long cut = Math.min(alloc[l], sum - volume);
            alloc[l] -= cut;
            sum -= cut;
        }
        return alloc;
    }

    /** The scores of the last allocation (equal before the first). */
    public double[] scores() {
        return scores.clone();
    }

    /** How many allocations have been made. */
    public int allocations() {
        return allocations;
    }
}
