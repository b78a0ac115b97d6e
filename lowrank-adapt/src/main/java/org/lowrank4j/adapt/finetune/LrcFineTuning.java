package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.FrozenWeight;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * WeLore's fine-tuning of the low-rank components ({@code --adapter lrc[:norms=1|0]}; spec
 * ../shared/methods/21-welore-lrc-finetuning.md, step 3) on a compressed decoder folder: the factors of every low-rank
 * projection (the LRCs) train in place, the projections kept dense (N-LRCs) and the embedding stay frozen, and the RMSNorm
 * weights train as in the reference unless {@code norms=0}. It writes the folder back in its low-rank form (factors,
 * {@value LowRankFolder#MANIFEST} with the fine-tuning recorded under {@code recovery}, tokenizer) beside the checkpoint,
 * the step log and the record, so {@code perplexity}, {@code generate} and {@code compress}'s readers load it as any
 * low-rank folder.
 */
final class LrcFineTuning {
    static final String NAME = "lrc";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LrcFineTuning() {
    }

    static FineTuneOutcome run(FineTuneRequest request, FineTuneListener events) throws IOException {
        VariantSpec spec = VariantSpec.parse(request.adapter());
        boolean norms = spec.word("norms", "1", Set.of("0", "1")).equals("1");
        spec.requireAllRead();
        if (request.init() != AdapterInit.LORA || request.initAdapter() != null) {
            throw new IllegalArgumentException("--adapter lrc trains a compressed folder's own factors; --init and --init-adapter apply to LoRA adapters only");
        }
        LowRankFolder.Manifest source = LowRankFolder.readManifest(request.model()).orElseThrow(() -> new IllegalArgumentException(
                "--adapter lrc fine-tunes the low-rank components of a compressed decoder folder (one `lowrank compress` wrote); "
                        + request.model() + " has no " + LowRankFolder.MANIFEST));
        DecoderTask task = DecoderTask.prepareLlama(request, "--adapter lrc");
        LlamaModel model = task.llama();
        WeightTraining.requireCheckpointForResume(request);

        List<Parameter> trainable = new ArrayList<>();
        Map<Linear, WeightFactorization> frozen = new LinkedHashMap<>();
        int components = 0;
        for (Linear linear : model.linearSites().values()) {
            if (linear.weight() instanceof LowRankWeight factors) {
                trainable.addAll(factors.parameters());
                components++;
            } else {
                frozen.put(linear, linear.weight());
                linear.setWeight(new FrozenWeight(linear.weight())); // an N-LRC: dx only, no gradient
            }
        }
        if (components == 0) {
            throw new IllegalArgumentException(request.model() + " has no low-rank projection to train (every block projection is dense)");
        }
        if (norms) {
            model.parameters().stream().filter(p -> p.name().contains("norm")).forEach(trainable::add);
        }
        events.onPhase("base perplexity", task.heldOutDescription());
        PerplexityResult before = task.score(model, model.defaultWindow()).requireFinite(request.model());

        LanguageModel language = LanguageModel.training(new LlamaLanguageModel(model), trainable);
        org.lowrank4j.nn.Parameter.freezeAllBut(model.parameters(), trainable);
        long trainableCount = trainable.stream().mapToLong(Parameter::size).sum();
        int lowRank = components;
        WeightTraining.Result run = WeightTraining.run(request, task, language, trainable, events, steps -> String.format(Locale.ROOT,
                "%,d trainable values: the factors of %d low-rank projections%s (%d dense ones frozen), step %d of %d", trainableCount, lowRank,
                norms ? " and the norms" : "", frozen.size(), steps[0], steps[1]));
        FineTuneMemory memory = FineTuneMemory.measure(model.parameters(), trainable, run.optimizer());
        frozen.forEach(Linear::setWeight); // the dense projections as they were, so the folder holds them as such

        events.onPhase("fine-tuned perplexity", task.heldOutDescription());
        PerplexityResult after = task.score(model, model.defaultWindow()).requireFinite(request.out());
        FineTuneOutcome outcome = new FineTuneOutcome(before, after, run.stepsRun(), run.stepsDone(), run.seconds(), trainableCount,
                model.parameterCount(), task.split().train().length, run.lastLoss(), request.out());
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("kind", "lrc fine-tuning (WeLore)");
        done.put("compressed", request.model().toString());
        done.put("text", request.dataName());
        done.put("steps", run.stepsDone());
        done.put("learning_rate", request.learningRate());
        done.put("norms_trained", norms);
        done.put("perplexity_before", before.perplexity());
        done.put("perplexity_after", after.perplexity());
        LowRankFolder.Manifest manifest = LowRankFolder.describe(model, source.source(), source.method(), source.allocation(),
                source.ratioRequested()).withRecovery(done);
        model.saveFactors(request.out(), SafetensorsDtype.F32);
        task.writeTokenizer(request.model(), request.out());
        AtomicFiles.writeString(request.out().resolve(LowRankFolder.MANIFEST), JSON.writeValueAsString(manifest.toJson()) + "\n");

        ObjectNode record = FineTuning.record(request, outcome, task.context());
        record.put("method", spec.text());
        record.remove(List.of("rank", "alpha", "dropout", "use_rslora", "targets"));
        record.put("low_rank_components", components);
        record.put("dense_components_frozen", frozen.size());
        record.put("seconds_per_step", run.stepsRun() == 0 ? 0 : run.seconds() / run.stepsRun());
        record.set("memory_bytes", memory.toJson());
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }
}
