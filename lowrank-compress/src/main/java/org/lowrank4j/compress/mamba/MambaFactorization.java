package org.lowrank4j.compress.mamba;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * The low-rank form of a Mamba model (docs/specs/dlrmamba.md): every block's W_in, W_x, W_out and the state transition
 * A_log replaced in place by U·V from their truncated SVD ({@code U = U_k √S_k}, {@code V = √S_k V_kᵀ}), the rank of each
 * matrix chosen by {@link DlrMambaOptions}. The convolution, Δ's projection and D stay dense.
 */
public final class MambaFactorization {
    private MambaFactorization() {
    }

    /** One matrix: its site name, shape, chosen rank (0: left dense) and parameters before and after. */
    public record Site(String name, int rows, int cols, int rank, long parametersBefore, long parametersAfter, double keptEnergy) {
    }

    /** What was factorised and the parameter counts of the targeted matrices and of the whole model. */
    public record Report(List<Site> sites, long targetedBefore, long targetedAfter, long modelBefore, long modelAfter) {
        /** Fraction of the targeted matrices' parameters removed. */
        public double targetedRatio() {
            return 1 - (double) targetedAfter / targetedBefore;
        }

        /** Fraction of the whole model's parameters removed. */
        public double modelRatio() {
            return 1 - (double) modelAfter / modelBefore;
        }
    }

    /**
     * Factorises {@code model} in place.
     *
     * @throws IllegalArgumentException when a site is already low-rank, or the state rank exceeds A_log's dimensions
     */
    public static Report apply(MambaModel model, DlrMambaOptions options) {
        long modelBefore = model.parameterCount();
        List<Site> sites = new ArrayList<>();
        long before = 0, after = 0;
        for (Map.Entry<String, Linear> e : model.linearSites().entrySet()) {
            Linear linear = e.getValue();
            int rows = linear.outFeatures(), cols = linear.inFeatures();
            if (linear.weight() instanceof LowRankWeight) {
                throw new IllegalArgumentException(e.getKey() + " (" + linear.name() + ") is already low-rank; give the dense model to " + DlrMambaOptions.NAME);
            }
            boolean state = e.getKey().endsWith("A_log");
            if (state && options.stateRank() != null && options.stateRank() > Math.min(rows, cols)) {
                throw new IllegalArgumentException(DlrMambaOptions.NAME + ": state-rank " + options.stateRank() + " is above A_log's dimensions "
                        + rows + "x" + cols + " (at most " + Math.min(rows, cols) + ")");
            }
            DoubleMatrix w = DoubleMatrix.wrap(linear.weight().toDense().toDoubleArray(), rows, cols);
            SvdResult svd = Linalg.backend().svd(w);
            int rank = state && options.stateRank() != null ? options.stateRank()
                    : Math.min(options.ratioRank(rows, cols), options.energyRank(svd.s()));
            rank = Math.min(rank, svd.rank());
            long dense = (long) rows * cols, pair = (long) rank * (rows + cols);
            before += dense;
            if (pair >= dense) {
                sites.add(new Site(e.getKey(), rows, cols, 0, dense, dense, 1));
                after += dense;
                continue;
            }
            linear.setWeight(LowRankWeight.fromSvd(linear.name(), svd, rank, linear.weight().precision()));
            sites.add(new Site(e.getKey(), rows, cols, rank, dense, pair, keptEnergy(svd.s(), rank)));
            after += pair;
        }
        return new Report(sites, before, after, modelBefore, model.parameterCount());
    }

    /**
     * The rank-k truncated SVD of {@code linear}'s weight as a {@link LowRankWeight} (not installed).
     *
     * @throws IllegalArgumentException when k is outside [1, min(out, in)]
     */
    public static LowRankWeight truncated(Linear linear, int rank) {
        int rows = linear.outFeatures(), cols = linear.inFeatures();
        if (rank < 1 || rank > Math.min(rows, cols)) {
            throw new IllegalArgumentException(linear.name() + ": rank " + rank + " is outside [1, " + Math.min(rows, cols) + "] for a " + rows + "x"
                    + cols + " matrix");
        }
        SvdResult svd = Linalg.backend().svd(DoubleMatrix.wrap(linear.weight().toDense().toDoubleArray(), rows, cols));
        return LowRankWeight.fromSvd(linear.name(), svd, rank, linear.weight().precision());
    }

    private static double keptEnergy(double[] s, int rank) {
        double total = 0, kept = 0;
        for (int i = 0; i < s.length; i++) {
            total += s[i] * s[i];
            if (i < rank) {
                kept += s[i] * s[i];
            }
        }
        return total == 0 ? 1 : kept / total;
    }
}
