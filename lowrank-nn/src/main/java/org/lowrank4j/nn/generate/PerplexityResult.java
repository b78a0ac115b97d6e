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
}
