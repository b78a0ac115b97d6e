package org.lowrank4j.compress.blockwise;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * {@link Perplexity}'s protocol (the same windows, batches and per-token loss) on a decoder folder read one block at
 * a time ({@link DecoderBlocks}): every batch is embedded and spilled to disk, then each block in turn runs over every
 * batch, then the final norm (and projection out) and the output projection score them. Memory: one block (or the embedding table, or the output
 * projection), one batch's activations and at most 16 M of its logits at a time. The blocks run their full-sequence forward rather than the
 * KV-cache path the in-memory evaluation uses, so the two agree to rounding, not bit for bit.
 */
public final class BlockwisePerplexity {
    private BlockwisePerplexity() {
    }

    /** Windows run together: the first token and the length of each window, and how many. */
    private record Batch(int start, int time, int count) {
    }

    /**
     * @param tokens      the token stream (at least 2 tokens)
     * @param window      tokens fed per window, at most the model's positions
     * @param textBytes   UTF-8 bytes of the text, for bits per byte
     * @param spillFolder where the activations are spilled (temporary files, deleted when done)
     * @param progress    told after each block (as windows: the blocks done out of all, scaled to the windows)
     */
    public static PerplexityResult evaluate(DecoderBlocks model, int[] tokens, int window, long textBytes, Path spillFolder,
                                            Perplexity.WindowProgress progress) throws IOException {
        int positions = model.positions(), vocab = model.config().vocabSize();
        if (tokens.length < 2) {
            throw new IllegalArgumentException("perplexity needs at least 2 tokens, got " + tokens.length);
        }
        if (window < 1 || window > positions) {
            throw new IllegalArgumentException("window of " + window + " tokens must be in [1, " + positions + "] (the model's positions)");
        }
        if (textBytes < 1) {
            throw new IllegalArgumentException("the text length in bytes must be positive, got " + textBytes);
        }
        int predicted = tokens.length - 1, fullWindows = predicted / window, rest = predicted % window;
        int batchSize = Perplexity.batchSize(window, vocab, fullWindows);
        List<Batch> batches = new ArrayList<>();
        for (int first = 0; first < fullWindows; first += batchSize) {
            batches.add(new Batch(first * window, window, Math.min(batchSize, fullWindows - first)));
        }
        if (rest > 0) {
            batches.add(new Batch(fullWindows * window, rest, 1));
        }
        int windows = fullWindows + (rest > 0 ? 1 : 0), steps = model.blockCount() + 2;
        int c = model.config().hiddenSize();
        ActivationSpill x = ActivationSpill.create(spillFolder, "eval0", batches.size());
        try {
            Embedding embedding = model.readEmbedding();
            for (int b = 0; b < batches.size(); b++) {
                Batch batch = batches.get(b);
                int[] ids = new int[batch.count() * batch.time()];
                System.arraycopy(tokens, batch.start(), ids, 0, ids.length);
                x.write(b, ActivationSpill.floats(embedding.forward(ids, null, batch.count(), batch.time(), model.positionOffset())));
            }
            embedding = null;
            progress.scored(windows / steps, windows);
            for (int i = 0; i < model.blockCount(); i++) {
                PreNormBlock block = model.readBlock(i);
                ActivationSpill next = ActivationSpill.create(spillFolder, "eval" + (i + 1), batches.size());
                try {
                    for (int b = 0; b < batches.size(); b++) {
                        Batch batch = batches.get(b);
                        next.write(b, ActivationSpill.floats(block.forward(FloatTensor.wrap(x.read(b), batch.count(), batch.time(), c), null)));
                    }
                } catch (RuntimeException e) {
                    next.close();
                    throw e;
                }
                x.close();
                x = next;
                progress.scored((int) ((long) windows * (i + 2) / steps), windows);
            }
            Layer outputStage = model.readOutputStage();
            Linear head = model.readHead();
            LogitShaping shaping = model.logitShaping();
            UnaryOperator<Tensor> logitsOf = features -> shaping == null ? head.forward(features) : shaping.apply(head.forward(features));
            double total = 0;
            for (int b = 0; b < batches.size(); b++) {
                Batch batch = batches.get(b);
                Tensor features = outputStage.forward(FloatTensor.wrap(x.read(b), batch.count(), batch.time(), c)); // (B,T,C')
                total += Perplexity.featuresNll(features, logitsOf, model.config().vocabSize(), tokens, batch.start()); // a few rows at a time
            }
            progress.scored(windows, windows);
            double mean = total / predicted;
            return new PerplexityResult(predicted, windows, total, mean, Math.exp(mean), textBytes, total / Math.log(2) / textBytes);
        } finally {
            x.close();
        }
    }
}
