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
        EncoderInputs.check(r.model(), r.tokenizer(), r.calibration(), r.method(), r.allocation());
        checkCalibrationOptions(r);
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

    static double firstRatio(CompressionRequest r, OnnxCompression job) throws IOException {
        return r.targetBytes() == null ? r.ratio()
                : SizeTarget.ratioFor(r.targetBytes(), Files.size(r.model()), job.targetedParameters(), job.bytesPerParameter());
    }

    static String announce(CompressionRequest r, OnnxCompression job, String label, double ratio) {
        return String.format(Locale.ROOT, "%s: %d linear sites, method %s, allocation %s, ratio %.3f%s", r.model().getFileName(), job.sites().size(),
                label, r.allocation(), ratio, r.targetBytes() == null ? "" : " (for a target of " + SizeTarget.format(r.targetBytes()) + ")");
    }


    /** Checks --calib-sequences and --calib-unit (before anything is printed). */
    static void checkCalibrationOptions(CompressionRequest r) {
        TextCorpus.requireCalibrationOptions(r.calibrationSequences() == null ? DEFAULT_SEQUENCES : r.calibrationSequences(), r.calibrationUnit());
    }

    /** The calibration pieces spread evenly over the whole --calib text: sentences (default) or ~90-word chunks. */
    static List<String> calibrationText(CompressionRequest r) {
        return TextCorpus.calibration(r.calibration(), r.calibrationSequences() == null ? DEFAULT_SEQUENCES : r.calibrationSequences(),
                r.calibrationUnit());
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
