package org.lowrank4j.compress.recover;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.generate.PerplexityResult;

/**
 * One decoder recovery run as JSON: inputs, settings, the training windows, losses, wall time, and the held-out
 * perplexity (non-overlapping windows, as {@code lowrank perplexity} measures it) of the original, of the compressed model
 * before and of the recovered one after (null when not measured).
 *
 * @param trainingTokens  tokens of the training text
 * @param window          tokens per training and evaluation window
 * @param evalText        the held-out text (null when none was given)
 * @param recoverySeconds wall time of the distillation steps of this session
 * @param totalSeconds    wall time of the whole command (loading, steps, write-back, evaluation)
 * @param weightDistanceBefore each factorised site's ‖AB − W‖ before the steps ({@link WeightDistance}); null when not measured
 * @param weightDistanceAfter  the same after them
 */
public record DecoderRecoveryRecord(String original, String compressed, String output, String text, long trainingTokens, int window,
        DistillOptions options, long firstStep, long endStep, double initialLoss, double finalLoss, double recoverySeconds,
        double totalSeconds, String evalText, PerplexityResult originalPerplexity, PerplexityResult before, PerplexityResult after,
        java.util.List<WeightDistance> weightDistanceBefore, java.util.List<WeightDistance> weightDistanceAfter) {

    /** Writes the record atomically, pretty-printed. */
    public void writeJson(Path file) throws IOException {
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        AtomicFiles.writeString(file, json + "\n");
    }
}
