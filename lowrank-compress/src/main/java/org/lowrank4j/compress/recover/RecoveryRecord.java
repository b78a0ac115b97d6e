package org.lowrank4j.compress.recover;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * One recovery run as JSON: inputs, settings, losses, wall time, and the fidelity to the original before and after on
 * the in-domain held-out sentences ({@code before}, {@code after}; null when not measured) and on each out-of-domain set.
 *
 * @param recoverySeconds wall time of the distillation steps of this session
 * @param totalSeconds    wall time of the whole command (loading, steps, write-back, evaluation)
 * @param weightDistanceBefore each factorised site's ‖AB − W‖ before the steps ({@link WeightDistance}); null when not measured
 * @param weightDistanceAfter  the same after them
 */
public record RecoveryRecord(String original, String compressed, String output, DistillOptions options, long firstStep,
        long endStep, double initialLoss, double finalLoss, double recoverySeconds, double totalSeconds,
        EvalReport.Fidelity before, EvalReport.Fidelity after, java.util.List<SetFidelity> outOfDomain,
        java.util.List<WeightDistance> weightDistanceBefore, java.util.List<WeightDistance> weightDistanceAfter) {

    /** Writes the record atomically, pretty-printed. */
    public void writeJson(Path file) throws IOException {
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        AtomicFiles.writeString(file, json + "\n");
    }
}
