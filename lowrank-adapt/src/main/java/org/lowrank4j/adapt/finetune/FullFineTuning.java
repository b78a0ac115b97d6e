package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.train.NextTokenModel;
import org.lowrank4j.nn.generate.PerplexityResult;

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
        WeightTraining.requireCheckpointForResume(request);
        events.onPhase("base perplexity", task.heldOutDescription());
        PerplexityResult before = task.score(task.model(), task.model().defaultWindow())
                .requireFinite(request.model());

        NextTokenModel language = new NextTokenModel(task.model());
        long trainable = task.model().parameterCount();
        WeightTraining.Result run = WeightTraining.run(request, task, language, language.parameters(), events, steps -> String.format(Locale.ROOT,
                "every weight: %,d trainable parameters, step %d of %d, %,d train tokens", trainable, steps[0], steps[1], task.split().train().length));
        FineTuneMemory memory = FineTuneMemory.measure(language.parameters(), language.parameters(), run.optimizer());
        task.saveModel(request.out());
        task.writeTokenizer(request.model(), request.out());

        events.onPhase("fine-tuned perplexity", task.heldOutDescription());
        PerplexityResult after = task.score(task.model(), task.model().defaultWindow())
                .requireFinite(request.out());
        FineTuneOutcome outcome = new FineTuneOutcome(before, after, run.stepsRun(), run.stepsDone(), run.seconds(), trainable, trainable,
                task.split().train().length, run.lastLoss(), request.out());
        ObjectNode record = FineTuning.record(request, outcome, task.context());
        record.put("method", NAME);
        record.remove(List.of("rank", "alpha", "dropout", "use_rslora", "targets"));
        record.put("seconds_per_step", run.stepsRun() == 0 ? 0 : run.seconds() / run.stepsRun());
        record.set("memory_bytes", memory.toJson());
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }
}
