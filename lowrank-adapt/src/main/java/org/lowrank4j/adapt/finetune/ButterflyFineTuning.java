package org.lowrank4j.adapt.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.weight.ButterflyFit;
import org.lowrank4j.nn.weight.ButterflyWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A decoder's projections replaced by butterfly products (spec ../shared/methods/17-butterfly-kaleidoscope.md, item 5:
 * the drop-in linear layer), {@code --adapter butterfly[:sites=output:blocks=2:fit-steps=500:fit-rate=0.05:form=butterfly|low-rank]}.
 * Each named projection's weight W becomes a {@link ButterflyWeight} of {@code blocks} butterfly matrices, fitted to W
 * ({@link ButterflyFit}) and then trained on the text with every other weight frozen. {@code form=low-rank} is the
 * control at equal parameters: the projection becomes the truncated SVD of W at the rank whose factors hold as many
 * values as the butterfly's twiddles, trained the same way. Perplexity is measured three times: the dense model, after
 * the replacement (fit only) and after training.
 *
 * <p>The folder formats hold no butterfly weight, so the run writes the trained replacements as
 * {@code replaced.safetensors} (twiddles, or factors A and B, per site) beside the record and the step log, not a model
 * folder that {@code perplexity} would read.
 */
final class ButterflyFineTuning {
    static final String NAME = "butterfly";
    static final String WEIGHTS = "replaced.safetensors";
    private static final Set<String> ROLES = Set.of("query", "key", "value", "output", "gate", "up", "down");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ButterflyFineTuning() {
    }

    static FineTuneOutcome run(FineTuneRequest request, FineTuneListener events) throws IOException {
        VariantSpec spec = VariantSpec.parse(request.adapter());
        List<String> roles = List.of(spec.string("sites", "output").split(","));
        int blocks = spec.integer("blocks", 2, 1);
        int fitSteps = spec.integer("fit-steps", 500, 0);
        double fitRate = spec.number("fit-rate", 0.05);
        boolean butterfly = spec.word("form", "butterfly", Set.of("butterfly", "low-rank")).equals("butterfly");
        spec.requireAllRead();
        for (String role : roles) {
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException("butterfly: sites=" + role + " is not a projection; name some of " + String.join(",",
                        List.of("query", "key", "value", "output", "gate", "up", "down")));
            }
        }
        if (!(fitRate > 0)) {
            throw new IllegalArgumentException("butterfly: fit-rate must be positive, got " + fitRate);
        }
        if (request.init() != AdapterInit.LORA || request.initAdapter() != null || request.resume()) {
            throw new IllegalArgumentException("--adapter butterfly replaces projections and trains them afresh; --init, --init-adapter and --resume do not apply");
        }
        DecoderTask task = DecoderTask.prepareLlama(request, "--adapter butterfly");
        LlamaModel model = task.llama();
        events.onPhase("dense perplexity", task.heldOutDescription());
        PerplexityResult dense = task.score(model, model.defaultWindow()).requireFinite(request.model());

        Map<String, WeightFactorization> replaced = new LinkedHashMap<>();
        ArrayNode sites = JSON.createArrayNode();
        long denseValues = 0;
        Random random = new Random(request.seed());
        for (Map.Entry<String, Linear> site : model.linearSites().entrySet()) {
            String role = site.getKey().substring(site.getKey().lastIndexOf('.') + 1);
            if (!roles.contains(role)) {
                continue;
            }
            Linear linear = site.getValue();
            Tensor w = linear.weight().toDense();
            int out = w.dim(0), in = w.dim(1);
            String name = linear.name();
            ObjectNode row = sites.addObject();
            row.put("site", site.getKey());
            row.put("dense_values", (long) out * in);
            WeightFactorization replacement;
            if (butterfly) {
                ButterflyWeight b = ButterflyWeight.orthogonal(name, out, in, blocks, w.precision(), random);
                events.onPhase("fit", site.getKey() + String.format(Locale.ROOT, ": %d-point butterfly, %d blocks", b.size(), blocks));
                row.put("fit_relative_error", fitSteps == 0 ? Double.NaN : ButterflyFit.fit(b, w, fitSteps, fitRate));
                replacement = b;
            } else {
                int rank = (int) Math.max(1, Math.round(ButterflyWeight.twiddleCount(out, in, blocks) / (double) (out + in)));
                replacement = truncatedSvd(name, w, Math.min(rank, Math.min(out, in)));
                row.put("rank", ((LowRankWeight) replacement).rank());
            }
            row.put("values", replacement.parameterCount());
            denseValues += (long) out * in;
            linear.setWeight(replacement);
            replaced.put(site.getKey(), replacement);
        }
        if (replaced.isEmpty()) {
            throw new IllegalArgumentException("butterfly: sites=" + String.join(",", roles) + " matches no projection of " + request.model());
        }
        events.onPhase("replaced perplexity", replaced.size() + " projections, " + task.heldOutDescription());
        PerplexityResult fitted = task.score(model, model.defaultWindow()).requireFinite(request.model());

