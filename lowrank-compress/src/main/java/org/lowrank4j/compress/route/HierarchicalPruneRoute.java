package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.prune.DecoderBlockPruning;
import org.lowrank4j.compress.prune.OnnxBlockPruning;
import org.lowrank4j.compress.prune.PruneOptions;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.OnnxModel;

/**
 * {@code --method hierarchical-prune:…}: whole late blocks removed (docs/specs/hierarchical-prune.md), from an ONNX
 * encoder ({@link OnnxBlockPruning}) or a decoder model folder ({@link DecoderBlockPruning}).
 */
final class HierarchicalPruneRoute implements CompressionRoute {

    @Override
    public boolean handles(CompressionRequest r) {
        return PruneOptions.names(r.method());
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        PruneOptions o = PruneOptions.from(r.method());
        if (r.calibrationSequences() != null) {
            throw new IllegalArgumentException("--calib-sequences does not apply to " + PruneOptions.NAME + "; the sensitivity probe size is"
                    + " its option probe=N (default 64)");
        }
        if (r.embeddings() != null) {
            throw new IllegalArgumentException("--embeddings does not combine with " + PruneOptions.NAME + " yet; prune first, then compress the"
                    + " pruned file with --embeddings");
        }
        boolean measures = o.order() == PruneOptions.Order.SENSITIVITY;
        if (Files.isDirectory(r.model())) {
            if (r.tokenizer() != null || r.calibrationUnit() != null) {
                throw new IllegalArgumentException("--tokenizer and --calib-unit apply to ONNX models; the decoder folder " + r.model()
                        + " brings its own tokenizer.json");
            }
            if (measures && r.calibration() == null) {
                throw new IllegalArgumentException(PruneOptions.NAME + " measures each block's sensitivity on calibration text: give --calib,"
                        + " or order=position");
            }
            return DecoderBlockPruning.run(new DecoderBlockPruning.Request(r.method(), r.model(), r.calibration(), o, r.ratio(), r.targetBytes(),
                    r.out()), listener);
        }
        OnnxRoutes.rejectDecoderOptions(r);
        if (measures && r.tokenizer() == null) {
            throw new IllegalArgumentException(PruneOptions.NAME + " measures each block's sensitivity on calibration sentences: give --tokenizer"
                    + " (and --calib, or the vendored mix is read), or order=position");
        }
        List<String> probe = List.of();
        if (measures) {
            try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
                ModelPairs.requireTokenizerFits(r.tokenizer(), tok.vocabularySize(), r.model());
            }
            TextCorpus.requireCalibrationOptions(o.probe(), r.calibrationUnit());
            probe = TextCorpus.calibration(r.calibration(), o.probe(), r.calibrationUnit());
        }
        OnnxBlockPruning.Request request = new OnnxBlockPruning.Request(r.method(), r.model(), r.tokenizer(), probe, r.pooling(), o, r.ratio(),
                r.targetBytes(), r.threadCount(), r.out());
        OnnxBlockPruning.check(OnnxModel.read(r.model()), request); // one line before any measurement
        return OnnxBlockPruning.run(request, listener);
    }
}
