package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.recover.DistillOptions;
import org.lowrank4j.compress.recover.FactorSchedule;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.linalg.Linalg;

/**
 * The one entry point of {@code recover}: a {@link RecoveryRequest} in, the distilled model and its record out. It
 * checks the outputs against every input before work starts (existing outputs replaced only with {@code force}; the
 * checkpoint may exist only to be resumed), then runs the ONNX encoder route or the decoder folder route.
 */
public final class Recovery {

    private Recovery() {
    }

    /**
     * The numbers of a request, each refused by its option name before anything is read (DistillOptions checks them
     * again later under its field names, which a user does not type).
     */
    static void requireSettings(RecoveryRequest r) {
        if (r.steps() != null && r.steps() < 1) {
            throw new IllegalArgumentException("--steps must be 1 or more, got " + r.steps());
        }
        if (r.batch() < 1) {
            throw new IllegalArgumentException("--batch must be 1 or more, got " + r.batch());
        }
        if (!(r.learningRate() > 0) || !Double.isFinite(r.learningRate())) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + r.learningRate());
        }
        if (r.checkpointEvery() < 0) {
            throw new IllegalArgumentException("--checkpoint-every must be 0 (only at the end) or more, got " + r.checkpointEvery());
        }
        if (r.teacherCacheMegabytes() < 0) {
            throw new IllegalArgumentException("--teacher-cache-mb must be 0 (no cache) or more, got " + r.teacherCacheMegabytes());
        }
        if (!(r.pela() >= 0) || !Double.isFinite(r.pela())) {
            throw new IllegalArgumentException("--pela must be a finite number >= 0, got " + r.pela());
        }
        if (!(r.pelaEpsilon() >= 0) || !Double.isFinite(r.pelaEpsilon())) {
            throw new IllegalArgumentException("--pela-epsilon must be a finite number >= 0, got " + r.pelaEpsilon());
        }
        if (r.outputWeight() != null && (!(r.outputWeight() >= 0) || !Double.isFinite(r.outputWeight()))) {
            throw new IllegalArgumentException("--output-weight must be a finite number >= 0, got " + r.outputWeight());
        }
        if (r.stateWeight() != null && (!(r.stateWeight() >= 0) || !Double.isFinite(r.stateWeight()))) {
            throw new IllegalArgumentException("--state-weight must be a finite number >= 0, got " + r.stateWeight());
        }
    }

    /**
     * @throws IllegalArgumentException for a user mistake (one line naming the option or file)
     * @throws org.lowrank4j.nn.train.TrainingDivergedException when the loss stops being finite (the last good
     *                                                            checkpoint is kept)
     */
    public static RecoveryRun run(RecoveryRequest r, Listener listener) throws IOException {
        if (r.compressed() == null || !Files.exists(r.compressed())) {
            throw new IllegalArgumentException("--compressed " + r.compressed() + " does not exist");
        }
        if (r.threads() != null && r.threads() < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + r.threads());
        }
        requireSettings(r);
        boolean decoder = Files.isDirectory(r.compressed()) || r.original() != null && Files.isDirectory(r.original());
        Path json = Compression.recordPath(r.out(), decoder, ".json");
        OutputPlan.of("--out", r.out(), r.force()).folderOutput(decoder).sidecar(json).input("--original", r.original()).input("--compressed", r.compressed())
                .input("--tokenizer", r.tokenizer()).input("--text", r.text()).input("--eval-text", r.evalText()).input("--checkpoint", r.checkpoint())
                .check();
        // as compress does: the earlier record is out of sight while OUT is remade (a run killed after OUT is replaced leaves no
        // record of the earlier model beside it), and comes back when the run fails before OUT changed
        List<Object> earlierOut = Compression.identity(r.out());
        AtomicFiles.SetAside earlierRecord = AtomicFiles.SetAside.of(json);
        try {
            RecoveryRun run = recover(r, decoder, json, listener);
            earlierRecord.discard();
            return run;
        } catch (IOException | RuntimeException | Error e) {
            Compression.settleAfterFailure(earlierRecord, r.out(), earlierOut, e);
            throw e;
        }
    }

    private static RecoveryRun recover(RecoveryRequest r, boolean decoder, Path json, Listener listener) throws IOException {
        if (org.lowrank4j.nn.arch.mamba.MambaConfig.isMambaFolder(r.compressed())) {
            return MambaRecoveryRoute.run(r, json, listener); // a Mamba folder: structure-aware distillation (docs/specs/dlrmamba.md)
        }
        Path checkpoint = checkpoint(r, decoder);
        OutputPlan.of("--checkpoint", checkpoint, true).input("--original", r.original()).input("--compressed", r.compressed())
                .input("--tokenizer", r.tokenizer()).input("--text", r.text()).input("--eval-text", r.evalText()).check();
        if (r.resume() && !Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " does not exist (run without --resume first)");
        }
        if (!r.resume() && Files.exists(checkpoint)) {
            throw new IllegalArgumentException(checkpoint + " holds an earlier recovery run; use --resume to continue it, or delete it");
        }
        int before = Linalg.threads();
        Linalg.setThreads(r.threadCount());
        try {
            return decoder ? DecoderRecoveryRoute.run(r, checkpoint, json, listener) : OnnxRecoveryRoute.run(r, checkpoint, json, listener);
        } finally {
            Linalg.setThreads(before);
        }
    }

    /** The checkpoint file: as given, else beside OUT with {@code .recover.safetensors}. */
    static Path checkpoint(RecoveryRequest r, boolean decoder) {
        return r.checkpoint() != null ? r.checkpoint() : Compression.recordPath(r.out(), decoder, ".recover.safetensors");
    }

    /** The distillation options both routes share; {@code steps} and the output weight are the route's. */
    static DistillOptions options(RecoveryRequest r, int steps, double outputWeight) {
        DistillOptions.Builder b = DistillOptions.builder().steps(steps).batchSize(r.batch()).learningRate(r.learningRate())
                .outputWeight(outputWeight).trainNorms(r.trainNorms()).schedule(schedule(r.schedule())).pela(r.pela(), r.pelaEpsilon(), r.pelaHinge())
                .seed(r.seed()).checkpointEvery(r.checkpointEvery()).teacherCacheMegabytes(r.teacherCacheMegabytes());
        if (r.pooling() != null) {
            b.pooling(r.pooling());
        }
        return b.build();
    }

    static FactorSchedule schedule(String name) {
        return switch (name == null ? "joint" : name.toLowerCase(Locale.ROOT)) {
            case "joint" -> FactorSchedule.JOINT;
            case "u-then-v" -> FactorSchedule.U_THEN_V;
            default -> throw new IllegalArgumentException("--schedule must be joint or u-then-v, got " + name);
        };
    }

    /** A note when the steps pass many times over little text. */
    static void notePasses(Listener listener, int steps, double passes, long units, String what) {
        if (passes > 4) {
            listener.note(String.format(Locale.ROOT, "note: %d steps pass %.0f times over these %d %s; a larger --text (a folder of plain text)"
                    + " usually recovers more", steps, passes, units, what));
        }
    }
}
