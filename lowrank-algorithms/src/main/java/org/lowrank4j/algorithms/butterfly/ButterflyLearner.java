package org.lowrank4j.algorithms.butterfly;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Learns a butterfly factorisation of a known transform from the spec's objective (‖B·P − T‖²_F / N on the N basis
 * vectors, see {@link ButterflyLoss}) by Adam, with random restarts ('ortho' initialisation) and a choice among a
 * small family of fixed input permutations (each candidate screened by a short run of 300 steps, the one with the
 * lowest error then trained with the full budget and restarts), or a relaxed permutation learned jointly as in the 2019
 * paper ("relaxed", {@link RelaxedLearner}). The fixed candidates are {identity, bit reversal, Makhoul ∘ bit reversal}.
 * No weight decay on twiddles (spec pitfall).
 *
 * <p>The learning rate decays geometrically from {@code learningRate} to {@code learningRate · finalRateFactor}
 * over the steps; a run stops early once the relative error ‖B·P − T‖_F / ‖T‖_F reaches {@code targetError}.
 */
public final class ButterflyLearner {

    /**
     * @param steps           Adam steps per restart
     * @param learningRate    initial Adam step size
     * @param finalRateFactor the step size at the last step, as a fraction of the first
     * @param restarts        random initialisations per permutation candidate
     * @param targetError     stop a run when the relative error falls below this
     * @param seed            seeds the initialisations
     * @param init            how each restart starts
     * @param initNoise       for {@link Init#FFT}: standard deviation of the Gaussian noise added to every twiddle entry
     */
    public record Options(int steps, double learningRate, double finalRateFactor, int restarts, double targetError, long seed, Init init, double initNoise) {
        public Options {
            if (steps < 1 || !(learningRate > 0) || !(finalRateFactor > 0 && finalRateFactor <= 1) || restarts < 1 || !(targetError >= 0)
                    || init == null || !(initNoise >= 0)) {
                throw new IllegalArgumentException("butterfly learning needs steps >= 1 (" + steps + "), a positive rate (" + learningRate
                        + "), a final rate factor in (0, 1] (" + finalRateFactor + "), restarts >= 1 (" + restarts + "), a target error >= 0 ("
                        + targetError + ") and an initialisation with noise >= 0 (" + init + ", " + initNoise + ")");
            }
        }

        /** 'ortho' initialisation. */
        public Options(int steps, double learningRate, double finalRateFactor, int restarts, double targetError, long seed) {
            this(steps, learningRate, finalRateFactor, restarts, targetError, seed, Init.ORTHO, 0);
        }

        public static Options defaults() {
            return new Options(3000, 0.02, 0.01, 3, 1e-6, 1);
        }
    }

    /**
     * The reference's initialisations: {@code ORTHO} ('ortho', a random orthogonal / unitary 2×2 per pair) and {@code FFT}
     * ('fft_no_br': the unitary FFT factors without their bit reversal, complex butterflies only), plus optional noise.
     */
    public enum Init { ORTHO, FFT }

    /** One restart's starting butterfly. */
    Butterfly initial(int n, boolean complex, Random random) {
        if (options.init() == Init.ORTHO) {
            return Butterfly.randomOrthogonal(n, complex, random);
        }
        if (!complex) {
            throw new IllegalArgumentException("the FFT initialisation is complex; a real butterfly (Hadamard) starts from 'ortho'");
        }
        Butterfly b = Butterfly.fft(n, true);
        for (int l = 0; l < b.levels(); l++) {
            for (int q = 0; q < 2 * n; q++) {
                b.re[l][q] += options.initNoise() * random.nextGaussian();
                b.im[l][q] += options.initNoise() * random.nextGaussian();
            }
        }
        return b;
    }

    /**
     * A learned factorisation: the target T ≈ B·P (real part of B·P for a real target from a complex butterfly).
     *
     * @param permutationName which fixed input permutation P: (P x)[k] = x[permutation[k]]
     * @param relativeError   ‖B·P − T‖_F / ‖T‖_F
     * @param steps           Adam steps of the kept run
     * @param restart         which restart it was
     * @param lossHistory     the objective every 100 steps of the kept run
     */
    public record Learned(Butterfly butterfly, int[] permutation, String permutationName, double relativeError, int steps, int restart,
                          List<Double> lossHistory) {
    }

    /** Steps of the screening run that picks the input permutation. */
    static final int SCREEN_STEPS = 300;

    private final Options options;

    public ButterflyLearner(Options options) {
        this.options = options;
    }

    /**
     * Learns {@code kind} at size n: DFT with a complex butterfly, Hadamard with a real one, DCT with a complex one
     * matched on its real part (the DCT is Re(diag · DFT · Makhoul permutation), and the diagonal folds into the last
     * factor).
     */
    public Learned learn(Transforms.Kind kind, int n) {
        return learn(kind, n, null);
    }

