package org.lowrank4j.compress.methods.svdquant;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.InputScale;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.methods.Quantizing;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * SVDQuant (spec c16), weights only: the activations stay in float (W4A16 on CPU; the paper quantizes them to 4 bits
 * too, which ONNX Runtime's MatMulNBits does not do, so {@code Q(X̂) = X̂} in every error below).
 *
 * <ol>
 *   <li>Smoothing: every (α, β) candidate of {@link Smoothing} gives λ, {@code Ŵ = W diag(λ)} and the smoothed inputs'
 *       Gram Ĝ; the candidate is scored by the output error {@code tr(Δ Ĝ Δᵀ)} of its first iterate (branch SVD_r(Ŵ),
 *       residual rounded) at the search rank (the fixed rank, else {@link SvdQuantOptions#DEFAULT_RANK}, at most
 *       min(m, n)), and the least wins ((0, 0), no smoothing, on ties). The activation span is the calibration's
 *       per-channel max |x| ({@link LayerStats#absMax()}); statistics restored without it use the channel RMS.</li>
 *   <li>At each rank asked for, the refinement of {@link SmoothedFit#refine} at the chosen λ: the best iterate.</li>
 * </ol>
 * The layer runs {@code y = Q·(x ⊙ λ⁻¹) + L1 (L2 diag(λ)⁻¹ x) + b}: the scale 1/λ multiplies the quantized residual's
 * input only, and the branch absorbs it ({@link QuantizedLowRank#inputScale()}). No scale is stored when λ = 1.
 *
 * <p>The spectrum that prices ranks for a byte budget is the singular values of Ŵ times the RMS of the smoothed inputs
 * (√(tr Ĝ / (n·tokens))): rank r removes the top r of Ŵ from what is rounded, and rounding error grows with what is left.
 */
public final class SvdQuantMethod implements QuantizedMethod {
    private final SvdQuantOptions options;

    public SvdQuantMethod(SvdQuantOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "svdquant";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.of(Requirement.GRAM);
    }

    @Override
    public QuantizedBase storage() {
        return options.storage();
    }

    @Override
    public int fixedRank() {
        return options.rank();
    }

    @Override
    public int rankWithoutBudget() {
        return options.rank() < 0 ? SvdQuantOptions.DEFAULT_RANK : options.rank();
    }

    @Override
    public QuantizedSite prepare(LinearWeight weight, LayerStats stats) {
        CompressionMethod.requireStats(name(), weight, stats);
        DoubleMatrix w = weight.weight();
        DoubleMatrix gram = stats.gram();
        double[] activationSpan = activationSpan(stats);
        double[] weightSpan = Smoothing.weightSpan(w);
        int searchRank = Math.min(rankWithoutBudget(), Math.min(w.rows(), w.cols()));
        Quantizing.onSite(weight, () -> RoundToNearest.quantize(w, options.storage().format())); // a group that does not divide, named
        Choice best = null;
        for (Smoothing.Candidate c : Smoothing.candidates(options.smoothing(), options.grid())) {
            double[] lambda = Smoothing.scales(activationSpan, weightSpan, c);
            SmoothedFit fit = new SmoothedFit(Smoothing.smoothWeight(w, lambda), Smoothing.smoothGram(gram, lambda), options);
            double error = fit.iterate(searchRank, null).error();
            if (best == null || error < best.error()) {
                best = new Choice(c, lambda, fit, error);
            }
        }
        return new Site(best, stats.tokens(), options.iterations());
    }

    /** max |x_j| from the calibration, or the channel RMS √(G_jj / tokens) for statistics restored without maxima. */
    private static double[] activationSpan(LayerStats stats) {
        if (stats.absMax() != null) {
            return stats.absMax().clone();
        }
        double[] span = new double[stats.features()];
        for (int j = 0; j < span.length; j++) {
            span[j] = Math.sqrt(Math.max(0, stats.gram().get(j, j)) / stats.tokens());
        }
        return span;
    }

    /** The smoothing the search kept. */
    record Choice(Smoothing.Candidate candidate, double[] lambda, SmoothedFit fit, double error) {
    }

    /** A site at its chosen smoothing; the refinement at each rank asked for, kept. */
    static final class Site implements QuantizedSite {
        private final Choice choice;
        private final double[] spectrum;
        private final int iterations;
        private final InputScale inputScale;
        private final Map<Integer, Factorization> byRank = new ConcurrentHashMap<>();
        private final Map<Integer, SmoothedFit.Refined> refinements = new ConcurrentHashMap<>();
        private final QuantizedMatrix base;

        Site(Choice choice, long tokens, int iterations) {
            this.choice = choice;
            this.iterations = iterations;
            DoubleMatrix g = choice.fit().gram();
            double trace = 0;
            for (int j = 0; j < g.rows(); j++) {
                trace += g.get(j, j);
            }
            double rms = Math.sqrt(Math.max(0, trace) / (g.rows() * (double) Math.max(1, tokens)));
            this.spectrum = new ExactSvd().decompose(choice.fit().smoothed()).s().clone();
            for (int i = 0; i < spectrum.length; i++) {
                spectrum[i] *= rms;
            }
            this.inputScale = unsmoothed(choice.lambda()) ? null : new InputScale(inverse(choice.lambda()), String.format(Locale.ROOT,
                    "smoothing alpha=%.2f beta=%.2f", choice.candidate().alpha(), choice.candidate().beta()));
            this.base = ((Quantized) at(0)).weight();
        }

        /** The (α, β) the search chose. */
        Smoothing.Candidate candidate() {
            return choice.candidate();
        }

        /** λ of the chosen smoothing (a copy). */
        double[] lambda() {
            return choice.lambda().clone();
        }

        /** The refinement at a rank (computing it when not yet asked for). */
        SmoothedFit.Refined refinement(int rank) {
            at(rank);
            return refinements.get(rank);
        }

        @Override
        public QuantizedMatrix base() {
            return base;
        }

        @Override
        public double[] spectrum() {
            return spectrum.clone();
        }

        @Override
        public Factorization at(int rank) {
            if (rank < 0 || rank > spectrum.length) {
                throw new IllegalArgumentException("rank " + rank + " is outside [0, " + spectrum.length + "]");
            }
            return byRank.computeIfAbsent(rank, this::build);
        }

        private Factorization build(int rank) {
            SmoothedFit.Refined refined = choice.fit().refine(rank, iterations);
            refinements.put(rank, refined);
            SmoothedFit.Iterate it = refined.best();
            if (rank == 0) {
                return new Quantized(it.codes(), inputScale);
            }
            return new QuantizedLowRank(it.codes(), new LowRank(it.left(), absorb(it.right(), choice.lambda())), inputScale);
        }

        /** {@code L2 diag(λ)⁻¹}: the branch's input factor reading x itself instead of x ⊙ λ⁻¹. */
        static DoubleMatrix absorb(DoubleMatrix right, double[] lambda) {
            DoubleMatrix out = right.copy();
            for (int k = 0; k < out.rows(); k++) {
                for (int j = 0; j < out.cols(); j++) {
                    out.set(k, j, out.get(k, j) / lambda[j]);
                }
            }
            return out;
        }

        private static boolean unsmoothed(double[] lambda) {
            for (double v : lambda) {
                if (v != 1) {
                    return false;
                }
            }
            return true;
        }

        private static double[] inverse(double[] lambda) {
            double[] out = new double[lambda.length];
            for (int j = 0; j < out.length; j++) {
                out[j] = 1 / lambda[j];
            }
            return out;
        }
    }
}
