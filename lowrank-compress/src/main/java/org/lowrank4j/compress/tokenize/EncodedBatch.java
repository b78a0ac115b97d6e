package org.lowrank4j.compress.tokenize;

/**
 * A batch of tokenized texts padded to a common length, in the layout BERT-style encoders take.
 * All three arrays have shape (batch, length); padding positions have attention mask 0.
 *
 * @param inputIds      token ids, padded with the tokenizer's pad id
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds  segment ids (0 for single sentences)
 */
public record EncodedBatch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds) {

    public EncodedBatch {
        if (inputIds.length != attentionMask.length || inputIds.length != tokenTypeIds.length) {
            throw new IllegalArgumentException("batch sizes differ: ids " + inputIds.length + ", mask "
                    + attentionMask.length + ", types " + tokenTypeIds.length);
        }
    }

    /** Number of texts. */
    public int size() {
        return inputIds.length;
    }

    /** Padded sequence length (0 for an empty batch). */
    public int length() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** Number of real (non-padding) tokens of row {@code i}. */
    public int tokenCount(int i) {
        int n = 0;
        for (long m : attentionMask[i]) {
            n += (int) m;
        }
        return n;
    }

    /** Largest token id in the batch, or -1 if it is empty. */
    public long maxId() {
        long max = -1;
        for (long[] row : inputIds) {
            for (long id : row) {
                max = Math.max(max, id);
            }
        }
        return max;
    }

    /** The sub-batch of row {@code i} alone, trimmed of padding. */
    public EncodedBatch row(int i) {
        int n = tokenCount(i);
        return new EncodedBatch(new long[][] {java.util.Arrays.copyOf(inputIds[i], n)},
                new long[][] {java.util.Arrays.copyOf(attentionMask[i], n)},
                new long[][] {java.util.Arrays.copyOf(tokenTypeIds[i], n)});
    }
}