    /**
     * As {@link #learn(Transforms.Kind, int)} with the input permutation given by name ("identity", "bit-reversal",
     * "makhoul-bit-reversal"), or screened when {@code permutation} is null or "auto".
     */
    public Learned learn(Transforms.Kind kind, int n, String permutation) {
        return learn(kind, n, permutation, Objective.REAL_PART);
    }

    /**
     * What a real transform from a complex butterfly is matched on. {@code REAL_PART}: Re(B·P) against the transform
     * (the paper's objective; the imaginary part is free). {@code COMPLEX} (DCT only): B·P against the DCT with its sine
     * companion as imaginary part ({@link Transforms#dctWithSineCompanion}), a full complex target that fixes the
     * imaginary part too; the reported error is still that of Re(B·P) against the DCT.
     */
    public enum Objective { REAL_PART, COMPLEX }

    /**
     * As {@link #learn(Transforms.Kind, int, String)} with the DCT's objective chosen; "relaxed" as the permutation
     * learns it jointly ({@link RelaxedLearner}).
     */
    public Learned learn(Transforms.Kind kind, int n, String permutation, Objective objective) {
        if (n < 2 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("butterfly sizes are powers of two (at least 2), got " + n);
        }
        if (n > Transforms.MAX_SIZE) {
            throw new IllegalArgumentException("butterfly sizes go up to " + Transforms.MAX_SIZE + " (a larger N×N target does not fit one array), got " + n);
        }
        boolean fullDct = objective == Objective.COMPLEX;
        if (fullDct && kind != Transforms.Kind.DCT) {
            throw new IllegalArgumentException("the complex objective is for the DCT (the DFT is complex already, Hadamard real), got " + kind);
        }
        double[][] target = fullDct ? Transforms.dctWithSineCompanion(n) : Transforms.matrix(kind, n);
        boolean complex = kind != Transforms.Kind.HADAMARD;
        boolean realOutput = kind == Transforms.Kind.DCT && !fullDct;
        if ("relaxed".equals(permutation)) {
            Learned learned = new RelaxedLearner(options).learn(target[0], target[1], n, complex, realOutput, kind == Transforms.Kind.DCT);
            return fullDct ? withDctError(learned, n) : learned;
        }
        if (fullDct) {
            return withDctError(learn(target, n, complex, false, permutation), n);
        }
        return learn(target, n, complex, realOutput, permutation);
    }

