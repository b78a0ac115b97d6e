package org.lowrank4j.compress.methods.lqlora;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Quantized;
import org.lowrank4j.compress.QuantizedLowRank;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.methods.Quantizing;
import org.lowrank4j.compress.methods.RightWeightedSvd;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * LQ-LoRA's decomposition (spec c12, Algorithm 1): W ≈ Q + L1·L2 by alternation, starting from Q = 0:
 * {@code (L1, L2) = SVD_r(W − Q)} (L1 = U_r Σ_r^{1/2}, L2 = Σ_r^{1/2} V_rᵀ, exact SVD), then {@code Q = quantize(W − L1 L2)}
 * (round to nearest in the storage format, NF4 by default), until ‖W − L1 L2 − Q‖_F stops falling; the best iterate is
 * kept (the reference code returns the one that got worse). Data-free: the objective is the weight error.
 *
 * <p>The spectrum that prices ranks for a byte budget is W's own singular values (the first iterate's branch is
 * SVD_r(W)); the decomposition at each rank is computed when asked and kept.
 */
public final class LqLoraMethod implements QuantizedMethod {
    private final LqLoraOptions options;

    public LqLoraMethod(LqLoraOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "lq-lora";
    }

    @Override
    public Set<Requirement> requirements() {
        return EnumSet.noneOf(Requirement.class);
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
        return options.rank() < 0 ? LqLoraOptions.DEFAULT_RANK : options.rank();
    }

    @Override
    public QuantizedSite prepare(LinearWeight weight, LayerStats stats) {
        QuantizedMatrix base = Quantizing.onSite(weight, () -> RoundToNearest.quantize(weight.weight(), options.storage().format()));
        return new Site(weight.weight(), base, new ExactSvd().decompose(weight.weight()).s(), options);
    }

    /** A site's rank-0 base, W's spectrum, and the alternation at each rank asked for. */
    private static final class Site implements QuantizedSite {
        private final DoubleMatrix w;
        private final QuantizedMatrix base;
        private final double[] spectrum;
        private final LqLoraOptions options;
        private final Map<Integer, QuantizedLowRank> byRank = new ConcurrentHashMap<>();

        Site(DoubleMatrix w, QuantizedMatrix base, double[] spectrum, LqLoraOptions options) {
            this.w = w;
            this.base = base;
            this.spectrum = spectrum;
            this.options = options;
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
            return rank == 0 ? new Quantized(base) : byRank.computeIfAbsent(rank, this::alternate);
        }

        /** Algorithm 1 at one rank: alternate SVD and quantization while the weight error falls; the best iterate. */
        private QuantizedLowRank alternate(int rank) {
            DoubleMatrix q = DoubleMatrix.zeros(w.rows(), w.cols());
            QuantizedLowRank best = null;
            double bestError = Double.POSITIVE_INFINITY;
            for (int t = 0; t < options.iterations(); t++) {
                LowRank l = new RightWeightedSvd(minus(w, q), c -> c).factorAt(rank);
                QuantizedMatrix quantized = RoundToNearest.quantize(minus(w, l.toDense()), options.storage().format());
                QuantizedLowRank candidate = new QuantizedLowRank(quantized, l);
                double error = minus(w, candidate.toDense()).frobeniusNorm();
                if (!(error < bestError)) {
                    break;
                }
                best = candidate;
                bestError = error;
                q = quantized.dequantize().toDouble();
            }
            return best;
        }

        private static DoubleMatrix minus(DoubleMatrix a, DoubleMatrix b) {
            DoubleMatrix d = a.copy();
            for (int i = 0; i < d.rows(); i++) {
                for (int j = 0; j < d.cols(); j++) {
                    d.set(i, j, d.get(i, j) - b.get(i, j));
                }
            }
            return d;
        }
    }
}
