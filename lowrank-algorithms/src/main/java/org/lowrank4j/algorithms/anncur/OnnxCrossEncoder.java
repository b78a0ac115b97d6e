package org.lowrank4j.algorithms.anncur;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.lowrank4j.adapt.classify.ClassifierFolder;
import org.lowrank4j.adapt.classify.EncoderPooling;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * A cross-encoder in ONNX Runtime: a BERT encoder reading "[CLS] query [SEP] item [SEP]" (token types 0 and 1), pooled
 * as its classifier was trained, and the two-class head of a {@code finetune --task classify --pairs} folder. The score
 * of a pair is the logit of the positive label minus the other's (the log-odds of "positive"). The encoder is the
 * folder's adapter merged into the ONNX file ({@code lowrank adapter merge}); pairs are run in batches of similar length.
 */
public final class OnnxCrossEncoder implements AutoCloseable {
    private final EmbeddingRunner runner;
    private final HfTokenizer tokenizer;
    private final Pooling pooling;
    private final float[] direction; // w_pos − w_other (C)
    private final double offset;     // b_pos − b_other
    private final int batch;
    private final String positive;

    private OnnxCrossEncoder(EmbeddingRunner runner, HfTokenizer tokenizer, Pooling pooling, float[] direction, double offset, int batch,
            String positive) {
        this.runner = runner;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.direction = direction;
        this.offset = offset;
        this.batch = batch;
        this.positive = positive;
    }

    /**
     * @param model      the ONNX encoder with the classifier's adapter merged in
     * @param classifier the classifier folder (classifier.json and its head)
     * @param positive   the label whose log-odds is the score; null for the folder's first label
     * @param maxLength  tokens per pair, special tokens included (the length it was trained with)
     * @throws IllegalArgumentException when the folder's head is not a two-class head as wide as the encoder, or the label
     *                                  is not one of its labels
     */
    public static OnnxCrossEncoder open(Path model, Path tokenizerJson, Path classifier, String positive, int maxLength, int batch)
            throws IOException {
        ClassifierFolder.Stored stored = ClassifierFolder.read(classifier);
        if (stored.input() == ClassifierFolder.Input.TEXT) {
            throw new IllegalArgumentException("--classifier " + classifier + " was trained on single texts (classifier.json: \"input\": \"text\"); "
                    + "a cross-encoder is a pair classifier: train one with finetune --task classify --pairs");
        }
        List<String> names = stored.classNames();
        if (names.size() != 2) {
            throw new IllegalArgumentException("--classifier " + classifier + " has " + names.size() + " labels " + names
                    + "; a cross-encoder's head has two (related or not)");
        }
        int pos = positive == null ? 0 : names.indexOf(positive);
        if (pos < 0) {
            throw new IllegalArgumentException("--positive " + positive + " is not a label of " + classifier + "; its labels are " + names);
        }
        float[] w = stored.weight().values(), b = stored.bias().values();
        int width = w.length / 2;
        float[] direction = new float[width];
        for (int c = 0; c < width; c++) {
            direction[c] = w[pos * width + c] - w[(1 - pos) * width + c];
        }
        HfTokenizer tok = HfTokenizer.load(tokenizerJson, maxLength);
        try { // another model's tokenizer is refused before the encoder is started
            org.lowrank4j.compress.check.ModelPairs.requireTokenizerFits(tokenizerJson, tok.vocabularySize(), model);
        } catch (IOException | RuntimeException e) {
            tok.close();
            throw e;
        }
        EmbeddingRunner runner = EmbeddingRunner.open(model, new EmbeddingRunner.Options(1, batch));
        runner.requireMatches(tok);
        return new OnnxCrossEncoder(runner, tok, stored.pooling() == EncoderPooling.CLS ? Pooling.CLS : Pooling.MEAN, direction,
                b[pos] - b[1 - pos], batch, names.get(pos));
    }

    /** The label whose log-odds is the score. */
    public String positive() {
        return positive;
    }

    /** Scores of (query, item) for each item, in the items' order. */
    public double[] score(String query, List<String> items) {
        Integer[] order = new Integer[items.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> items.get(i).length()));
        double[] out = new double[items.size()];
        for (int start = 0; start < order.length; start += batch) {
            int end = Math.min(order.length, start + batch);
            List<String> chunk = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                chunk.add(items.get(order[k]));
            }
            EncodedBatch encoded = tokenizer.encodePairs(query, chunk);
            float[][] pooled = runner.embed(encoded, pooling, false);
            for (int k = start; k < end; k++) {
                double s = offset;
                float[] x = pooled[k - start];
                if (x.length != direction.length) {
                    throw new IllegalArgumentException("the encoder gives " + x.length + "-wide states but the classifier's head reads "
                            + direction.length + ": the classifier was trained on another model");
                }
                for (int c = 0; c < x.length; c++) {
                    s += direction[c] * x[c];
                }
                out[order[k]] = s;
            }
        }
        return out;
    }

    @Override
    public void close() {
        runner.close();
        tokenizer.close();
    }
}
