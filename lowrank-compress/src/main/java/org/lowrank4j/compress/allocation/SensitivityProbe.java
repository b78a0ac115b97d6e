package org.lowrank4j.compress.allocation;

/**
 * End-to-end sensitivity of one site, measured by the caller (ASVD's sensitivity-based truncation rank search,
 * Yuan et al., arXiv:2312.05821; spec {@code shared/methods/c03-asvd.md}, algorithm B): the whole-model loss —
 * perplexity on calibration text, or 1 − cosine to the original embeddings — when <em>only</em> {@code site} is
 * replaced by its factorization at {@code rank} and every other site stays dense. Lower is better.
 * Implementations must restore the site afterwards; values must be finite.
 */
public interface SensitivityProbe {

    /** The loss of the uncompressed model on the same data. */
    double baseline();

    /** The loss with only {@code site} truncated to {@code rank} (1 ≤ rank &lt; break-even). */
    double evaluate(String site, int rank);
}
