package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.MeasuredSensitivities;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.check.EncoderInputs;
import org.lowrank4j.compress.embeddings.EmbeddingChange;
import org.lowrank4j.compress.embeddings.EmbeddingCompression;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.compress.harness.EncoderRuntimeRows;
import org.lowrank4j.compress.harness.EncoderSensitivityProbe;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/** What the two ONNX routes share: option checks, the calibration text, the size target and the sensitivity search. */
final class OnnxRoutes {
    /** Sentences per calibration batch (as in {@code compare}). */
    static final int CALIBRATION_BATCH = 32;
    /** Calibration sequences when the request gives none. */
    static final int DEFAULT_SEQUENCES = 256;

    private OnnxRoutes() {
    }

    static boolean isOnnxFile(CompressionRequest r) {
        return r.model() != null && Files.isRegularFile(r.model());
    }

    /**
     * Every check an ONNX route makes before it prints or computes anything: no decoder-folder option, the model, method,
     * allocation, tokenizer and calibration text ({@link EncoderInputs}), and the calibration options.
     */
    static void checkInputs(CompressionRequest r) throws IOException {
        rejectDecoderOptions(r);
        // with --embeddings alone the linear layers stay as they are, so the method's own needs do not apply
        EncoderInputs.check(r.model(), r.tokenizer(), r.calibration(), embeddingsOnly(r) ? "svd" : r.method(), r.allocation());
        checkCalibrationOptions(r);
        checkEmbeddings(r);
    }

    /** Whether the request changes the word-embedding table only (an --embeddings spec and no linear budget). */
    static boolean embeddingsOnly(CompressionRequest r) {
        return r.embeddings() != null && r.ratio() == null && r.targetBytes() == null;
    }

    /**
     * Checks --embeddings before any work: the spec, the model's word-embedding table and the rank against it, and the
     * --tokenizer and --calib that AFM reads.
     */
    static void checkEmbeddings(CompressionRequest r) throws IOException {
        if (r.embeddings() == null) {
            return;
        }
        EmbeddingCompression.Spec spec = EmbeddingCompression.parse(r.embeddings());
        EmbeddingCompression.check(OnnxModel.read(r.model()), String.valueOf(r.model()), spec);
        if (spec.readsCalibration() && r.tokenizer() == null) {
            throw new IllegalArgumentException("--embeddings " + spec.label() + " counts the rows the calibration text looks up; give --tokenizer"
                    + " (or use --embeddings svd:rank=" + spec.rank() + ")");
        }
    }

