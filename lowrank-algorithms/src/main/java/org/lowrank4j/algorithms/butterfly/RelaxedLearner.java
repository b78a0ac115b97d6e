package org.lowrank4j.algorithms.butterfly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Learns the twiddles and a {@link RelaxedPermutation} jointly (the 2019 paper's route), then hardens the permutation
 * (each probability rounded) and polishes the twiddles with it fixed. Objective ‖B·P − T‖²_F / N (or its real part), P
 * the soft permutation matrix; Adam on twiddles and logits together with the {@link ButterflyLearner} schedule
 * (geometric decay over the steps), 'ortho' twiddles and N(0, 1) logits per restart. Stage 1 and the polish each take
 * up to {@code steps} steps.
 */
final class RelaxedLearner {
    private final ButterflyLearner.Options options;

    RelaxedLearner(ButterflyLearner.Options options) {
        this.options = options;
    }

    /**
     * @param dctFactors the DCT's factor list (an extra factor at block size N, "BPP") instead of one product
     */
    ButterflyLearner.Learned learn(double[] targetRe, double[] targetIm, int n, boolean complex, boolean realOutput, boolean dctFactors) {
        if (n < 4) {
            throw new IllegalArgumentException("a relaxed permutation needs N >= 4 (nothing to permute below), got " + n);
        }
        double norm = ButterflyLearner.squaredNorm(targetRe, targetIm, realOutput);
        Random random = new Random(options.seed());
        ButterflyLearner polisher = new ButterflyLearner(options);
        ButterflyLearner.Learned best = null;
        for (int restart = 0; restart < options.restarts(); restart++) {
            Butterfly b = polisher.initial(n, complex, random);
            RelaxedPermutation p = dctFactors ? RelaxedPermutation.dctFactors(n, random) : RelaxedPermutation.singleProduct(n, random);
            List<Double> history = new ArrayList<>();
            int steps = jointAdam(b, p, targetRe, targetIm, realOutput, norm, history);
            int[] perm = p.harden();
            ButterflyLearner.Learned polished = polisher.refine(b, targetRe, targetIm, realOutput, perm, name(perm, p), restart);
            List<Double> all = new ArrayList<>(history);
            all.addAll(polished.lossHistory());
            ButterflyLearner.Learned run = new ButterflyLearner.Learned(polished.butterfly(), perm, polished.permutationName(), polished.relativeError(),
                    steps + polished.steps(), restart, all);
            if (best == null || run.relativeError() < best.relativeError()) {
                best = run;
            }
            if (best.relativeError() <= options.targetError()) {
                break;
            }
        }
        return best;
    }

    /** Stage 1; returns the steps taken (stops early once the soft product is within the target error). */
    private int jointAdam(Butterfly b, RelaxedPermutation p, double[] tr, double[] ti, boolean realOutput, double norm, List<Double> history) {
        int n = b.size(), levels = b.levels(), width = 2 * n, factors = p.factorCount();
        double[][] gRe = new double[levels][width], gIm = new double[levels][width];
        double[][] mRe = new double[levels][width], mIm = new double[levels][width], vRe = new double[levels][width], vIm = new double[levels][width];
        double[][] gLogit = new double[factors][3], mLogit = new double[factors][3], vLogit = new double[factors][3];
        double[] gP = new double[n * n];
        double beta1 = 0.9, beta2 = 0.999, eps = 1e-12;
        double decay = Math.pow(options.finalRateFactor(), 1.0 / Math.max(1, options.steps() - 1));
        double rate = options.learningRate();
        int step = 0;
        while (step < options.steps()) {
            double loss = ButterflyLoss.evaluate(b, p.matrix(), tr, ti, realOutput, gRe, gIm, gP);
            if (step % 100 == 0) {
                history.add(loss);
            }
            if (Math.sqrt(loss * n / norm) <= options.targetError() && p.softness() < 1e-3) {
                break;
            }
            p.backward(gP, gLogit);
            step++;
            double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
            for (int l = 0; l < levels; l++) {
                ButterflyLearner.update(b.re[l], gRe[l], mRe[l], vRe[l], rate, beta1, beta2, c1, c2, eps);
                if (b.isComplex()) {
                    ButterflyLearner.update(b.im[l], gIm[l], mIm[l], vIm[l], rate, beta1, beta2, c1, c2, eps);
                }
            }
            for (int f = 0; f < factors; f++) {
                ButterflyLearner.update(p.logits[f], gLogit[f], mLogit[f], vLogit[f], rate, beta1, beta2, c1, c2, eps);
            }
            rate *= decay;
        }
        return step;
    }

    /** The known permutation's name when the hardened one is one of them, else "learned:" and the choices per factor. */
    static String name(int[] perm, RelaxedPermutation p) {
        int n = perm.length;
        int[] reverse = Transforms.bitReversal(n);
        if (Arrays.equals(perm, Transforms.identity(n))) {
            return "identity";
        }
        if (Arrays.equals(perm, reverse)) {
            return "bit-reversal";
        }
        if (Arrays.equals(perm, Transforms.compose(Transforms.makhoul(n), reverse))) {
            return "makhoul-bit-reversal";
        }
        return "learned:" + p.describeHardened();
    }
}
