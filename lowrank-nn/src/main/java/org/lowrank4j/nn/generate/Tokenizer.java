package org.lowrank4j.nn.generate;

/**
 * Text to token ids and back: the only thing generation and perplexity need from a tokenizer, so a Hugging Face
 * {@code tokenizer.json}, a byte-level BPE or {@link ByteTokenizer} plug in alike.
 */
public interface Tokenizer {

    /** The token ids of {@code text} (no special tokens added). */
    int[] encode(String text);

    /**
     * The token ids a prompt is fed as: {@link #encode} with the special tokens the tokenizer puts before a sequence (the
     * beginning-of-sequence token of LLaMA's, Gemma's or OPT's tokenizers), as transformers and transformers.js encode
     * prompts by default. Tokens it would put after the sequence (an end-of-sequence mark) are left out, since the prompt
     * goes on. The same as {@link #encode} for tokenizers that add none.
     */
    default int[] encodePrompt(String text) {
        return encode(text);
    }

    /**
     * The text of {@code ids}.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    String decode(int[] ids);

    /** Number of token ids. */
    int vocabSize();
}
