package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.generate.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank generate}: continues a prompt with a model folder written by {@code lowrank train} (KV-cache decoding),
 * optionally with a PEFT LoRA adapter over it.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a trained decoder (greedy at --temperature 0, else top-p sampling); prints prompt + continuation.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model folder (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--prompt", required = true, description = "The text to continue.")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "200", description = "New tokens at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy; otherwise the sampling temperature (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus sampling mass when sampling (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--adapter", description = "A PEFT LoRA adapter folder to run over the model, unmerged (as lowrank serve --adapter does).")
    Path adapter;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sampling draws (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be a finite number, 0 (greedy) or more, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("--prompt is empty; give at least one character");
        }
        CausalLanguageModel decoder = DecoderFolder.loadDecoder(model);
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        GenerationOptions options = temperature == 0 ? GenerationOptions.greedy(maxTokens) : GenerationOptions.sampling(maxTokens, temperature, topP);
        long start = System.nanoTime();
        String continuation;
        try (PinnedWeights pinned = PinnedWeights.of(decoder)) { // decoding reads the weights from BLAS's own copy
            if (adapter != null) { // over the pinned weights, which the adapter's layers wrap
                AdapterSwitch.attach(decoder, java.util.Map.of("default", adapter)).use("default"); // PEFT's name for a lone adapter
            }
            continuation = Generator.generateText(decoder, tokenizer, prompt, options, new Random(seed));
        }
        double wall = (System.nanoTime() - start) / 1e9;
        System.out.println(prompt + continuation);
        System.err.printf(java.util.Locale.ROOT, "%d tokens of prompt, up to %d new, %.2f s%n", tokenizer.encode(prompt).length, maxTokens, wall);
        return 0;
    }
}
