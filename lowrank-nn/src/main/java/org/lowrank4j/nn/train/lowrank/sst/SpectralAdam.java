package org.lowrank4j.nn.train.lowrank.sst;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.GradientClipping;
import org.lowrank4j.nn.train.Optimizer;

/**
 * Sparse spectral training (Zhao et al., "Sparse Spectral Training and Inference on Euclidean and Hyperbolic Neural
 * Networks", ICML 2025, arXiv:2405.15481) over the {@link SpectralWeight}s that {@link SpectralSites} installed. For
 * each weight, with p = min(out, in), T3 = {@code period} and a round of ceil(p / r) iterations:
 * <pre>
 *   every step:        σ ← AdamW(∂L/∂σ) on all p entries (decoupled decay), then σ ← max(σ, 0)
 *                      for the r active i: u_i, v_i ← Adam(enhanced gradients); u_i ← u_i/‖u_i‖, v_i ← v_i/‖v_i‖
 *   every T3 steps:    draw r distinct indices from π_i = ½(1/p + σ_i/Σσ); restart the u/v moments
 *   every round:       W = U diag(σ) Vᵀ is decomposed again (orthogonality restored); restart the σ moments
 * </pre>
 * Moments exist only for σ and the r active columns (the paper's memory-efficient layout of the state: m·r + n·r + p
 * numbers per moment); the bias corrections count steps since the moments' last restart. Inactive columns get no
 * gradient (the weight computes only the active ones) and no update. Embeddings and norms train with a plain
 * {@link AdamW}. Indices are drawn from a generator seeded by the install seed, the step and the weight's position,
 * and they are state ({@code sst.active.<name>}), so a resume continues with the same ones.
 */
public final class SpectralAdam implements Optimizer {
    private final SstSettings sst;
    private final AdamW.Settings settings;
    private final long seed;
    private final AdamW rest;
    private final List<Parameter> parameters;
    private final List<Slot> slots = new ArrayList<>();
    private long step;
    private long resvdNanos;

    /** One spectral weight and its state. */
    private static final class Slot {
        final String name;
        final SpectralWeight weight;
        final Tensor active, sigmaFirst, sigmaSecond, uFirst, uSecond, vFirst, vSecond;

        Slot(String name, SpectralWeight weight, int rank) {
            this.name = name;
            this.weight = weight;
            Tensor s = weight.sigma().value();
            this.active = Tensor.zeros(s.precision(), rank);
            this.sigmaFirst = s.zerosLike();
            this.sigmaSecond = s.zerosLike();
            this.uFirst = Tensor.zeros(s.precision(), weight.outFeatures(), rank);
            this.uSecond = Tensor.zeros(s.precision(), weight.outFeatures(), rank);
            this.vFirst = Tensor.zeros(s.precision(), rank, weight.inFeatures());
            this.vSecond = Tensor.zeros(s.precision(), rank, weight.inFeatures());
        }
    }

