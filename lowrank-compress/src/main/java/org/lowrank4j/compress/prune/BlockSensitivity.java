package org.lowrank4j.compress.prune;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.EncoderBlocks;
import org.lowrank4j.formats.onnx.OnnxModel;

/**
 * Each block's measured sensitivity on an ONNX encoder: {@code s_j = 1 − mean_i cos(e_i, e_i^{−j})}, where {@code e_i}
 * is the pooled embedding of probe sentence i by the original graph and {@code e_i^{−j}} by the graph with block j
 * alone removed, both in ONNX Runtime.
 */
public final class BlockSensitivity {

    private BlockSensitivity() {
    }

    /** The sensitivity of every block, in block order. */
    public static double[] measure(OnnxModel model, Path source, List<EncoderBlocks.Block> blocks, HfTokenizer tokenizer, List<String> probe,
                                   Pooling pooling, int threads, Progress progress) {
        EmbeddingRunner.Options options = new EmbeddingRunner.Options(threads, 32);
        float[][] reference;
        try (EmbeddingRunner original = EmbeddingRunner.open(model.toProto().toByteArray(), source, options)) {
            reference = original.embed(tokenizer, probe, pooling, false);
        }
        double[] s = new double[blocks.size()];
        for (int j = 0; j < blocks.size(); j++) {
            progress.update("block sensitivity", j, blocks.size(), "block " + j);
            OnnxModel without = EncoderBlocks.withoutBlocks(model, blocks, Set.of(j));
            try (EmbeddingRunner runner = EmbeddingRunner.open(without.toProto().toByteArray(), source, options)) {
                s[j] = 1 - EmbeddingMetrics.mean(EmbeddingMetrics.rowCosines(reference, runner.embed(tokenizer, probe, pooling, false)));
            }
        }
        progress.update("block sensitivity", blocks.size(), blocks.size(), "");
        return s;
    }
}
