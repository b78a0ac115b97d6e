package org.lowrank4j.adapt.classify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.finetune.FineTuneMemory;
import org.lowrank4j.adapt.finetune.FineTuning;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.AdapterVariants;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * {@link ClassifierFineTuning} for everything but plain LoRA: an adapter variant ({@code nola:…}, {@code sora:…}, …) on the
 * target projections, or {@code full}, every encoder weight. Same split, head fit, batches, schedule, clipping and scoring
 * as a LoRA run; no checkpoint and no resume. A variant run writes the variant's folder with the head stored whole
 * ({@code modules_to_save}) and {@code classifier.json}; a full run writes the encoder as a safetensors folder
 * (config.json, model.safetensors) with the head beside it ({@link ClassifierFolder#HEAD_FILE}).
 */
final class ClassifierWeightTraining {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassifierWeightTraining() {
    }

    static ClassifyOutcome run(ClassifyRequest request, ClassifierFineTuning.Prepared p, FineTuneListener events) throws IOException {
        BertModel encoder = p.encoder();
        int classes = p.data().classNames().size();
        SequenceClassifier classifier = new SequenceClassifier(encoder, request.pooling(), SequenceClassifier.zeroHead(encoder, classes),
                p.pairSeparator());
        VariantAdapter adapter = null;
        VariantSpec spec = null;
        if (!request.isFull()) {
            spec = VariantSpec.parse(request.adapter());
            AdapterVariant variant = AdapterVariants.byName(spec.name());
            Map<String, Linear> modules = ModulePaths.bert(encoder);
            Map<String, Linear> targets = new LinkedHashMap<>();
            LoraModel paths = LoraModel.over(modules, 0);
            paths.requireEachTargetMatches(request.targets(), "--targets"); // a misspelt name beside good ones is refused, as for LoRA
            for (String path : paths.select(TargetModules.names(request.targets()))) {
                targets.put(path, modules.get(path));
            }
            adapter = variant.create(targets, spec, request.lora().rank(), request.lora().alpha(), request.seed(), Precision.FLOAT32);
            adapter.attach(modules);
            adapter.setEnabled(false);
        }
        events.onPhase("frozen features", p.describe());
        ClassifierFineTuning.Scores before = ClassifierFineTuning.probe(classifier, p, request.headStart());
        if (adapter != null) {
            adapter.setEnabled(true);
        }

        List<Parameter> trained = new ArrayList<>(adapter == null ? encoder.parameters() : adapter.parameters());
        trained.addAll(classifier.parameters());
        ClassifierFineTuning.freezeUntrained(encoder, trained);
        long trainable = adapter == null ? count(trained) : adapter.trainableCount() + count(classifier.parameters());
        AdamW adam;
        if (adapter == null) {
            adam = new AdamW(trained, AdamW.Settings.fineTuning(request.weightDecay()), AdamW.NORMS_AND_BIASES);
        } else {
            List<Parameter> stepped = new ArrayList<>(adapter.optimizerParameters()); // a variant may step some values itself (LoCA)
            stepped.addAll(classifier.parameters());
            adam = new AdamW(stepped, AdamW.Settings.fineTuning(request.weightDecay()));
        }
        LearningRateSchedule schedule = new LearningRateSchedule(request.learningRate(), request.learningRate() / 10,
                Math.min(request.warmup(), request.steps()), request.steps());
        TrainingOptions options = new TrainingOptions(request.batch(), 1, request.steps(), schedule, 1.0, 0, 0, 0, null);
        Files.createDirectories(request.out());
        ClassifierLog log = new ClassifierLog(request.out().resolve(FineTuning.LOG), ClassifierFineTuning.LOG_HEADER, events, () -> {
        });
        log.truncateFrom(0);
        VariantAdapter stepped = adapter;
        FineTuneListener listener = new FineTuneListener() {
            @Override
            public void onStep(StepReport r) {
                if (stepped != null) {
                    stepped.afterStep(r.step(), request.steps(), r.learningRate(), request.learningRate());
                }
                log.onStep(r);
            }
        };
        LanguageModel model = LanguageModel.training(new LabelledBatches(classifier, p.trainIds(), p.trainLabels()), trained);
        Trainer trainer = new Trainer(model, adam, LabelledBatches.indexWindows(p.trainIds().length, request.seed()), null, options, listener);
        events.onPhase("training", String.format(Locale.ROOT, "%s: %,d trainable values (%s + head), %d steps", request.adapter(), trainable,
                adapter == null ? "every encoder weight" : adapter.layers().size() + " layers adapted", request.steps()));
        long start = System.nanoTime();
        trainer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        log.close();
        FineTuneMemory memory = FineTuneMemory.measure(allParameters(encoder, classifier), trained, adam);
        if (adapter == null) {
            ClassifierFolder.writeFull(request.out(), encoder, classifier.head(), p.data().classNames(), request.pooling(), p.pairSeparator() >= 0);
        } else {
            ClassifierFolder.writeVariant(request.out(), adapter, request.targets(), request.model().toAbsolutePath().normalize().toString(),
                    classifier.head(), p.data().classNames(), request.pooling(), p.pairSeparator() >= 0);
        }

        events.onPhase("adapted metrics", String.format(Locale.ROOT, "%d held-out texts", p.split().test().length));
        ClassifierFineTuning.Scores after = ClassifierFineTuning.score(classifier, p);
        ClassifyOutcome outcome = new ClassifyOutcome(before.test(), after.test(), p.data().classNames(), p.trainIds().length,
                p.split().test().length, request.steps(), request.steps(), seconds, trainable, log.lastLoss(), request.out(),
                before.validation(), after.validation());
        ObjectNode record = ClassifierFineTuning.record(request, p.data(), outcome);
        record.put("pair_input", p.pairSeparator() >= 0);
        record.put("method", spec == null ? "full" : spec.text());
        record.remove(List.of("rank", "alpha", "dropout", "use_rslora"));
        if (adapter != null) {
            record.put("peft_type", adapter.variant().peftType());
            record.set("adapter_config", adapter.config());
            record.put("bytes_on_disk", VariantFolder.bytesOnDisk(request.out()));
            record.putPOJO("report", adapter.report());
        } else {
            record.remove("targets");
        }
        record.put("seconds_per_step", seconds / request.steps());
        record.set("memory_bytes", memory.toJson());
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }

    private static List<Parameter> allParameters(BertModel encoder, SequenceClassifier classifier) {
        List<Parameter> all = new ArrayList<>(encoder.parameters());
        all.addAll(classifier.parameters());
        return all;
    }

    private static long count(List<Parameter> params) {
        long n = 0;
        for (Parameter q : params) {
            n += q.size();
        }
        return n;
    }
}