        List<Parameter> trainable = new ArrayList<>();
        replaced.values().forEach(r -> trainable.addAll(r.parameters()));
        for (Parameter p : model.parameters()) {
            if (!trainable.contains(p)) {
                p.freeze();
            }
        }
        long trainableCount = trainable.stream().mapToLong(Parameter::size).sum();
        LanguageModel language = LanguageModel.training(new LlamaLanguageModel(model), trainable);
        String form = butterfly ? blocks + "-block butterflies" : "equal-size truncated SVDs";
        WeightTraining.Result run = WeightTraining.run(request, task, language, trainable, events, steps -> String.format(Locale.ROOT,
                "%,d trainable values: %d projections as %s (the rest frozen), step %d of %d", trainableCount, replaced.size(), form,
                steps[0], steps[1]));
        events.onPhase("trained perplexity", task.heldOutDescription());
        PerplexityResult after = task.score(model, model.defaultWindow()).requireFinite(request.out());

        write(request.out().resolve(WEIGHTS), replaced);
        List<String> notes = List.of(String.format(Locale.ROOT,
                "dense model: held-out perplexity %.4f per byte; %d projections (%,d values) replaced by %s (%,d values); \"base\" below is "
                        + "the replaced model before training", dense.perplexity(), replaced.size(), denseValues, form, trainableCount));
        FineTuneOutcome outcome = new FineTuneOutcome(fitted, after, run.stepsRun(), run.stepsDone(), run.seconds(), trainableCount,
                model.parameterCount(), task.split().train().length, run.lastLoss(), request.out(), notes);
        ObjectNode record = FineTuning.record(request, outcome, task.context());
        record.put("method", spec.text());
        record.remove(List.of("rank", "alpha", "dropout", "use_rslora", "targets"));
        record.put("form", butterfly ? "butterfly" : "low-rank");
        record.put("blocks", blocks);
        record.put("fit_steps", fitSteps);
        record.put("perplexity_dense", dense.perplexity());
        record.put("perplexity_replaced", fitted.perplexity());
        record.put("perplexity_trained", after.perplexity());
        record.put("replaced_dense_values", denseValues);
        record.put("replacement_values", trainableCount);
        record.set("sites", sites);
        record.put("seconds_per_step", run.stepsRun() == 0 ? 0 : run.seconds() / run.stepsRun());
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }

    /** W ≈ A·B from the top {@code rank} singular triplets, A = U√S, B = √S·Vᵀ. */
    private static LowRankWeight truncatedSvd(String name, Tensor w, int rank) {
        SvdResult svd = Linalg.backend().svd(DoubleMatrix.wrap(w.toDoubleArray(), w.dim(0), w.dim(1)));
        return LowRankWeight.fromSvd(name, svd, rank, w.precision());
    }

    private static void write(Path file, Map<String, WeightFactorization> replaced) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (WeightFactorization r : replaced.values()) {
            for (Parameter p : r.parameters()) {
                Tensor v = p.value();
                long[] shape = new long[v.rank()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = v.dim(i);
                }
                double[] values = v.toDoubleArray();
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                writer.add(p.name(), SafetensorsDtype.F32, shape, f);
            }
        }
        writer.write(file);
    }
}
