package org.lowrank4j.nn.generate;

/**
 * Text to token ids and back: the only thing generation and perplexity need from a tokenizer, so a Hugging Face
 * {@code tokenizer.json}, a byte-level BPE or {@link ByteTokenizer} plug in alike.
 */
public interface Tokenizer {

    /** The token ids of {@code text} (no special tokens added). */
    int[] encode(String text);

    /**
     * The text of {@code ids}.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    String decode(int[] ids);

    /** Number of token ids. */
    int vocabSize();
}
