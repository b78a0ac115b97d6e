package org.lowrank4j.compress.runtime;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * A labelled task for an encoder, which gives it a loss to differentiate (FWSVD's Fisher, spec c02): two-class texts,
 * tokenized one at a time, and how the encoder turns token states into the vector a classification head reads.
 *
 * @param ids       token ids per text, special tokens included, truncated by the tokenizer
 * @param types     token type ids per text (same lengths as {@code ids})
 * @param labels    0 or 1 per text
 * @param pooling   the encoder's pooling (mean over tokens, or the first token)
 * @param normalize whether the head reads the L2-normalised pooled vector (as {@code eval}'s probe does)
 * @param source    where the texts came from, for records
 */
public record EncoderTask(List<int[]> ids, List<int[]> types, int[] labels, Pooling pooling, boolean normalize, String source) {
    /** Texts a task reads by default (one forward and backward each for the Fisher), taken evenly over the labelled set. */
    public static final int DEFAULT_LIMIT = 200;

    public EncoderTask {
        if (ids.isEmpty() || ids.size() != labels.length || types.size() != ids.size()) {
            throw new IllegalArgumentException("an encoder task needs as many labels and type rows as texts, got " + ids.size() + " texts, "
                    + labels.length + " labels, " + types.size() + " type rows");
        }
        boolean[] seen = new boolean[2];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new IllegalArgumentException(source + ": label " + labels[i] + " of text " + i + "; the task head is binary (0/1)");
            }
            if (ids.get(i).length == 0 || ids.get(i).length != types.get(i).length) {
                throw new IllegalArgumentException(source + ": text " + i + " has " + ids.get(i).length + " tokens and "
                        + types.get(i).length + " type ids");
            }
            seen[labels[i]] = true;
        }
        if (!seen[0] || !seen[1]) {
            throw new IllegalArgumentException(source + " has texts of one class only; the task head needs both");
        }
        ids = List.copyOf(ids);
        types = List.copyOf(types);
        labels = labels.clone();
    }

    /**
     * The texts of {@code labelled} (exactly two classes), at most {@code limit} of them taken evenly over the set so
     * both classes stay represented, tokenized with the encoder's tokenizer.
     */
    public static EncoderTask of(LabelledTexts labelled, HfTokenizer tokenizer, Pooling pooling, boolean normalize, int limit) {
        if (labelled.classNames().size() != 2) {
            throw new IllegalArgumentException("the task needs exactly two classes, " + labelled.source() + " has " + labelled.classNames());
        }
        if (limit < 2) {
            throw new IllegalArgumentException("the task needs at least 2 texts, got a limit of " + limit);
        }
        int n = labelled.size(), take = Math.min(n, limit);
        List<int[]> ids = new ArrayList<>(), types = new ArrayList<>();
        int[] labels = new int[take];
        for (int k = 0; k < take; k++) {
            int i = (int) ((long) k * n / take);
            EncodedBatch e = tokenizer.encode(List.of(labelled.texts().get(i)));
            int time = e.tokenCount(0);
            int[] row = new int[time], type = new int[time];
            for (int t = 0; t < time; t++) {
                row[t] = (int) e.inputIds()[0][t];
                type[t] = (int) e.tokenTypeIds()[0][t];
            }
            ids.add(row);
            types.add(type);
            labels[k] = labelled.labels()[i];
        }
        return new EncoderTask(ids, types, labels, pooling, normalize, labelled.source() + (take < n ? " (" + take + " of " + n + " texts)" : ""));
    }

    public int size() {
        return labels.length;
    }
}
