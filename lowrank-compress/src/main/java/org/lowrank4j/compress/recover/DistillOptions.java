package org.lowrank4j.compress.recover;

import org.lowrank4j.compress.eval.Pooling;

/**
 * Settings of a recovery (distillation) run; build them with {@link #builder()} from {@link #defaults()}.
 *
 * <p>The objective is {@code featureWeight · (1/L) Σ_l ‖h_l^s − h_l^t‖² / ‖h_l^t‖²  +  outputWeight · mean_b (1 − cos(e_b^s, e_b^t))
 * + pelaWeight · (1/K) Σ_k (‖A_k B_k − W_k‖_max − pelaEpsilon)²} — see {@link DistillationLoss} and
 * {@link WeightPerturbation}. The optimizer is AdamW (β₁ 0.9, β₂ {@code beta2}, ε 1e-8) with linear warmup over
 * {@code warmupFraction} of the steps, then cosine decay to {@code finalLearningRateFraction · learningRate}, and
 * gradients clipped to a global L2 norm of {@code clipNorm}.
 *
 * @param steps                     optimizer steps of the whole run (the schedule spans them)
 * @param batchSize                 sentences per step
 * @param learningRate              peak learning rate
 * @param warmupFraction            share of the steps spent warming up, in [0, 1)
 * @param finalLearningRateFraction the learning rate at the last step as a share of the peak, in [0, 1]
 * @param beta2                     AdamW's second-moment decay, in [0, 1)
 * @param weightDecay               decoupled weight decay on the factors (norm parameters never decay)
 * @param clipNorm                  maximum global gradient norm, > 0
 * @param featureWeight             weight of the per-layer hidden-state term, ≥ 0
 * @param outputWeight              weight λ of the pooled-output cosine term, ≥ 0
 * @param pooling                   how last_hidden_state becomes the embedding of the cosine term (MEAN: MiniLM, CLS: bge)
 * @param trainNorms                also train the LayerNorm weights and biases (embedding norm and every block's two)
 * @param pelaWeight                κ_w of PELA's weight-perturbation term (Guo et al., CVPR 2024; 0 = off)
 * @param pelaEpsilon               its ε (the reference uses 1e-3)
 * @param pelaHinge                 {@code max(0, ‖E‖_max − ε)²} instead of the reference's {@code (‖E‖_max − ε)²}
 * @param schedule                  which factors train when ({@link FactorSchedule})
 * @param seed                      seed of the sentence order
 * @param checkpointEvery           write the checkpoint every this many steps (0: only at the end), when a path is given
 * @param teacherCacheMegabytes     keep the teacher's block outputs of up to this many MB of text for later passes
 *                                  (0: run the teacher every step, holding only the current batch)
 */
