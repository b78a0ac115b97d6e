package org.lowrank4j.adapt.classify;

/**
 * Turns one text into the token ids an encoder reads: special tokens included ([CLS] … [SEP] for BERT), truncated to
 * the length the caller chose. The CLI passes a Hugging Face {@code tokenizer.json} here.
 */
@FunctionalInterface
public interface TextTokenizer {
    int[] ids(String text);
}
