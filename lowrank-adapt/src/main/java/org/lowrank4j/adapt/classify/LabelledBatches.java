package org.lowrank4j.adapt.classify;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * Classification on the runtime's {@link org.lowrank4j.nn.train.Trainer}, which draws batches of token windows: the
 * "tokens" it shuffles are example numbers. {@link #indexWindows} is a stream 0, 1, …, N with context 1, so window k is
 * (k, k+1) and each batch's {@code inputs[b][0]} is one training example, in a seeded order per epoch that the
 * checkpoint's data position pins down (resume continues exactly). The targets are ignored: the labels are here.
 */
final class LabelledBatches implements LanguageModel {
    private final SequenceClassifier classifier;
    private final int[][] texts;  // token ids of the training examples
    private final int[] labels;

    LabelledBatches(SequenceClassifier classifier, int[][] texts, int[] labels) {
        this.classifier = classifier;
        this.texts = texts;
        this.labels = labels;
    }

    /** Windows over the example numbers 0..count-1, shuffled per epoch with {@code seed}. */
    static TokenWindows indexWindows(int count, long seed) {
        int[] stream = new int[count + 1];
        for (int i = 0; i <= count; i++) {
            stream[i] = i;
        }
        return new TokenWindows(stream, count + 1, 1, seed);
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        int[] rows = rows(inputs);
        return classifier.lossAndBackward(gather(rows), labels(rows));
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        int[] rows = rows(inputs);
        return classifier.loss(gather(rows), labels(rows));
    }

    private static int[] rows(int[][] inputs) {
        int[] rows = new int[inputs.length];
        for (int b = 0; b < inputs.length; b++) {
            rows[b] = inputs[b][0];
        }
        return rows;
    }

    private int[][] gather(int[] rows) {
        int[][] out = new int[rows.length][];
        for (int b = 0; b < rows.length; b++) {
            out[b] = texts[rows[b]];
        }
        return out;
    }

    private int[] labels(int[] rows) {
        int[] out = new int[rows.length];
        for (int b = 0; b < rows.length; b++) {
            out[b] = labels[rows[b]];
        }
        return out;
    }

    /** The head; the adapters are added by {@link org.lowrank4j.adapt.finetune.AdapterLanguageModel}. */
    @Override
    public List<Parameter> parameters() {
        return classifier.parameters();
    }
}
