package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.AdapterVariants;
import org.lowrank4j.adapt.variant.HeadLayout;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * {@link FineTuning} for an adapter variant (NOLA, SoRA, …; {@code request.adapter()}): the same text split, windows,
 * schedule, AdamW and held-out scoring as a LoRA run, with the variant's layers in place of LoRA's and its own rule after
 * each step ({@link VariantAdapter#afterStep}). Writes the variant's folder ({@link VariantFolder}), the step log and a
 * record with bytes on disk and the variant's report. No checkpoint and no resume: variant runs start afresh.
 */
final class VariantFineTuning {
    private static final ObjectMapper JSON = new ObjectMapper();

    private VariantFineTuning() {
    }

    static FineTuneOutcome run(FineTuneRequest request, FineTuneListener events) throws IOException {
        VariantSpec spec = VariantSpec.parse(request.adapter());
        AdapterVariant variant = AdapterVariants.byName(spec.name());
        if (request.resume() || request.stopAfter() != null) {
            throw new IllegalArgumentException("--resume and --stop-after are for LoRA runs; a " + variant.name() + " run starts afresh");
        }
        if (request.init() != AdapterInit.LORA) {
            throw new IllegalArgumentException("--init " + request.init().label() + " applies to LoRA adapters only, not to --adapter " + variant.name());
        }
        DecoderTask task = DecoderTask.prepareLlama(request, "--adapter " + variant.name());
        LlamaModel model = task.llama();
        int context = task.context();
        TokenWindows.Split split = task.split();
        TokenWindows train = task.train();

        long baseParameters = task.baseParameters();
        Map<String, Linear> modules = ModulePaths.decoder(model);
        Map<String, Linear> targets = new LinkedHashMap<>();
        LoraModel paths = LoraModel.over(modules, 0);
        paths.requireEachTargetMatches(request.targets(), "--targets"); // a misspelt name beside good ones is refused, as for LoRA
        for (String path : paths.select(TargetModules.names(request.targets()))) {
            targets.put(path, modules.get(path));
        }
        VariantAdapter adapter = variant.create(targets, HeadLayout.decoder(model), spec, request.lora().rank(), request.lora().alpha(), request.seed(), Precision.FLOAT32);
        adapter.attach(modules);

        events.onPhase("base perplexity", task.heldOutDescription());
        adapter.setEnabled(false);
        PerplexityResult before = task.score(model, model.defaultWindow()).requireFinite(request.model());
        adapter.setEnabled(true);

        LanguageModel language = LanguageModel.training(new LlamaLanguageModel(model), adapter.parameters());
        org.lowrank4j.nn.Parameter.freezeAllBut(model.parameters(), adapter.parameters());
        AdamW adam = new AdamW(adapter.optimizerParameters(), AdamW.Settings.fineTuning(request.weightDecay()));
        LearningRateSchedule schedule = new LearningRateSchedule(request.learningRate(), request.learningRate() / 10,
                Math.min(request.warmup(), request.steps()), request.steps());
        TrainingOptions options = new TrainingOptions(request.batch(), 1, request.steps(), schedule, 1.0, 0, 0, 0, null);
        Files.createDirectories(request.out());
        Path logFile = request.out().resolve(FineTuning.LOG);
        List<String> rows = new ArrayList<>(List.of(FineTuning.LOG_HEADER));
        double[] lastLoss = {Double.NaN};
        Trainer trainer = new Trainer(language, adam, train, null, options, new FineTuneListener() {
            @Override
            public void onStep(StepReport r) {
                adapter.afterStep(r.step(), request.steps(), r.learningRate(), request.learningRate());
                lastLoss[0] = r.loss();
                rows.add(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.1f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                        r.tokensPerSecond()));
                events.onStep(r);
            }
        });
        events.onPhase("training", String.format(Locale.ROOT, "%s: %,d trainable values (%d layers adapted), %d steps, %,d train tokens",
                spec.text(), adapter.trainableCount(), adapter.layers().size(), request.steps(), split.train().length));
        long start = System.nanoTime();
        trainer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.writeString(logFile, String.join("\n", rows) + "\n", StandardCharsets.UTF_8);
        FineTuneMemory memory = FineTuneMemory.measure(model.parameters(), adapter.parameters(), adam);
        VariantFolder.write(request.out(), adapter, request.targets(), request.model().toString());

        events.onPhase("adapted perplexity", task.heldOutDescription());
        PerplexityResult after = task.score(model, model.defaultWindow()).requireFinite(request.out());
        long bytes = VariantFolder.bytesOnDisk(request.out());
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "%s: %,d trainable values, %,d bytes on disk (%s + %s), %.2f s per step", variant.name(),
                adapter.trainableCount(), bytes, "adapter_config.json", "adapter_model.safetensors", seconds / request.steps()));
        notes.addAll(adapter.report());
        FineTuneOutcome outcome = new FineTuneOutcome(before, after, request.steps(), request.steps(), seconds, adapter.trainableCount(),
                baseParameters, split.train().length, lastLoss[0], request.out(), notes);
        ObjectNode record = FineTuning.record(request, outcome, context);
        record.put("method", spec.text());
        record.put("peft_type", variant.peftType());
        record.set("adapter_config", adapter.config());
        record.put("bytes_on_disk", bytes);
        record.put("seconds_per_step", seconds / request.steps());
        record.putPOJO("report", adapter.report());
        record.set("memory_bytes", memory.toJson());
        record.remove(List.of("rank", "alpha", "dropout", "use_rslora"));
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }
}
