package org.lowrank4j.compress.route;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.harness.EncoderRuntimeRows;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CrossLayerMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.runtime.SequentialCompressor;
import org.lowrank4j.compress.runtime.EncoderFisherStatistics;
import org.lowrank4j.compress.runtime.EncoderTask;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * Methods ONNX Runtime cannot serve on an ONNX encoder: the sequential ones (statistics through the already
 * compressed prefix: svd-llm, saes), the cross-layer ones (basis-sharing) and those that need gradients (fwsvd, whose
 * Fisher comes from the loss of a labelled task: {@link EncoderFisherStatistics}). They run on the JVM runtime's float32
 * copy of the encoder ({@link EncoderRuntimeRows}) and the factors are written back into a copy of the ONNX graph.
 */
final class OnnxRuntimeRoute implements CompressionRoute {

    @Override
    public boolean handles(CompressionRequest r) {
        return OnnxRoutes.isOnnxFile(r) && (Methods.isCrossLayer(r.method()) || SequentialCompressor.isSequential(Methods.byName(r.method()))
                || needsGradients(r.method()));
    }

    @Override
    public boolean readsLabels(CompressionRequest request) {
        return needsGradients(request.method());
    }

    /** Whether a per-site method needs gradients (FWSVD's Fisher), which only the JVM runtime computes. */
    static boolean needsGradients(String method) {
        return !Methods.isCrossLayer(method) && !Methods.isQuantized(method)
                && Methods.byName(method).requirements().contains(CompressionMethod.Requirement.GRADIENTS);
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        OnnxRoutes.checkInputs(r);
        CrossLayerMethod shared = Methods.isCrossLayer(r.method()) ? Methods.crossLayerByName(r.method()) : null;
        CompressionMethod m = shared == null ? Methods.byName(r.method()) : null;
        String label = shared != null ? shared.name() : m.name();
        boolean bySensitivity = OnnxRoutes.checkAllocation(r.allocation());
        if (shared != null && bySensitivity) {
            throw new IllegalArgumentException("--method " + label + " shares one basis across layers; the per-site --allocation " + r.allocation()
                    + " does not apply to it (use uniform, global, energy, d-rank, welore or svd-llm-v2)");
        }
        OnnxCompression job = OnnxCompression.open(r.model());
        OnnxRoutes.fitEmbeddings(r, job, listener);
        if (OnnxRoutes.embeddingsOnly(r)) {
            return job.writeEmbeddingsOnly(r.out(), listener);
        }
        double ratio = OnnxRoutes.firstRatio(r, job);
        listener.note(OnnxRoutes.announce(r, job, label, ratio));
        List<String> texts = OnnxRoutes.calibrationText(r, listener);
        try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
            EncoderRuntimeRows rows = new EncoderRuntimeRows(r.model(), tok, texts, OnnxRoutes.CALIBRATION_BATCH, job);
            listener.note(label + ": compressed on the JVM runtime's float32 copy of the encoder, written back into the ONNX graph");
            if (m != null && needsGradients(r.method())) {
                withTask(r, rows, tok, listener);
            }
            RankAllocator allocator = bySensitivity
                    ? OnnxRoutes.sensitivity(r, rows, m.name(), tok, texts, "runtime statistics", () -> rows.job().prepare(m, listener),
                            rows.job().weights(), listener)
                    : Allocators.byName(r.allocation());
            return OnnxRoutes.reach(r, ratio, job, at -> {
                long rowStart = System.nanoTime();
                CompressionResult result = shared != null ? rows.compressShared(shared, allocator, at, listener) : rows.compress(m, allocator, at, listener);
                try {
                    return rows.write(result, r.out(), rowStart, 0, listener);
                } finally {
                    rows.restore();
                }
            }, listener);
        }
    }

    /**
     * Gives the runtime the labelled task whose loss FWSVD differentiates: --labels (a label&lt;TAB&gt;text file or a
     * SpamAssassin folder), or the vendored SOTU party probe; the Fisher is collected now so its summary is reported.
     */
    private static void withTask(CompressionRequest r, EncoderRuntimeRows rows, HfTokenizer tok, Listener listener) {
        LabelledTexts labelled = r.labels() == null ? TextCorpus.partyProbe() : LabelledTexts.load(r.labels());
        rows.job().withTask(EncoderTask.of(labelled, tok, r.pooling(), true, EncoderTask.DEFAULT_LIMIT));
        rows.job().collectFisher(listener);
        EncoderFisherStatistics.Summary s = rows.job().fisherSummary();
        listener.note(String.format(Locale.ROOT, "fisher: task loss of a logistic head on %s (%d texts, %d tokens, head training accuracy %.3f),"
                + " per-text gradients", s.source(), s.texts(), s.tokens(), s.headTrainingAccuracy()));
    }
}