    /**
     * @param parameters everything to optimise; the parameters of {@code sites}' weights get the spectral update
     * @throws IllegalArgumentException when the model's weights were not installed by {@code sites}
     */
    public SpectralAdam(List<Parameter> parameters, AdamW.Settings settings, SpectralSites sites) {
        this.sst = sites.settings();
        this.settings = settings;
        this.seed = sites.seed();
        this.parameters = GradientClipping.distinct(parameters);
        Set<Parameter> given = Collections.newSetFromMap(new IdentityHashMap<>());
        given.addAll(this.parameters);
        Set<Parameter> spectral = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SpectralWeight w : sites.weights()) {
            if (!given.containsAll(w.parameters())) {
                continue;
            }
            spectral.addAll(w.parameters());
            String name = w.u().name().substring(0, w.u().name().length() - ".sst_u".length());
            slots.add(new Slot(name, w, sst.rank()));
        }
        if (slots.isEmpty()) {
            throw new IllegalArgumentException(SstSettings.METHOD + ": the model has no spectral weights; the method's parameterization must be"
                    + " installed before its optimizer is created");
        }
        List<Parameter> others = new ArrayList<>();
        for (Parameter p : this.parameters) {
            if (!spectral.contains(p)) {
                others.add(p);
            }
        }
        this.rest = new AdamW(others, settings, AdamW.NORMS_AND_BIASES);
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            draw(s, i, 0);
            s.weight.setActive(s.active);
        }
    }

    @Override
    public String method() {
        return SstSettings.METHOD;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public long stepCount() {
        return step;
    }

    @Override
    public void setStepCount(long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException(SstSettings.METHOD + " step count must be non-negative, got " + stepCount);
        }
        step = stepCount;
        rest.setStepCount(stepCount);
    }

    /** AdamW's moments of the other parameters, then per weight its active indices and the σ, U and Vᵀ moments. */
    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>(rest.state());
        for (Slot s : slots) {
            out.put("sst.active." + s.name, s.active);
            out.put("sst.sigma.m." + s.name, s.sigmaFirst);
            out.put("sst.sigma.v." + s.name, s.sigmaSecond);
            out.put("sst.u.m." + s.name, s.uFirst);
            out.put("sst.u.v." + s.name, s.uSecond);
            out.put("sst.vt.m." + s.name, s.vFirst);
            out.put("sst.vt.v." + s.name, s.vSecond);
        }
        return out;
    }

    /** Seconds spent re-decomposing the weights. */
    @Override
    public Map<String, Double> secondsSpent() {
        return Map.of("resvd", resvdNanos / 1e9);
    }

    @Override
    public void step(double learningRate) {
        if (!(learningRate >= 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException(SstSettings.METHOD + " needs a finite non-negative learning rate, got " + learningRate);
        }
        long t = step;
        rest.step(learningRate);
        step++;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            long cycle = (long) sst.period() * sst.round(s.weight.rank());
            updateSigma(s, learningRate, t % cycle + 1);
            updateVectors(s, learningRate, t % sst.period() + 1);
            if (step % sst.period() == 0) {
                if (step % cycle == 0) {
                    long start = System.nanoTime();
                    s.weight.resvd();
                    resvdNanos += System.nanoTime() - start;
                    s.sigmaFirst.fill(0);
                    s.sigmaSecond.fill(0);
                }
                draw(s, i, step);
            }
        }
    }

    private void updateSigma(Slot s, double lr, long age) {
        double b1 = settings.beta1(), b2 = settings.beta2(), eps = settings.epsilon();
        double c1 = 1 - Math.pow(b1, age), c2 = 1 - Math.pow(b2, age);
        double decay = 1 - lr * settings.weightDecay();
        Tensor sigma = s.weight.sigma().value(), g = s.weight.sigma().gradient();
        for (int i = 0; i < sigma.size(); i++) {
            double gi = g.get(i);
            double m = b1 * s.sigmaFirst.get(i) + (1 - b1) * gi;
            double v = b2 * s.sigmaSecond.get(i) + (1 - b2) * gi * gi;
            s.sigmaFirst.set(i, m);
            s.sigmaSecond.set(i, v);
            double value = sigma.get(i) * decay - lr * (m / c1) / (Math.sqrt(v / c2) + eps);
            sigma.set(i, Math.max(value, 0));
        }
    }

    /** Adam on the active columns of U and rows of Vᵀ (no decay: they are renormalised), then unit norms. */
    private void updateVectors(Slot s, double lr, long age) {
        SpectralWeight w = s.weight;
        int p = w.rank(), r = sst.rank(), out = w.outFeatures(), in = w.inFeatures();
        int[] cols = SpectralWeight.indices(s.active, p);
        double c1 = 1 - Math.pow(settings.beta1(), age), c2 = 1 - Math.pow(settings.beta2(), age);
        Tensor u = w.u().value(), gu = w.u().gradient(), vt = w.vt().value(), gv = w.vt().gradient();
        for (int j = 0; j < r; j++) {
            int c = cols[j];
            double norm = 0;
            for (int o = 0; o < out; o++) {
                double x = adam(u, gu, o * p + c, s.uFirst, s.uSecond, o * r + j, lr, c1, c2);
                norm += x * x;
            }
            normalise(u, norm, out, o -> o * p + c);
            norm = 0;
            for (int k = 0; k < in; k++) {
                double x = adam(vt, gv, c * in + k, s.vFirst, s.vSecond, j * in + k, lr, c1, c2);
                norm += x * x;
            }
            normalise(vt, norm, in, k -> c * in + k);
        }
    }

    /** One Adam update of {@code value[at]} with moments at {@code state}; returns the new value. */
    private double adam(Tensor value, Tensor gradient, int at, Tensor first, Tensor second, int state, double lr, double c1, double c2) {
        double b1 = settings.beta1(), b2 = settings.beta2();
        double g = gradient.get(at);
        double m = b1 * first.get(state) + (1 - b1) * g;
        double v = b2 * second.get(state) + (1 - b2) * g * g;
        first.set(state, m);
        second.set(state, v);
        double x = value.get(at) - lr * (m / c1) / (Math.sqrt(v / c2) + settings.epsilon());
        value.set(at, x);
        return x;
    }

    private static void normalise(Tensor t, double squaredNorm, int count, java.util.function.IntUnaryOperator index) {
        if (!(squaredNorm > 0)) {
            return;
        }
        double scale = 1 / Math.sqrt(squaredNorm);
        for (int k = 0; k < count; k++) {
            int at = index.applyAsInt(k);
            t.set(at, t.get(at) * scale);
        }
    }

    /** New active indices for slot {@code position} at {@code atStep}; the u/v moments restart. */
    private void draw(Slot s, int position, long atStep) {
        Tensor sigma = s.weight.sigma().value();
        double[] values = new double[sigma.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = sigma.get(i);
        }
        SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (atStep + 1)) ^ (0xC2B2AE3D27D4EB4FL * (position + 1)));
        int[] drawn = sample(values, sst.rank(), random);
        for (int j = 0; j < drawn.length; j++) {
            s.active.set(j, drawn[j]);
        }
        s.uFirst.fill(0);
        s.uSecond.fill(0);
        s.vFirst.fill(0);
        s.vSecond.fill(0);
    }

    /** π_i = ½(1/p + σ_i/Σσ) (uniform when Σσ = 0): half uniform, half proportional to the singular values. */
    public static double[] probabilities(double[] sigma) {
        int p = sigma.length;
        double total = 0;
        for (double s : sigma) {
            total += s;
        }
        double[] pi = new double[p];
        for (int i = 0; i < p; i++) {
            pi[i] = total > 0 ? 0.5 * (1.0 / p + sigma[i] / total) : 1.0 / p;
        }
        return pi;
    }

    /** {@code r} distinct indices drawn one after another from π restricted to those not yet drawn, in drawing order. */
    public static int[] sample(double[] sigma, int r, SplittableRandom random) {
        double[] weights = probabilities(sigma);
        if (r > weights.length) {
            throw new IllegalArgumentException("cannot draw " + r + " distinct indices of " + weights.length);
        }
        int[] out = new int[r];
        double remaining = 0;
        for (double w : weights) {
            remaining += w;
        }
        for (int j = 0; j < r; j++) {
            double target = random.nextDouble() * remaining;
            int pick = -1;
            double cumulative = 0;
            for (int i = 0; i < weights.length; i++) {
                if (weights[i] <= 0) {
                    continue;
                }
                pick = i;
                cumulative += weights[i];
                if (target < cumulative) {
                    break;
                }
            }
            out[j] = pick;
            remaining -= weights[pick];
            weights[pick] = 0;
        }
        return out;
    }
}