    /** The same learned factorisation with its error restated as ‖Re(B·P) − DCT‖_F / ‖DCT‖_F. */
    static Learned withDctError(Learned learned, int n) {
        double[] dct = Transforms.matrix(Transforms.Kind.DCT, n)[0];
        double[] b = learned.butterfly().toMatrix()[0];
        int[] perm = learned.permutation();
        double err = 0, norm = 0;
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < n; k++) {
                double t = dct[r * n + perm[k]], d = b[r * n + k] - t;
                err += d * d;
                norm += t * t;
            }
        }
        return new Learned(learned.butterfly(), perm, learned.permutationName(), Math.sqrt(err / norm), learned.steps(), learned.restart(),
                learned.lossHistory());
    }

    private Learned learn(double[][] target, int n, boolean complex, boolean realOutput, String permutation) {
        int[] reverse = Transforms.bitReversal(n);
        List<String> names = List.of("identity", "bit-reversal", "makhoul-bit-reversal");
        List<int[]> candidates = List.of(Transforms.identity(n), reverse, Transforms.compose(Transforms.makhoul(n), reverse));
        if (permutation != null && !permutation.equals("auto")) {
            int at = names.indexOf(permutation);
            if (at < 0) {
                throw new IllegalArgumentException("the permutation must be auto, relaxed, " + String.join(", ", names) + "; got " + permutation);
            }
            return learn(target[0], target[1], n, complex, realOutput, candidates.get(at), permutation);
        }
        // Screen every candidate with a short run at the initial rate, then spend the full budget on the best one.
        ButterflyLearner screen = new ButterflyLearner(new Options(Math.min(options.steps(), SCREEN_STEPS), options.learningRate(), 1, 1,
                options.targetError(), options.seed(), options.init(), options.initNoise()));
        Learned best = null;
        int chosen = 0;
        for (int c = 0; c < candidates.size(); c++) {
            Learned trial = screen.learn(target[0], target[1], n, complex, realOutput, candidates.get(c), names.get(c));
            if (best == null || trial.relativeError() < best.relativeError()) {
                best = trial;
                chosen = c;
            }
        }
        if (best.relativeError() <= options.targetError() || options.steps() <= SCREEN_STEPS) {
            return best;
        }
        Learned full = learn(target[0], target[1], n, complex, realOutput, candidates.get(chosen), names.get(chosen));
        return full.relativeError() < best.relativeError() ? full : best;
    }

    /** Learns B with T ≈ B·P for one fixed permutation, over the restarts. */
    public Learned learn(double[] targetRe, double[] targetIm, int n, boolean complex, boolean realOutput, int[] permutation, String permutationName) {
        if (targetRe.length != n * n || targetIm.length != n * n || permutation.length != n) {
            throw new IllegalArgumentException("a " + n + "-point target needs " + n * n + " values per part and a permutation of " + n);
        }
        double[][] reordered = reorderColumns(targetRe, targetIm, n, permutation);
        double[] pr = reordered[0], pi = reordered[1];
        double norm = squaredNorm(pr, pi, realOutput);
        Random random = new Random(options.seed());
        Learned best = null;
        for (int restart = 0; restart < options.restarts(); restart++) {
            Learned run = adam(initial(n, complex, random), pr, pi, realOutput, norm, permutation, permutationName, restart);
            if (best == null || run.relativeError() < best.relativeError()) {
                best = run;
            }
            if (best.relativeError() <= options.targetError()) {
                break;
            }
        }
        return best;
    }

    /** T'[:, k] = T[:, π(k)], so that B·P = T ⇔ B = T'. */
    static double[][] reorderColumns(double[] targetRe, double[] targetIm, int n, int[] permutation) {
        double[] pr = new double[n * n], pi = new double[n * n];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < n; k++) {
                pr[r * n + k] = targetRe[r * n + permutation[k]];
                pi[r * n + k] = targetIm[r * n + permutation[k]];
            }
        }
        return new double[][] {pr, pi};
    }

    static double squaredNorm(double[] re, double[] im, boolean realOnly) {
        double norm = 0;
        for (int e = 0; e < re.length; e++) {
            norm += re[e] * re[e] + (realOnly ? 0 : im[e] * im[e]);
        }
        return norm;
    }

    /**
     * Continues from {@code start} (copied) with the permutation now fixed: the polishing stage after a relaxed
     * permutation is hardened. Same Adam and schedule as a restart.
     */
    Learned refine(Butterfly start, double[] targetRe, double[] targetIm, boolean realOutput, int[] permutation, String name, int restart) {
        int n = start.size();
        double[][] reordered = reorderColumns(targetRe, targetIm, n, permutation);
        return adam(start.copy(), reordered[0], reordered[1], realOutput, squaredNorm(reordered[0], reordered[1], realOutput), permutation, name, restart);
    }

    private Learned adam(Butterfly b, double[] tr, double[] ti, boolean realOutput, double targetNormSquared, int[] permutation, String name, int restart) {
        int levels = b.levels(), width = 2 * b.size();
        double[][] gRe = new double[levels][width], gIm = new double[levels][width];
        double[][] mRe = new double[levels][width], mIm = new double[levels][width], vRe = new double[levels][width], vIm = new double[levels][width];
        double beta1 = 0.9, beta2 = 0.999, eps = 1e-12;
        double decay = Math.pow(options.finalRateFactor(), 1.0 / Math.max(1, options.steps() - 1));
        List<Double> history = new ArrayList<>();
        double rate = options.learningRate(), loss = Double.NaN;
        int step = 0;
        double n = b.size();
        while (step < options.steps()) {
            loss = ButterflyLoss.evaluate(b, tr, ti, realOutput, gRe, gIm);
            if (step % 100 == 0) {
                history.add(loss);
            }
            if (Math.sqrt(loss * n / targetNormSquared) <= options.targetError()) {
                break;
            }
            step++;
            double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
            for (int l = 0; l < levels; l++) {
                update(b.re[l], gRe[l], mRe[l], vRe[l], rate, beta1, beta2, c1, c2, eps);
                if (b.isComplex()) {
                    update(b.im[l], gIm[l], mIm[l], vIm[l], rate, beta1, beta2, c1, c2, eps);
                }
            }
            rate *= decay;
        }
        if (step == options.steps()) {
            loss = ButterflyLoss.evaluate(b, tr, ti, realOutput, gRe, gIm);
        }
        return new Learned(b, permutation, name, Math.sqrt(loss * n / targetNormSquared), step, restart, history);
    }

    static void update(double[] w, double[] g, double[] m, double[] v, double rate, double beta1, double beta2, double c1, double c2, double eps) {
        for (int q = 0; q < w.length; q++) {
            m[q] = beta1 * m[q] + (1 - beta1) * g[q];
            v[q] = beta2 * v[q] + (1 - beta2) * g[q] * g[q];
            w[q] -= rate * (m[q] / c1) / (Math.sqrt(v[q] / c2) + eps);
        }
    }
}
