package org.lowrank4j.adapt.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Pair input ("[CLS] a [SEP] b [SEP]", a cross-encoder): segment ids from the first separator, and what the encoder reads. */
class PairInputTest {
    private static final int SEP = 2;

    private static int[] pair(String a, String b) {
        int[] first = TinyEncoders.ids(a), second = TinyEncoders.ids(b); // [CLS] a [SEP] and [CLS] b [SEP]
        int[] out = java.util.Arrays.copyOf(first, first.length + second.length - 1);
        System.arraycopy(second, 1, out, first.length, second.length - 1);
        return out;
    }

    @Test
    void tokensAfterTheFirstSeparatorAreSegmentOneAndPaddingStaysZero() {
        SequenceClassifier.Batch batch = SequenceClassifier.Batch.of(new int[][] {pair("ab", "c"), pair("a", "bcd")}, SEP);
        assertThat(batch.time()).isEqualTo(7);
        assertThat(batch.types()).containsExactly(
                0, 0, 0, 0, 1, 1, 0,  // [CLS] a b [SEP] c [SEP] pad
                0, 0, 0, 1, 1, 1, 1); // [CLS] a [SEP] b c d [SEP]
        assertThat(SequenceClassifier.Batch.of(new int[][] {pair("ab", "c")}, -1).types()).isNull();
    }

    @Test
    void aPairClassifierFeedsTheSegmentsToTheEncoder() {
        BertModel encoder = TinyEncoders.random(Precision.FLOAT64, 11);
        SequenceClassifier pairs = new SequenceClassifier(encoder, EncoderPooling.MEAN, SequenceClassifier.zeroHead(encoder, 2), SEP);
        SequenceClassifier single = new SequenceClassifier(encoder, EncoderPooling.MEAN, SequenceClassifier.zeroHead(encoder, 2));
        int[][] texts = {pair("abc", "da")};
        Tensor withTypes = pairs.pooled(texts);
        int[] ids = texts[0], mask = new int[ids.length], types = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        java.util.Arrays.fill(types, 5, ids.length, 1);
        Tensor expected = EncoderPooling.MEAN.forward(encoder.forward(ids, types, mask, 1, ids.length), mask, 1, ids.length);
        Tensor withoutTypes = single.pooled(texts);
        double same = 0, differ = 0;
        for (int i = 0; i < expected.size(); i++) {
            same = Math.max(same, Math.abs(withTypes.get(i) - expected.get(i)));
            differ = Math.max(differ, Math.abs(withTypes.get(i) - withoutTypes.get(i)));
        }
        assertThat(same).isLessThan(1e-12);
        assertThat(differ).isGreaterThan(1e-3);
    }
}
