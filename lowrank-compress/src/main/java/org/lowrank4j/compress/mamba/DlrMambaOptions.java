package org.lowrank4j.compress.mamba;

import org.lowrank4j.compress.methods.MethodSpec;

/**
 * {@code --method dlrmamba[:energy=E][:state-rank=K]} with {@code --ratio R} (docs/specs/dlrmamba.md, after DLRMamba's
 * low-rank state transitions): each of a Mamba block's W_in, W_x, W_out and A_log becomes U·V of rank
 * {@code floor((1 − R)·m·n / (m + n))} (the fraction R of its parameters removed), or, with {@code energy}, the smaller
 * of that and the fewest singular values holding the fraction E of the squared spectrum; {@code state-rank} fixes A_log's
 * rank instead. A matrix stays dense where a factor pair would not be smaller (the project's convention).
 *
 * @param ratio     fraction of each targeted matrix's parameters to remove, in (0, 1)
 * @param energy    spectrum energy to keep, in (0, 1], or null
 * @param stateRank A_log's rank, or null (chosen like the projections')
 */
public record DlrMambaOptions(double ratio, Double energy, Integer stateRank) {
    public static final String NAME = "dlrmamba";

    public DlrMambaOptions {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("--ratio for " + NAME + " must be in (0, 1), the fraction of each matrix's parameters removed; got " + ratio);
        }
        if (energy != null && !(energy > 0 && energy <= 1)) {
            throw new IllegalArgumentException(NAME + ": option energy must be in (0, 1], got " + energy);
        }
        if (stateRank != null && stateRank < 1) {
            throw new IllegalArgumentException(NAME + ": option state-rank must be at least 1, got " + stateRank);
        }
    }

    /** Whether {@code method} names this method. */
    public static boolean names(String method) {
        return method != null && MethodSpec.parse(method).name().equals(NAME);
    }

    /** Parses the method's options; the ratio comes from {@code --ratio}. */
    public static DlrMambaOptions parse(String method, Double ratio) {
        MethodSpec spec = MethodSpec.parse(method);
        if (ratio == null) {
            throw new IllegalArgumentException(NAME + " needs --ratio (the fraction of each factorised matrix's parameters to remove); --target-size"
                    + " is not supported for Mamba folders");
        }
        double energy = spec.number("energy", Double.NaN);
        int stateRank = spec.integer("state-rank", 0);
        spec.requireAllRead();
        return new DlrMambaOptions(ratio, Double.isNaN(energy) ? null : energy, stateRank == 0 ? null : stateRank);
    }

    /** The rank the ratio allows an m×n matrix: the parameter budget (1 − ratio)·m·n over a pair's cost m + n, at least 1. */
    public int ratioRank(int rows, int cols) {
        return Math.max(1, (int) Math.floor((1 - ratio) * rows * cols / (rows + cols)));
    }

    /** The fewest leading singular values whose squares hold {@code energy} of the total (all when energy is null). */
    public int energyRank(double[] singularValues) {
        if (energy == null) {
            return singularValues.length;
        }
        double total = 0;
        for (double s : singularValues) {
            total += s * s;
        }
        double kept = 0;
        for (int k = 0; k < singularValues.length; k++) {
            kept += singularValues[k] * singularValues[k];
            if (kept >= energy * total) {
                return k + 1;
            }
        }
        return singularValues.length;
    }
}
