package org.lowrank4j.nn.generate;

/**
 * Perplexity of a decoder on a token stream.
 *
 * @param tokens      number of predicted tokens (every token but the first)
 * @param windows     number of windows evaluated
 * @param totalNll    summed negative log-likelihood in nats
 * @param meanNll     totalNll / tokens (nats per token)
 * @param perplexity  exp(meanNll)
 * @param bytes       byte length of the text the tokens encode
 * @param bitsPerByte totalNll / ln 2 / bytes: comparable across tokenizers
 */
public record PerplexityResult(long tokens, int windows, double totalNll, double meanNll, double perplexity, long bytes,
        double bitsPerByte) {

    /**
     * This result, when its loss is a finite number; otherwise the model is broken (non-finite weights, or values that
     * overflow) and no figure should be reported.
     *
     * @param model how messages name the model, e.g. its folder
     * @throws IllegalArgumentException naming the model when the loss is NaN or infinite
     */
    public PerplexityResult requireFinite(Object model) {
        if (!Double.isFinite(totalNll)) {
            throw new IllegalArgumentException("model " + model + " gives a non-finite loss (" + totalNll + ") on this text: its weights"
                    + " hold NaN or infinite values, or overflow; no perplexity can be reported");
        }
        return this;
    }
}
