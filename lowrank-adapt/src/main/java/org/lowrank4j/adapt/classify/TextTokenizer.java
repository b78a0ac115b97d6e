package org.lowrank4j.adapt.classify;

/**
 * Turns one text into the token ids an encoder reads: special tokens included ([CLS] … [SEP] for BERT), truncated to
 * the length the caller chose. The CLI passes a Hugging Face {@code tokenizer.json} here.
 */
@FunctionalInterface
public interface TextTokenizer {
    int[] ids(String text);

    /**
     * For pair input ("[CLS] a [SEP] b [SEP]", a cross-encoder), the id that ends the first text: tokens after its first
     * occurrence read segment (token type) 1, the others 0. -1 (the default) for single texts, all segment 0.
     */
    default int pairSeparator() {
        return -1;
    }
}
