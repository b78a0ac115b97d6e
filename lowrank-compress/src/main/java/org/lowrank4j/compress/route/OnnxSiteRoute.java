package org.lowrank4j.compress.route;

import java.io.IOException;
import java.util.List;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.harness.EncoderRuntimeRows;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.runtime.SequentialCompressor;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * Per-site methods on an ONNX file: statistics (when the method reads any) come from ONNX Runtime, each site is
 * decomposed on its own, and every factorised MatMul becomes two in a copy of the graph ({@link OnnxCompression}).
 * With a sensitivity allocation the JVM runtime's copy of the encoder measures each site's end-to-end loss.
 */
final class OnnxSiteRoute implements CompressionRoute {

    @Override
    public boolean handles(CompressionRequest r) {
        return OnnxRoutes.isOnnxFile(r) && !Methods.isCrossLayer(r.method()) && !SequentialCompressor.isSequential(Methods.byName(r.method()));
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        OnnxRoutes.checkInputs(r);
        CompressionMethod m = Methods.byName(r.method());
        boolean bySensitivity = OnnxRoutes.checkAllocation(r.allocation());
        OnnxCompression job = OnnxCompression.open(r.model());
        OnnxRoutes.fitEmbeddings(r, job, listener);
        if (OnnxRoutes.embeddingsOnly(r)) {
            return job.writeEmbeddingsOnly(r.out(), listener);
        }
        double ratio = OnnxRoutes.firstRatio(r, job);
        listener.note(OnnxRoutes.announce(r, job, m.name(), ratio));
        if (m.requirements().isEmpty() && !bySensitivity) {
            return OnnxRoutes.reach(r, ratio, job, at -> job.compress(m.name(), r.allocation(), at, r.out(), listener), listener);
        }
        List<String> texts = OnnxRoutes.calibrationText(r, listener);
        try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
            if (!m.requirements().isEmpty()) {
                job.calibrate(tok, texts, OnnxRoutes.CALIBRATION_BATCH, r.threadCount(), listener);
            }
            RankAllocator allocator;
            if (bySensitivity) {
                EncoderRuntimeRows rows = new EncoderRuntimeRows(r.model(), tok, texts, OnnxRoutes.CALIBRATION_BATCH, job);
                allocator = OnnxRoutes.sensitivity(r, rows, m.name(), tok, texts, "onnx statistics", () -> job.prepare(m, listener), job.weights(),
                        listener);
            } else {
                allocator = org.lowrank4j.compress.allocation.Allocators.byName(r.allocation());
            }
            return OnnxRoutes.reach(r, ratio, job, at -> job.compress(m.name(), allocator, at, r.out(), listener), listener);
        }
    }
}
