package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank4j.export.DecoderExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank export}: a LLaMA-family or GPT-2 decoder folder as an ONNX model with a key/value cache, checked in ONNX Runtime. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a LLaMA-family or GPT-2 decoder folder (dense, low-rank, quantized) as an ONNX model with a key/value cache that ONNX Runtime runs"
                + " (inputs input_ids, attention_mask, position_ids, past_key_values.N.key/value; outputs logits, present.N.key/value), each"
                + " projection in its stored form, and check it against the JVM runtime.")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Decoder folder (config.json, model.safetensors; tokenizer.json is copied if present).")
    Path model;

    @Option(names = "--out", required = true, description = "Output folder, laid out as transformers.js loads it: onnx/model.onnx, config.json, tokenizer.json,"
            + " tokenizer_config.json, export.json. generate, perplexity and serve take it as a model folder.")
    Path out;

    @Option(names = "--adapter", description = "A PEFT LoRA adapter folder written into the graph over the model, unmerged: the base keeps its"
            + " form (low-rank, 4-bit), and the adapter's branches run beside it.")
    Path adapter;

    @Option(names = "--check-tokens", defaultValue = "32", description = "Prompt tokens of the check in ONNX Runtime (default ${DEFAULT-VALUE};"
            + " 0: no check).")
    int checkTokens;

    @Option(names = "--check-steps", defaultValue = "8", description = "Greedy tokens after the prompt, one at a time through the cache"
            + " (default ${DEFAULT-VALUE}).")
    int checkSteps;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the check's prompt (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--force", description = "Replace --out if it exists (never an input).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Inputs.atLeast("--check-tokens", checkTokens, 0);
        Inputs.atLeast("--check-steps", checkSteps, 0);
        DecoderExport.Report r = DecoderExport.run(new DecoderExport.Request(model, out, force, checkTokens, checkSteps, seed, adapter),
                stage -> System.err.println(stage));
        Map<String, Integer> forms = new LinkedHashMap<>();
        long stored = 0;
        for (DecoderExport.Site s : r.sites()) {
            forms.merge(s.form().replaceAll(" r=\\d+", ""), 1, Integer::sum);
            stored += s.storedValues();
        }
        System.out.printf(Locale.ROOT, "%s: %d projections (%s), %,d values stored in them; %s%s, %.1f MB (%.1f s)%n", out, r.sites().size(),
                forms.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).reduce((a, b) -> a + ", " + b).orElse("none"), stored,
                DecoderExport.MODEL, r.externalData() ? " + " + DecoderExport.DATA : "", r.onnxBytes() / 1e6, r.seconds());
        if (r.check() != null) {
            DecoderExport.Check c = r.check();
            System.out.printf(Locale.ROOT, "check in ONNX Runtime: %d prompt tokens and %d greedy steps through the cache; logits within %.2e of the"
                    + " JVM runtime (largest |logit| %.2f)%n", c.promptTokens(), c.steps(), c.maxDifference(), c.maxLogit());
        }
        return 0;
    }
}
