package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraStart;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.ops.Squeeze;
import org.lowrank4j.adapt.ops.SqueezeForm;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.train.NextTokenModel;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TrainingLog;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.Checkpoint;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * LoRA fine-tuning of a decoder folder on a text (causal language modelling), on the runtime's {@link Trainer}:
 * the base is frozen (its linears without adapters skip their weight gradients), AdamW updates the adapters' A and B,
 * checkpoints hold the adapters and the optimizer state so that {@code resume} continues bit for bit, and the
 * held-out tail of the text is scored before and after (perplexity per byte and bits per byte, the project's
 * windows of the model's context).
 *
 * <p>Writes into {@code out}: {@code adapter_config.json} and {@code adapter_model.safetensors} (PEFT),
 * {@code checkpoint.safetensors}, {@code finetune-log.csv} and {@code finetune.json} (the record).
 */
public final class FineTuning {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String LOG = "finetune-log.csv";
    public static final String RECORD = "finetune.json";
    static final String LOG_HEADER = "step,loss,lr,grad_norm,tokens_per_s";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FineTuning() {
    }

    /**
     * @throws IllegalArgumentException for a model that is not a byte-level LLaMA-family folder, targets that match no
     *                                  layer, a rank above a layer's min(in, out), a text too short for one window, a
     *                                  missing or mismatched checkpoint on resume
     */
    public static FineTuneOutcome run(FineTuneRequest request, FineTuneListener listener) throws IOException {
        FineTuneListener events = listener == null ? FineTuneListener.NONE : listener;
        if (request.isVariant()) {
            return VariantFineTuning.run(request, events);
        }
        if (request.isFull()) {
            return FullFineTuning.run(request, events);
        }
        if (request.isLowRankComponents()) {
            return LrcFineTuning.run(request, events);
        }
        if (request.isButterfly()) {
            return ButterflyFineTuning.run(request, events);
        }
        InSqueeze squeeze = request.squeeze();
        if (squeeze != null && squeeze.form().calibrated() && HfConfig.read(request.model()).architecture() != HfArchitecture.LLAMA) {
            // from the config, before loading the model or training up to the first event
            throw new IllegalArgumentException("--squeeze-weighting " + squeeze.form().weighting().name().toLowerCase(Locale.ROOT)
                    + " calibrates on a LLaMA-family decoder, and " + request.model() + " is not one; give --squeeze-weighting none"
                    + " (without --squeeze-compensate), or squeeze after the run with adapter squeeze without --model");
        }
        DecoderTask task = DecoderTask.prepare(request);
        CausalLanguageModel model = task.model();
        int context = task.context();
        TokenWindows.Split split = task.split();
        TokenWindows train = task.train();
        Path checkpoint = request.out().resolve(CHECKPOINT);
        WeightTraining.requireCheckpointForResume(request); // and made with this run's options

        long baseParameters = task.baseParameters();
        PeftAdapter startAdapter = request.initAdapter() == null ? null : PeftFolder.read(request.initAdapter());
        LoraModel lora = LoraModel.overDecoder(model, request.seed()); // GPT-2's c_attn, Phi-3's fused modules as PEFT names them
        LoraStart begin = null;
        if (startAdapter != null) {
            PeftFolder.apply(startAdapter, lora, "default", Precision.FLOAT32); // its targets, shapes and ranks checked against the model
            lora.freezeOthers();
        } else {
            begin = LoraStart.attach(lora, request.init(), request.targets(), request.lora(), request.seed());
        }
        if (squeeze != null && squeeze.form().calibrated()) { // before the first step, not at the first squeeze
            lora.requireNoFusedAdapters("--squeeze-weighting " + squeeze.form().weighting().name().toLowerCase(Locale.ROOT));
        }
        boolean pissa = begin != null && begin.adaptersAreBase();
        List<org.lowrank4j.nn.Parameter> extra = begin == null ? List.of() : begin.extraParameters();
        List<Integer> squeezeSteps = squeeze == null ? List.of() : squeeze.eventSteps(request.steps());
        PeftConfig startConfig = startAdapter != null ? startAdapter.config() // continued tuning keeps the adapter's rank, α, patterns and targets
                : PeftConfig.lora(request.lora(), request.targets(), request.model().toAbsolutePath().normalize().toString(), "CAUSAL_LM")
                        .withFanInFanOut(ModulePaths.conv1d(model)); // as PEFT records an adapter on GPT-2's Conv1D modules
        int sourceRank = startConfig.rank();
        if (squeeze != null && squeeze.targetRank() >= sourceRank) {
            throw new IllegalArgumentException("--squeeze-to " + squeeze.targetRank() + " is not below the adapters' rank " + sourceRank
                    + "; give a smaller --squeeze-to or a larger --rank");
        }
        PeftConfig[] config = {startConfig}; // the adapter's config now: In-Squeeze lowers its rank
        int squeezesDone = 0;
        if (squeeze != null && request.resume()) { // the checkpoint holds the adapters at the rank of the events before its step
            squeezesDone = squeeze.eventsBefore((int) Math.min(Integer.MAX_VALUE, Checkpoint.readState(checkpoint).step()), request.steps());
            if (squeezesDone > 0) {
                config[0] = reshapeToCheckpoint(lora, config[0], checkpoint);
            }
        }

        // the adapters are attached (and the targets checked) before any long work; the base is scored without them
        int window = model.defaultWindow();
        events.onPhase("base perplexity", task.heldOutDescription());
        lora.setEnabled(pissa); // PiSSA (residual + principal adapter) and SVFit (residual + U·diag(σ)·Vᵀ) are the base at step 0, to float rounding
        PerplexityResult before = task.score(model, window).requireFinite(request.model());
        lora.setEnabled(true);
        AdapterLanguageModel language = new AdapterLanguageModel(new NextTokenModel(model), lora, extra);
        org.lowrank4j.nn.Parameter.freezeAllBut(model.parameters(), language.parameters()); // the tied embedding and the norms too
        long trainable = language.parameterCount();
        AdamW.Settings adamSettings = AdamW.Settings.fineTuning(request.weightDecay());
        AdamW adam = new AdamW(language.parameters(), adamSettings);
        LearningRateSchedule schedule = new LearningRateSchedule(request.learningRate(), request.learningRate() / 10,
                Math.min(request.warmup(), request.steps()), request.steps());
        int runUntil = request.stopAfter() == null ? request.steps() : Math.min(request.steps(), request.stopAfter());

        Files.createDirectories(request.out());
        LoraStart started = begin;
        java.util.function.Supplier<PeftAdapter> adapterNow = started == null ? () -> PeftFolder.capture(lora, "default", config[0])
                : () -> started.written(config[0]);
        Log log = new Log(request.out(), events, adapterNow);
        Trainer trainer = new Trainer(language, adam, train, null, segment(request, schedule, runUntil, squeezeSteps, squeezesDone, checkpoint), log);
        java.util.Map<String, String> options = ResumeOptions.written(request); // hashes the text once for every checkpoint
        trainer.checkpointMetadata(options);
        if (request.resume()) {
            trainer.resume(checkpoint);
            language.setPasses(trainer.step());
        }
        log.truncateFrom(trainer.step());
        events.onPhase("training", String.format(Locale.ROOT, "%,d trainable parameters (%d modules adapted), step %d of %d, %,d train tokens",
                trainable, begin == null ? lora.adaptedModules() : begin.layers(), trainer.step(), runUntil, split.train().length));
        long firstStep = trainer.step();
        long start = System.nanoTime();
        List<String> squeezed = new ArrayList<>();
        while (true) {
            trainer.run();
            if (squeezesDone == squeezeSteps.size() || trainer.step() != squeezeSteps.get(squeezesDone)) {
                break; // the run's end, or --stop-after before the next squeeze
            }
            squeezesDone++;
            PeftAdapter now = PeftFolder.capture(lora, "default", config[0]);
            Squeeze.Target target = squeeze.targetAfter(squeezesDone, sourceRank, now);
            if (squeeze.form().calibrated()) {
                events.onPhase("squeeze", String.format(Locale.ROOT, "%s, calibrating on up to %d windows of the training text",
                        squeeze.form().describe(), squeeze.form().windows()));
            }
            config[0] = squeezeInPlace(lora, now, target, squeeze.form(), request.model(), split.train());
            String note = String.format(Locale.ROOT, "after step %d: %s squeeze to %s, %,d trainable parameters", trainer.step(),
                    squeeze.form().describe(), ranks(lora), language.parameterCount());
            squeezed.add(note);
            events.onPhase("squeeze", note);
            long at = trainer.step();
            adam = new AdamW(language.parameters(), adamSettings);
            trainer = new Trainer(language, adam, train, null,
                    segment(request, schedule, runUntil, squeezeSteps, squeezesDone, checkpoint), log); // fresh moments: another basis
            trainer.checkpointMetadata(options);
            trainer.continueAt(at);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        log.close();
        FineTuneMemory memory = FineTuneMemory.measure(model.parameters(), language.parameters(), adam);
        PeftFolder.write(request.out(), adapterNow.get());

        events.onPhase("adapted perplexity", task.heldOutDescription());
        PerplexityResult after = task.score(model, window).requireFinite(request.out());
        FineTuneOutcome outcome = new FineTuneOutcome(before, after, trainer.step() - firstStep, trainer.step(), seconds,
                language.parameterCount(), // at the end: In-Squeeze ends with fewer than it started with
                baseParameters, split.train().length, log.lastLoss, request.out());
        ObjectNode record = record(request, outcome, context);
        record.put("seconds_per_step", outcome.stepsRun() == 0 ? 0 : seconds / outcome.stepsRun());
        record.set("memory_bytes", memory.toJson());
        if (squeeze != null) {
            ObjectNode in = record.putObject("in_squeeze");
            in.put("source_rank", sourceRank);
            in.put("target_rank", squeeze.targetRank());
            in.put("events", squeeze.events());
            in.put("until", squeeze.until());
            in.putPOJO("event_steps", squeezeSteps);
            in.putPOJO("squeezes_this_call", squeezed);
            in.put("squeeze", squeeze.form().describe());
            in.put("budget", squeeze.budget());
            if (squeeze.form().calibrated()) {
                in.put("calibration_windows", squeeze.form().windows());
            }
            in.put("final_rank", config[0].rank());
            if (!config[0].rankPattern().isEmpty()) {
                in.putPOJO("final_rank_pattern", config[0].rankPattern());
            }
            in.put("trainable_parameters_at_start_of_this_call", trainable);
        }
        if (startAdapter != null) {
            record.put("init_adapter", request.initAdapter().toString());
            record.put("rank", startAdapter.config().rank());
            record.put("alpha", startAdapter.config().alpha());
            record.put("dropout", startAdapter.config().dropout());
            record.put("use_rslora", startAdapter.config().useRslora());
            record.putPOJO("targets", startAdapter.config().targets().describe());
        }
        AtomicFiles.writeString(request.out().resolve(RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }

    /** Options of the steps up to the next In-Squeeze event (or the run's end) after {@code done} events. */
    private static TrainingOptions segment(FineTuneRequest request, LearningRateSchedule schedule, int runUntil, List<Integer> squeezeSteps,
            int done, Path checkpoint) {
        int until = done < squeezeSteps.size() ? Math.min(runUntil, squeezeSteps.get(done)) : runUntil;
        return new TrainingOptions(request.batch(), 1, until, schedule, 1.0, 0, 0, request.checkpointEvery(), checkpoint);
    }

    /**
     * Replaces the adapter named "default", whose factors are {@code now}, by its LoRA-Squeeze to {@code target}; returns the
     * squeezed adapter's config. A calibrated form runs on a second copy of the decoder, loaded from {@code model} for this
     * squeeze alone (it attaches adapters of its own), over windows of the training tokens.
     */
    private static PeftConfig squeezeInPlace(LoraModel lora, PeftAdapter now, Squeeze.Target target, SqueezeForm form, Path model,
            int[] tokens) throws IOException {
        LlamaModel calibration = form.calibrated() ? LlamaModel.load(model, Precision.FLOAT32) : null;
        PeftAdapter squeezed = form.apply(now, target, calibration, tokens, null).adapter();
        lora.remove("default");
        PeftFolder.apply(squeezed, lora, "default", Precision.FLOAT32);
        return squeezed.config();
    }

    /**
     * Gives each module of the adapter named "default" the rank its factors have in {@code checkpoint} (the ranks of the
     * squeezes before the checkpoint's step; a budget gave each module its own), by a plain squeeze of each module to that
     * rank, which also sets its α as a squeeze does. Only the shapes and α matter: the checkpoint's values replace the
     * factors. Returns the adapter's config at those ranks.
     */
    private static PeftConfig reshapeToCheckpoint(LoraModel lora, PeftConfig config, Path checkpoint) throws IOException {
        PeftAdapter now = PeftFolder.capture(lora, "default", config);
        Map<String, LoraFactors> reshaped = new java.util.LinkedHashMap<>();
        try (org.lowrank4j.formats.safetensors.SafetensorsFile file = org.lowrank4j.formats.safetensors.SafetensorsFile.open(checkpoint)) {
            for (Map.Entry<String, LoraFactors> e : now.modules().entrySet()) {
                String a = org.lowrank4j.adapt.lora.LoraAdapter.parameterName(e.getKey(), "lora_A", "default");
                int rank = (int) file.info(a).shape()[0];
                PeftAdapter one = new PeftAdapter(config, Map.of(e.getKey(), e.getValue()));
                reshaped.put(e.getKey(), Squeeze.apply(one, Squeeze.Target.rank(rank)).adapter().modules().get(e.getKey()));
            }
        }
        PeftAdapter squeezed = new PeftAdapter(Squeeze.configFor(config, reshaped), reshaped);
        lora.remove("default");
        PeftFolder.apply(squeezed, lora, "default", Precision.FLOAT32);
        return squeezed.config();
    }

    /** "rank 4", or "ranks 2-9" after a budget. */
    private static String ranks(LoraModel lora) {
        java.util.IntSummaryStatistics r = lora.adaptedLayers().values().stream().mapToInt(w -> w.adapter("default").rank()).summaryStatistics();
        return r.getMin() == r.getMax() ? "rank " + r.getMin() : "ranks " + r.getMin() + "-" + r.getMax();
    }

    /** The record's fields common to every adapter kind. */
    static ObjectNode record(FineTuneRequest request, FineTuneOutcome outcome, int context) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", request.model().toString());
        root.put("data", request.dataName());
        root.put("method", request.init().label());
        root.put("rank", request.lora().rank());
        root.put("alpha", request.lora().alpha());
        root.put("dropout", request.lora().dropout());
        root.put("use_rslora", request.lora().useRslora());
        root.putPOJO("targets", request.targets());
        root.put("steps", outcome.stepsDone());
        root.put("batch", request.batch());
        root.put("context", context);
        root.put("learning_rate", request.learningRate());
        root.put("seed", request.seed());
        root.put("held_out_fraction", request.heldOutFraction());
        root.put("trainable_parameters", outcome.trainable());
        root.put("base_parameters", outcome.baseParameters());
        root.put("train_tokens", outcome.trainTokens());
        root.put("train_seconds_this_call", outcome.trainSeconds());
        root.put("last_loss", outcome.lastLoss());
        root.set("before", perplexity(outcome.before()));
        root.set("after", perplexity(outcome.after()));
        root.put("perplexity_reduction", outcome.perplexityReduction());
        return root;
    }

    static ObjectNode perplexity(PerplexityResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("bytes", r.bytes());
        o.put("windows", r.windows());
        o.put("perplexity", r.perplexity());
        o.put("bits_per_byte", r.bitsPerByte());
        o.put("mean_nll", r.meanNll());
        return o;
    }

    /** finetune-log.csv rows, the adapter folder at each checkpoint, and the caller's listener. */
    private static final class Log implements FineTuneListener {
        private final Path folder;
        private final Path file;
        private final FineTuneListener next;
        private final java.util.function.Supplier<PeftAdapter> adapter;
        private final List<String> pending = new ArrayList<>();
        private double lastLoss = Double.NaN;

        Log(Path folder, FineTuneListener next, java.util.function.Supplier<PeftAdapter> adapter) {
            this.folder = folder;
            this.file = folder.resolve(LOG);
            this.next = next;
            this.adapter = adapter;
        }

        /** Keeps the header and the rows of steps up to {@code step} (a resumed run rewrites the rest). */
        void truncateFrom(long step) throws IOException {
            TrainingLog.keepRowsThrough(file, LOG_HEADER, step);
        }

        @Override
        public void onStep(StepReport r) {
            lastLoss = r.loss();
            pending.add(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                    r.tokensPerSecond()));
            next.onStep(r);
        }

        @Override
        public void onCheckpoint(long completedSteps, Path checkpoint) {
            flush();
            try {
                PeftFolder.write(folder, adapter.get());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the adapter into " + folder, e);
            }
            next.onCheckpoint(completedSteps, checkpoint);
        }

        void close() {
            flush();
        }

        private void flush() {
            if (pending.isEmpty()) {
                return;
            }
            try {
                Files.writeString(file, String.join("\n", pending) + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file, e);
            }
            pending.clear();
        }
    }
}
