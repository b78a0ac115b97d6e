package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingLog;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * Full fine-tuning ({@code --adapter full}), the baseline every adapter is compared with: the same text split, windows,
 * schedule, AdamW settings and held-out scoring as a LoRA run, but every parameter of the decoder trains. It writes a
 * decoder folder (config.json, model.safetensors, tokenizer.json) instead of an adapter, with the checkpoint, the step
 * log and the record; {@code resume} continues bit for bit.
 */
final class FullFineTuning {
    static final String NAME = "full";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FullFineTuning() {
    }

    static FineTuneOutcome run(FineTuneRequest request, FineTuneListener events) throws IOException {
        if (request.init() != AdapterInit.LORA || request.initAdapter() != null) {
            throw new IllegalArgumentException("--adapter full trains every weight; --init and --init-adapter apply to LoRA adapters only");
        }
        DecoderTask task = DecoderTask.prepare(request);
        Path checkpoint = request.out().resolve(FineTuning.CHECKPOINT);
        if (request.resume() && !Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " does not exist (run without --resume first)");
        }
        int[] heldOut = task.heldOut();
        events.onPhase("base perplexity", String.format(Locale.ROOT, "%,d held-out bytes", heldOut.length));
        PerplexityResult before = Perplexity.evaluate(task.model(), heldOut, task.model().maxPositions(), heldOut.length)
                .requireFinite(request.model());

        LlamaLanguageModel language = new LlamaLanguageModel(task.model());
        long trainable = task.model().parameterCount();
        AdamW adam = new AdamW(language.parameters(), new AdamW.Settings(0.9, 0.999, 1e-8, request.weightDecay()), AdamW.NORMS_AND_BIASES);
        LearningRateSchedule schedule = new LearningRateSchedule(request.learningRate(), request.learningRate() / 10,
                Math.min(request.warmup(), request.steps()), request.steps());
        int runUntil = request.stopAfter() == null ? request.steps() : Math.min(request.steps(), request.stopAfter());
        TrainingOptions options = new TrainingOptions(request.batch(), 1, runUntil, schedule, 1.0, 0, 0, request.checkpointEvery(), checkpoint);
        Files.createDirectories(request.out());
        Path logFile = request.out().resolve(FineTuning.LOG);
        List<String> rows = new ArrayList<>();
        double[] lastLoss = {Double.NaN};
        Trainer trainer = new Trainer(language, adam, task.train(), null, options, new FineTuneListener() {
            @Override
            public void onStep(StepReport r) {
                lastLoss[0] = r.loss();
                rows.add(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                        r.tokensPerSecond()));
                events.onStep(r);
            }

            @Override
            public void onCheckpoint(long completedSteps, Path written) {
                appendRows(logFile, rows);
                events.onCheckpoint(completedSteps, written);
            }
        });
        if (request.resume()) {
            trainer.resume(checkpoint);
        }
        TrainingLog.keepRowsThrough(logFile, FineTuning.LOG_HEADER, trainer.step());
        events.onPhase("training", String.format(Locale.ROOT, "every weight: %,d trainable parameters, step %d of %d, %,d train tokens", trainable,
                trainer.step(), runUntil, task.split().train().length));
        long firstStep = trainer.step();
        long start = System.nanoTime();
        trainer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        appendRows(logFile, rows);
        FineTuneMemory memory = FineTuneMemory.measure(language.parameters(), language.parameters(), adam);
        task.model().save(request.out());
        ByteTokenizer.writeJson(request.out());

        events.onPhase("fine-tuned perplexity", String.format(Locale.ROOT, "%,d held-out bytes", heldOut.length));
        PerplexityResult after = Perplexity.evaluate(task.model(), heldOut, task.model().maxPositions(), heldOut.length)
                .requireFinite(request.out());
        long steps = trainer.step() - firstStep;
        FineTuneOutcome outcome = new FineTuneOutcome(before, after, steps, trainer.step(), seconds, trainable, trainable,
                task.split().train().length, lastLoss[0], request.out());
        ObjectNode record = FineTuning.record(request, outcome, task.context());
        record.put("method", NAME);
        record.remove(List.of("rank", "alpha", "dropout", "use_rslora", "targets"));
        record.put("seconds_per_step", steps == 0 ? 0 : seconds / steps);
        record.set("memory_bytes", memory.toJson());
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }

    private static void appendRows(Path file, List<String> rows) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            Files.writeString(file, String.join("\n", rows) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        rows.clear();
    }
}
