package org.lowrank4j.nn.train.lowrank;

/**
 * The low-rank part of a projected optimizer's settings.
 *
 * @param rank   r, the rank of the projected gradient (at most min(out, in) of every projected matrix)
 * @param gap    T, steps between basis choices (≥ 1)
 * @param scale  α, the factor on the back-projected update (&gt; 0)
 * @param rotate carry Adam's moments into each new basis (the DCT paper's optional {@code rotate_subspace}) instead of
 *               keeping them as they are (GaLore's reference behaviour, the default)
 */
public record ProjectionSettings(int rank, int gap, double scale, boolean rotate) {
    public ProjectionSettings {
        if (rank < 1) {
            throw new IllegalArgumentException("option rank must be >= 1 (the rank of the projected gradient), got " + rank);
        }
        if (gap < 1) {
            throw new IllegalArgumentException("option gap must be >= 1 (steps between projection updates), got " + gap);
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("option scale must be a finite number > 0, got " + scale);
        }
    }

    /** Settings whose moments are kept across basis changes (no rotation). */
    public ProjectionSettings(int rank, int gap, double scale) {
        this(rank, gap, scale, false);
    }
}