    /**
     * Fits the word-embedding table as --embeddings asks (nothing without it) and makes every model the job writes carry
     * it; AFM counts the tokens of the same calibration pieces the linear methods read.
     */
    static void fitEmbeddings(CompressionRequest r, OnnxCompression job, Listener listener) throws IOException {
        if (r.embeddings() == null) {
            return;
        }
        EmbeddingCompression.Spec spec = EmbeddingCompression.parse(r.embeddings());
        EmbeddingCompression fit;
        if (spec.readsCalibration()) {
            try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
                fit = EmbeddingCompression.fit(r.model(), spec, tok, calibrationText(r, listener), listener);
            }
        } else {
            fit = EmbeddingCompression.fit(r.model(), spec, null, null, listener);
        }
        EmbeddingChange c = fit.change();
        listener.note(String.format(Locale.ROOT, "embeddings %s: table '%s' %dx%d -> %d parameters (%d removed); relative error %.4f over the table%s",
                c.spec(), c.table(), c.vocabulary(), c.hidden(), c.parametersAfter(), c.parametersBefore() - c.parametersAfter(), c.tableError(),
                c.calibrationTokens() == 0 ? "" : String.format(Locale.ROOT, ", %.4f over %d calibration tokens (%d distinct rows)", c.calibrationError(),
                        c.calibrationTokens(), c.rowsSeen())));
        job.withEmbeddings(fit);
    }

    /** Refuses the decoder-folder options for an ONNX file. */
    static void rejectDecoderOptions(CompressionRequest r) {
        if (r.calibrationWindows() != null || r.calibrationFrom() != null || r.calibrationTo() != null) {
            throw new IllegalArgumentException("--calib-windows, --calib-from and --calib-to apply to decoder model folders; " + r.model()
                    + " is an ONNX file");
        }
    }

    /** The allocator name checked before long work; sensitivity allocations are built later, with their probe. */
    static boolean checkAllocation(String allocation) {
        boolean bySensitivity = SensitivityAllocator.isSensitivity(allocation);
        if (!bySensitivity) {
            Allocators.byName(allocation);
        }
        return bySensitivity;
    }

    /**
     * The ratio to start from: the request's, or the one a size target asks for, counting the bytes a low-rank
     * word-embedding table (fitted before this is called) already removes.
     */
    static double firstRatio(CompressionRequest r, OnnxCompression job) throws IOException {
        if (r.targetBytes() == null) {
            return r.ratio();
        }
        long saved = job.embeddings() == null ? 0 : 4 * job.embeddings().parametersRemoved();
        return SizeTarget.ratioFor(r.targetBytes(), Files.size(r.model()) - saved, job.targetedParameters(), job.bytesPerParameter());
    }

    static String announce(CompressionRequest r, OnnxCompression job, String label, double ratio) {
        return String.format(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%s", r.model().getFileName(), job.sites().size(),
                label, r.allocation(), ratio, r.targetBytes() == null ? "" : " (for a target of " + SizeTarget.format(r.targetBytes()) + ")");
    }


    /** Checks --calib-sequences and --calib-unit (before anything is printed). */
    static void checkCalibrationOptions(CompressionRequest r) {
        TextCorpus.requireCalibrationOptions(r.calibrationSequences() == null ? DEFAULT_SEQUENCES : r.calibrationSequences(), r.calibrationUnit());
    }

    /**
     * The calibration pieces spread evenly over the whole --calib text, or over the vendored mix of registers without one:
     * sentences (default) or ~90-word chunks.
     */
    static List<String> calibrationText(CompressionRequest r, Listener listener) {
        List<String> texts = TextCorpus.calibration(r.calibration(), r.calibrationSequences() == null ? DEFAULT_SEQUENCES : r.calibrationSequences(),
                r.calibrationUnit());
        listener.note("calibration text: " + texts.size() + " pieces of " + (r.calibration() == null
                ? "the vendored mix of registers (Moby Dick ch. 1-67 + SOTU; no --calib given)" : r.calibration()));
        return texts;
    }

    /**
     * Compresses at the request's ratio; with a size target, raises the ratio while the written file is still larger
     * ({@link SizeTarget#reach}), and fails, removing the file, if it cannot get there.
     */
    static CompressionOutcome reach(CompressionRequest r, double ratio, OnnxCompression job, SizeTarget.Attempt<CompressionOutcome> run,
                                    Listener listener) throws IOException {
        if (r.targetBytes() == null) {
            return run.at(ratio);
        }
        long target = r.targetBytes();
        CompressionOutcome o = SizeTarget.reach(target, ratio, job.targetedParameters(), job.bytesPerParameter(), run, CompressionOutcome::bytesOut,
                line -> listener.note(r.out().getFileName() + ": " + line));
        if (o.bytesOut() > target) {
            Files.deleteIfExists(r.out());
            throw new IllegalArgumentException("could not reach --target-size " + SizeTarget.format(target) + ": the smallest model written was "
                    + SizeTarget.format(o.bytesOut()) + " at ratio " + String.format(Locale.ROOT, "%.4f", o.result().requestedRatio())
                    + "; choose a larger target");
        }
        return o;
    }

    /**
     * ASVD's sensitivity search on an ONNX encoder: each site's factors ({@code prepared}) are installed alone in the
     * JVM runtime's copy while the first 64 calibration sentences are embedded; measurements are kept in
     * OUT.sensitivity.json, so a rerun with the same inputs measures nothing.
     */
    static RankAllocator sensitivity(CompressionRequest r, EncoderRuntimeRows rows, String method, HfTokenizer tok, List<String> texts,
                                     String statistics, Supplier<List<PreparedSite>> prepared, List<LinearWeight> weights, Listener listener)
            throws IOException {
        List<String> probeTexts = texts.subList(0, Math.min(EncoderSensitivityProbe.DEFAULT_SENTENCES, texts.size()));
        List<String> names = weights.stream().map(LinearWeight::name).toList();
        EncoderSensitivityProbe probe = rows.probe(probeTexts, probeTexts.size(), r.pooling(), names, prepared);
        String key = EncoderSensitivityProbe.cacheKey(r.model(), tok.path(), method, r.pooling(), statistics + ", batches of " + CALIBRATION_BATCH,
                texts, probeTexts);
        Path file = Compression.recordPath(r.out(), false, ".sensitivity.json");
        MeasuredSensitivities cache = MeasuredSensitivities.openReplacing(file, key, probe, why -> listener.note("ignoring " + file + ": " + why));
        if (cache.size() > 0) {
            listener.note(String.format(Locale.ROOT, "sensitivity: %d measurements reused from %s", cache.size(), file));
        }
        return new SensitivityAllocator(cache, SensitivityAllocator.ASVD_CANDIDATES, listener).forName(r.allocation());
    }
}
