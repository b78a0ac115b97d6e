package org.lowrank4j.compress.recover;

import org.lowrank4j.compress.tokenize.EncodedBatch;

/**
 * One padded batch of token ids in the layout {@link org.lowrank4j.nn.arch.bert.BertModel#forward} takes.
 *
 * @param ids   (B·T) token ids, row-major by sequence
 * @param types (B·T) segment ids
 * @param mask  (B·T) 1 for a real token, 0 for padding
 * @param rows  (B) which text of the source each row holds, so that the teacher's states of a text can be kept and
 *              reused; null when the rows are not known texts
 */
public record TokenBatch(int[] ids, int[] types, int[] mask, int batch, int time, int[] rows) {

    /** A batch of unnamed rows. */
    public TokenBatch(int[] ids, int[] types, int[] mask, int batch, int time) {
        this(ids, types, mask, batch, time, null);
    }

    public TokenBatch {
        if (batch < 1 || time < 1 || ids.length != batch * time || types.length != ids.length || mask.length != ids.length) {
            throw new IllegalArgumentException("a (" + batch + ", " + time + ") batch needs " + (long) batch * time
                    + " ids, types and mask entries, got " + ids.length + ", " + types.length + ", " + mask.length);
        }
        if (rows != null && rows.length != batch) {
            throw new IllegalArgumentException(rows.length + " row names for a batch of " + batch);
        }
    }

    /** The same batch with its rows named. */
    public TokenBatch withRows(int[] names) {
        return new TokenBatch(ids, types, mask, batch, time, names.clone());
    }

    /** Real tokens of row {@code b}. */
    public int length(int b) {
        int n = 0;
        for (int t = 0; t < time; t++) {
            n += mask[b * time + t];
        }
        return n;
    }

    /** The tokenizer's padded batch as int arrays. */
    public static TokenBatch of(EncodedBatch e) {
        int batch = e.size(), time = e.length();
        int[] ids = new int[batch * time], types = new int[ids.length], mask = new int[ids.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                ids[b * time + t] = Math.toIntExact(e.inputIds()[b][t]);
                types[b * time + t] = (int) e.tokenTypeIds()[b][t];
                mask[b * time + t] = (int) e.attentionMask()[b][t];
            }
        }
        return new TokenBatch(ids, types, mask, batch, time);
    }

    /** Number of real (unmasked) tokens. */
    public int realTokens() {
        int n = 0;
        for (int m : mask) {
            n += m;
        }
        return n;
    }

    /** The largest token id. */
    public int maxId() {
        int max = 0;
        for (int id : ids) {
            max = Math.max(max, id);
        }
        return max;
    }
}