public record DistillOptions(int steps, int batchSize, double learningRate, double warmupFraction,
        double finalLearningRateFraction, double beta2, double weightDecay, double clipNorm, double featureWeight,
        double outputWeight, Pooling pooling, boolean trainNorms, double pelaWeight, double pelaEpsilon, boolean pelaHinge,
        FactorSchedule schedule, long seed, int checkpointEvery, int teacherCacheMegabytes) {

    public DistillOptions {
        if (steps < 1 || batchSize < 1 || checkpointEvery < 0 || teacherCacheMegabytes < 0) {
            throw new IllegalArgumentException("recovery needs steps >= 1, batch size >= 1, checkpointEvery >= 0 and a teacher cache"
                    + " >= 0 MB, got " + steps + ", " + batchSize + ", " + checkpointEvery + ", " + teacherCacheMegabytes);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("the learning rate must be positive and finite, got " + learningRate);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1) || !(finalLearningRateFraction >= 0 && finalLearningRateFraction <= 1)) {
            throw new IllegalArgumentException("warmupFraction must be in [0, 1) and finalLearningRateFraction in [0, 1], got "
                    + warmupFraction + ", " + finalLearningRateFraction);
        }
        if (!(beta2 >= 0 && beta2 < 1) || !(weightDecay >= 0) || !(clipNorm > 0)) {
            throw new IllegalArgumentException("recovery needs 0 <= beta2 < 1, weightDecay >= 0 and clipNorm > 0, got "
                    + beta2 + ", " + weightDecay + ", " + clipNorm);
        }
        if (!(featureWeight >= 0) || !(outputWeight >= 0) || featureWeight + outputWeight == 0 || !Double.isFinite(featureWeight + outputWeight)) {
            throw new IllegalArgumentException("feature and output weights must be finite, >= 0 and not both 0, got "
                    + featureWeight + ", " + outputWeight);
        }
        if (!(pelaWeight >= 0) || !(pelaEpsilon >= 0) || !Double.isFinite(pelaWeight + pelaEpsilon)) {
            throw new IllegalArgumentException("PELA weight and epsilon must be finite and >= 0, got " + pelaWeight + ", " + pelaEpsilon);
        }
        if (pooling == null || schedule == null) {
            throw new IllegalArgumentException("recovery needs a pooling and a factor schedule");
        }
    }

    /**
     * 300 steps of 16 sentences, peak learning rate 3e-4, 5% warmup, cosine to 10%, β₂ 0.98, no weight decay, clip 1;
     * feature and output weights 1, mean pooling; factors only, jointly; PELA off (ε 1e-3, reference form);
     * seed 42; checkpoint every 50 steps; teacher states of up to 1024 MB of text kept.
     */
    public static DistillOptions defaults() {
        return new DistillOptions(300, 16, 3e-4, 0.05, 0.1, 0.98, 0.0, 1.0, 1.0, 1.0, Pooling.MEAN, false, 0.0, 1e-3, false,
                FactorSchedule.JOINT, 42L, 50, 1024);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Warmup steps: {@code round(warmupFraction · steps)}. */
    public int warmupSteps() {
        return (int) Math.round(warmupFraction * steps);
    }

    /** Changes some settings of a copy; {@link #build()} validates. */
    public static final class Builder {
        private int steps, batchSize, checkpointEvery, teacherCacheMegabytes;
        private double learningRate, warmupFraction, finalFraction, beta2, weightDecay, clipNorm, featureWeight, outputWeight;
        private double pelaWeight, pelaEpsilon;
        private boolean trainNorms, pelaHinge;
        private Pooling pooling;
        private FactorSchedule schedule;
        private long seed;

        private Builder(DistillOptions o) {
            steps = o.steps;
            batchSize = o.batchSize;
            learningRate = o.learningRate;
            warmupFraction = o.warmupFraction;
            finalFraction = o.finalLearningRateFraction;
            beta2 = o.beta2;
            weightDecay = o.weightDecay;
            clipNorm = o.clipNorm;
            featureWeight = o.featureWeight;
            outputWeight = o.outputWeight;
            pooling = o.pooling;
            trainNorms = o.trainNorms;
            pelaWeight = o.pelaWeight;
            pelaEpsilon = o.pelaEpsilon;
            pelaHinge = o.pelaHinge;
            schedule = o.schedule;
            seed = o.seed;
            checkpointEvery = o.checkpointEvery;
            teacherCacheMegabytes = o.teacherCacheMegabytes;
        }

        public Builder steps(int v) { steps = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder warmupFraction(double v) { warmupFraction = v; return this; }
        public Builder finalLearningRateFraction(double v) { finalFraction = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder featureWeight(double v) { featureWeight = v; return this; }
        public Builder outputWeight(double v) { outputWeight = v; return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        public Builder trainNorms(boolean v) { trainNorms = v; return this; }
        public Builder schedule(FactorSchedule v) { schedule = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder teacherCacheMegabytes(int v) { teacherCacheMegabytes = v; return this; }

        /** PELA's weight-perturbation term: weight κ_w (0 = off), ε, and the hinge form instead of the reference's. */
        public Builder pela(double weight, double epsilon, boolean hinge) {
            pelaWeight = weight;
            pelaEpsilon = epsilon;
            pelaHinge = hinge;
            return this;
        }

        public DistillOptions build() {
            return new DistillOptions(steps, batchSize, learningRate, warmupFraction, finalFraction, beta2, weightDecay, clipNorm,
                    featureWeight, outputWeight, pooling, trainNorms, pelaWeight, pelaEpsilon, pelaHinge, schedule, seed, checkpointEvery,
                    teacherCacheMegabytes);
        }
    }
}
