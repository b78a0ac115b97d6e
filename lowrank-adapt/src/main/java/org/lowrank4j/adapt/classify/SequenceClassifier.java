package org.lowrank4j.adapt.classify;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A BERT encoder with a linear head on its pooled output: {@code logits = pool(bert(ids)) · Wᵀ + b}, W (K, C) for K
 * classes. The loss is the mean softmax cross-entropy; its backward pass runs through the head, the pooling and the
 * encoder, adding into every gradient the encoder's layers compute (LoRA adapters swapped into its linears, frozen
 * weights skipped by {@code FrozenWeight}). {@link #parameters()} is the head only: the caller adds the adapters.
 *
 * <p>Texts arrive as token ids with special tokens, one array per text; a batch is padded on the right with id 0 and
 * masked.
 */
public final class SequenceClassifier implements Module {
    /** The head's module path; PEFT stores it as {@code base_model.model.classifier.weight} / {@code .bias}. */
    public static final String HEAD = "classifier";
    private final BertModel encoder;
    private final EncoderPooling pooling;
    private final Linear head; // (K, C)
    private final int pairSeparator; // -1: single texts; else the id after whose first occurrence tokens are segment 1
    private Batch last;

    /** A right-padded batch: (B·T) ids, mask and segment ids (null for single texts). */
    record Batch(int batch, int time, int[] ids, int[] mask, int[] types) {
        static Batch of(int[][] texts, int pairSeparator) {
            int time = 1;
            for (int[] t : texts) {
                time = Math.max(time, t.length);
            }
            int[] ids = new int[texts.length * time];
            int[] mask = new int[ids.length];
            int[] types = pairSeparator < 0 ? null : new int[ids.length];
            for (int b = 0; b < texts.length; b++) {
                System.arraycopy(texts[b], 0, ids, b * time, texts[b].length);
                java.util.Arrays.fill(mask, b * time, b * time + texts[b].length, 1);
                if (types != null) {
                    int t = 0;
                    while (t < texts[b].length && texts[b][t] != pairSeparator) {
                        t++;
                    }
                    java.util.Arrays.fill(types, b * time + Math.min(t + 1, texts[b].length), b * time + texts[b].length, 1);
                }
            }
            return new Batch(texts.length, time, ids, mask, types);
        }
    }

    public SequenceClassifier(BertModel encoder, EncoderPooling pooling, Linear head) {
        this(encoder, pooling, head, -1);
    }

    /**
     * A classifier of text pairs when {@code pairSeparator} ≥ 0 (see {@link TextTokenizer#pairSeparator()}): each input
     * is "[CLS] a [SEP] b [SEP]", read with token type 0 up to the first {@code pairSeparator} and 1 after it.
     */
    public SequenceClassifier(BertModel encoder, EncoderPooling pooling, Linear head, int pairSeparator) {
        if (head.inFeatures() != encoder.config().hiddenSize()) {
            throw new IllegalArgumentException("the classifier head takes " + head.inFeatures() + " inputs but the encoder is "
                    + encoder.config().hiddenSize() + " wide");
        }
        if (head.outFeatures() < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + head.outFeatures());
        }
        this.encoder = encoder;
        this.pooling = pooling;
        this.head = head;
        this.pairSeparator = pairSeparator;
    }

    /** A zero head for {@code classes} classes over the encoder's width. */
    public static Linear zeroHead(BertModel encoder, int classes) {
        return Linear.dense(HEAD, encoder.config().hiddenSize(), classes, true, encoder.precision());
    }

    public BertModel encoder() {
        return encoder;
    }

    public EncoderPooling pooling() {
        return pooling;
    }

    public Linear head() {
        return head;
    }

    public int classes() {
        return head.outFeatures();
    }

    /** The pooled encoder output (B, C) of texts given as token ids; keeps what {@link #backward} needs. */
    public Tensor pooled(int[][] texts) {
        if (texts.length == 0) {
            throw new IllegalArgumentException("no texts to classify");
        }
        for (int i = 0; i < texts.length; i++) {
            if (texts[i].length == 0) {
                throw new IllegalArgumentException("text " + i + " has no tokens");
            }
        }
        last = Batch.of(texts, pairSeparator);
        Tensor hidden = encoder.forward(last.ids(), last.types(), last.mask(), last.batch(), last.time());
        return pooling.forward(hidden, last.mask(), last.batch(), last.time());
    }

    /** Logits (B, K). */
    public Tensor logits(int[][] texts) {
        return head.forward(pooled(texts));
    }

    /** The most likely class of each text. */
    public int[] predict(int[][] texts) {
        return argmax(logits(texts));
    }

    /** Forward and backward of the mean cross-entropy; adds into the gradients. */
    public double lossAndBackward(int[][] texts, int[] labels) {
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        double loss = ce.forward(logits(texts), labels);
        backward(ce.backward(1));
        return loss;
    }

    /** Forward only: the mean cross-entropy. */
    public double loss(int[][] texts, int[] labels) {
        return new SoftmaxCrossEntropy().forward(logits(texts), labels);
    }

    /** Back from dL/d logits (B, K) of the latest forward through head, pooling and encoder. */
    public void backward(Tensor dLogits) {
        Tensor dPooled = head.backward(dLogits);
        encoder.backward(pooling.backward(dPooled, last.mask(), last.batch(), last.time()));
    }

    static int[] argmax(Tensor logits) {
        int batch = logits.dim(0), k = logits.dim(1);
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (logits.get(b * k + j) > logits.get(b * k + best)) {
                    best = j;
                }
            }
            out[b] = best;
        }
        return out;
    }

    /** The head's weight (K, C) and bias (K). */
    @Override
    public List<Parameter> parameters() {
        return new ArrayList<>(head.parameters());
    }
}
