package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.ContinuousGenerator;
import org.lowrank4j.nn.generate.GenerationResult;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.generate.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank generate}: continues a prompt with a model folder written by {@code lowrank train} (KV-cache decoding),
 * optionally with a PEFT LoRA adapter over it; or, with {@code --prompts}, every prompt of a JSON Lines file, decoded
 * together with continuous batching ({@link ContinuousGenerator}), into a JSON Lines file ({@link PromptsFile}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a trained decoder (greedy at --temperature 0, else top-p sampling); prints prompt + continuation."
                + " With --prompts IN --out OUT, continues every prompt of a JSON Lines file (one {\"prompt\": ...} object a line), decoding"
                + " up to --max-batch of them together.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model folder (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--prompt", description = "The text to continue.")
    String prompt;

    @Option(names = "--prompts", paramLabel = "IN.jsonl", description = "A JSON Lines file of prompts, one object a line: \"prompt\" and,"
            + " optionally, its own \"max_tokens\", \"temperature\", \"top_p\", \"seed\" (else the options here; prompt i's seed is --seed + i).")
    Path prompts;

    @Option(names = "--out", paramLabel = "OUT.jsonl", description = "With --prompts: where the answers go, one JSON object a line in the"
            + " prompts' order (index, prompt, text, finish_reason, prompt_tokens, completion_tokens).")
    Path out;

    @Option(names = "--max-batch", defaultValue = "32", description = "With --prompts: prompts decoded together at most (LLaMA-family"
            + " decoders; others run one at a time). Default ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

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

    /**
     * Refuses a length or sampling setting out of range, naming it as {@code where} (the message's start, "" for the
     * options) and the names it goes by there (the options, or a prompt file's fields).
     */
    static void checkSampling(int maxTokens, double temperature, double topP, String where, boolean options) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException(where + (options ? "--max-tokens" : "\"max_tokens\"") + " must be >= 1, got " + maxTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(where + (options ? "--temperature" : "\"temperature\"")
                    + " must be a finite number, 0 (greedy) or more, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException(where + (options ? "--top-p" : "\"top_p\"") + " must be in (0, 1], got " + topP);
        }
    }

    @Override
    public Integer call() throws Exception {
        checkSampling(maxTokens, temperature, topP, "", true);
        if ((prompt == null) == (prompts == null)) {
            throw new IllegalArgumentException("give one of --prompt TEXT or --prompts IN.jsonl --out OUT.jsonl");
        }
        if (prompts != null) {
            return generateAll();
        }
        if (out != null) {
            throw new IllegalArgumentException("--out goes with --prompts; with --prompt the continuation is printed");
        }
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("--prompt is empty; give at least one character");
        }
        CausalLanguageModel decoder = DecoderFolder.loadDecoder(model);
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        GenerationOptions options = GenerationOptions.sampling(maxTokens, temperature, topP);
        long start = System.nanoTime();
        int[] ids = tokenizer.encodePrompt(prompt); // loadTokenizer checked that its ids fit the model
        String continuation;
        try (PinnedWeights pinned = pinWithAdapter(decoder)) {
            continuation = tokenizer.decode(Generator.generate(decoder, ids, options, new Random(seed)).tokens());
        }
        double wall = (System.nanoTime() - start) / 1e9;
        System.out.println(prompt + continuation);
        System.err.printf(java.util.Locale.ROOT, "%d tokens of prompt, up to %d new, %.2f s%n", ids.length, maxTokens, wall);
        return 0;
    }

    /**
     * Pins the decoder's weights (decoding reads them from BLAS's own copy) and attaches {@code --adapter}, if given, over
     * the pinned weights, which the adapter's layers wrap.
     */
    private PinnedWeights pinWithAdapter(CausalLanguageModel decoder) throws java.io.IOException {
        PinnedWeights pinned = PinnedWeights.of(decoder);
        if (adapter != null) {
            try {
                AdapterSwitch.attach(decoder, java.util.Map.of("default", adapter)).use("default"); // PEFT's name for a lone adapter
            } catch (java.io.IOException | RuntimeException e) {
                pinned.close();
                throw e;
            }
        }
        return pinned;
    }

    /** {@code --prompts IN --out OUT}: every prompt, decoded together, answers written atomically in the prompts' order. */
    private int generateAll() throws Exception {
        if (out == null) {
            throw new IllegalArgumentException("--prompts needs --out OUT.jsonl for the answers");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("--max-batch must be >= 1, got " + maxBatch);
        }
        OutputPlan.of("--out", out, force).input("--prompts", prompts).input("--model", model).input("--adapter", adapter).check();
        List<PromptsFile.Prompt> asked = PromptsFile.read(prompts, maxTokens, temperature, topP, seed);
        CausalLanguageModel decoder = DecoderFolder.loadDecoder(model);
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        List<int[]> ids = new ArrayList<>();
        List<GenerationOptions> options = new ArrayList<>();
        List<Random> randoms = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            PromptsFile.Prompt p = asked.get(i);
            int[] encoded = tokenizer.encodePrompt(p.prompt());
            if (encoded.length < 1 || encoded.length >= decoder.maxPositions()) {
                throw new IllegalArgumentException(prompts + ": prompt " + i + " has " + encoded.length + " tokens; the model takes 1 to "
                        + (decoder.maxPositions() - 1));
            }
            ids.add(encoded);
            options.add(GenerationOptions.sampling(p.maxTokens(), p.temperature(), p.topP()));
            randoms.add(new Random(p.seed()));
        }
        ProgressBar bar = ProgressBar.stderr();
        long start = System.nanoTime();
        List<GenerationResult> results;
        try (PinnedWeights pinned = pinWithAdapter(decoder)) {
            results = ContinuousGenerator.generate(decoder, ids, options, randoms, maxBatch, (done, total) -> bar.update("generate", done, total, ""));
        }
        double wall = (System.nanoTime() - start) / 1e9;
        StringBuilder lines = new StringBuilder();
        long newTokens = 0;
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            newTokens += r.tokens().length;
            lines.append(PromptsFile.answer(i, asked.get(i), tokenizer.decode(r.tokens()), r.reason() == GenerationResult.StopReason.STOP_TOKEN,
                    ids.get(i).length, r.tokens().length)).append('\n');
        }
        AtomicFiles.writeString(out, lines.toString());
        bar.note(String.format(java.util.Locale.ROOT, "%d prompts, %d new tokens in %.2f s (%.1f tokens/s); wrote %s", results.size(), newTokens, wall,
                newTokens / wall, out));
        return 0;
    }
}
