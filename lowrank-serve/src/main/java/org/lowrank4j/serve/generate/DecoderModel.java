package org.lowrank4j.serve.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.GenerationResult;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.serve.ApiError;

/**
 * A decoder folder served for completions: loaded as {@code lowrank generate} loads it ({@link DecoderFolder#loadDecoder}:
 * a dense folder from {@code lowrank train}, a low-rank or quantized folder from {@code lowrank compress}, a CSKV folder
 * from {@code lowrank cskv} whose decoding keeps the shrunk key/value cache, GPT-2 or Mamba) and continued by
 * lowrank-nn's {@link Generator} with the model's cache. One generation runs at a
 * time (the model's layers are not shared between threads); others wait their turn, within the timeout. LoRA adapters
 * may be served over the base, unmerged: each generation switches to the one its request names. Adapters are loaded and
 * unloaded between generations.
 */
public final class DecoderModel {
    private final CausalLanguageModel model;
    private final AdapterSwitch adapters; // attached over the base; changed only by whoever holds the turn
    private volatile List<String> adapterNames; // what requests may name, readable without waiting for the turn
    private final Tokenizer tokenizer;
    private final int maxInputTokens;
    private final Duration timeout;
    private final Semaphore turn = new Semaphore(1, true);

    /** What one request asks for; {@code adapter} null for the base alone. */
    public record Request(String adapter, String prompt, int maxTokens, double temperature, double topP, long seed, List<String> stops) {
    }

    /** What it got: the text, why it ended ("stop" or "length"), and the token counts. */
    public record Completion(String text, String finishReason, int promptTokens, int completionTokens) {
    }

    private DecoderModel(CausalLanguageModel model, AdapterSwitch adapters, Tokenizer tokenizer, int maxInputTokens, Duration timeout) {
        this.model = model;
        this.adapters = adapters;
        this.adapterNames = adapters.names();
        this.tokenizer = tokenizer;
        this.maxInputTokens = maxInputTokens;
        this.timeout = timeout;
    }

    /** True when {@code model} is a folder with a config.json (a decoder folder). */
    public static boolean isDecoder(Path model) {
        return Files.isDirectory(model) && Files.isRegularFile(model.resolve("config.json"));
    }

    /**
     * Loads a decoder folder (config.json, model.safetensors, tokenizer.json) and pins its weights
     * ({@link PinnedWeights}): on Java 17–21 a second copy of them, outside the Java heap, that decoding reads instead
     * of copying each weight in for every token (from Java 22 products read the weights in place and no copy is kept).
     */
    public static DecoderModel open(Path folder, int maxInputTokens, Duration timeout) throws IOException {
        return open(folder, Map.of(), maxInputTokens, timeout);
    }

    /**
     * As {@link #open(Path, int, Duration)}, with PEFT LoRA adapters attached unmerged over the pinned base
     * ({@link AdapterSwitch}); each request picks one of them, or none.
     *
     * @param adapters adapter folders by the name requests use; empty for none
     * @throws IllegalArgumentException one line naming the adapter and its folder when one cannot be attached
     */
    public static DecoderModel open(Path folder, Map<String, Path> adapters, int maxInputTokens, Duration timeout) throws IOException {
        CausalLanguageModel model = DecoderFolder.loadDecoder(folder);
        PinnedWeights pinned = PinnedWeights.of(model); // for the server's lifetime: decoding reads the weights from BLAS's own copy
        try {
            AdapterSwitch attached = AdapterSwitch.over(model); // adapters' layers wrap the pinned weights
            for (Map.Entry<String, Path> e : adapters.entrySet()) {
                attached.add(e.getKey(), e.getValue());
            }
            return new DecoderModel(model, attached, DecoderFolder.loadTokenizer(folder, model.vocabSize()), maxInputTokens, timeout);
        } catch (IOException | RuntimeException | Error e) {
            pinned.close(); // nothing will be served: give the copies back
            throw e;
        }
    }

    /** The names of the adapters served over the base, in order; empty when none are. */
    public List<String> adapterNames() {
        return adapterNames;
    }

    /**
     * Attaches another PEFT LoRA adapter under {@code name}, between generations.
     *
     * @throws IllegalArgumentException one line when the folder cannot be attached (nothing changes then)
     * @throws ApiError                 503 when generations keep the model busy past the timeout
     */
    public void load(String name, Path folder) throws IOException {
        awaitTurn();
        try {
            adapters.add(name, folder);
            adapterNames = adapters.names();
        } finally {
            turn.release();
        }
    }

    /**
     * Detaches the named adapter, between generations.
     *
     * @throws IllegalArgumentException when no adapter of that name is attached
     * @throws ApiError                 503 when generations keep the model busy past the timeout
     */
    public void unload(String name) {
        awaitTurn();
        try {
            adapters.remove(name);
            adapterNames = adapters.names();
        } finally {
            turn.release();
        }
    }

    private void awaitTurn() {
        boolean acquired;
        try {
            acquired = turn.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the server was interrupted");
        }
        if (!acquired) {
            throw new ApiError(503, "server_busy", "other generations kept the model busy for " + timeout.toSeconds() + " s (--timeout); retry later");
        }
    }

    /** The most positions a prompt plus its continuation may take. */
    public int maxPositions() {
        return model.maxPositions();
    }

    /** The prompt's token ids, checked against the limits (400 otherwise). */
    public int[] encodePrompt(String prompt) {
        int[] ids = tokenizer.encode(prompt);
        if (ids.length == 0) {
            throw ApiError.badRequest("empty_prompt", "the prompt is empty; give at least one character");
        }
        int limit = Math.min(maxInputTokens, model.maxPositions() - 1);
        if (ids.length > limit) {
            throw new ApiError(400, "input_too_long", "the prompt has " + ids.length + " tokens; this server takes at most " + limit
                    + " (--max-input-tokens, and fewer than the model's " + model.maxPositions() + " positions)");
        }
        return ids;
    }

    /**
     * Generates a completion, handing each safe text delta to {@code onDelta} as it is produced (streaming), or
     * nothing when {@code onDelta} is null. The returned text is the concatenation of the deltas.
     *
     * @throws ApiError 503 when the turn does not come within the timeout, 504 when generation runs past it
     */
    public Completion complete(Request request, Consumer<String> onDelta) {
        int[] prompt = encodePrompt(request.prompt());
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitTurn();
        try {
            if (request.adapter() != null && !adapterNames.contains(request.adapter())) { // unloaded while this request waited
                throw new ApiError(404, "model_not_found", "the adapter '" + request.adapter() + "' was unloaded before this request's turn");
            }
            adapters.use(request.adapter());
            return generate(prompt, request, onDelta, deadline);
        } finally {
            turn.release();
        }
    }

    private Completion generate(int[] prompt, Request request, Consumer<String> onDelta, long deadline) {
        TextStream stream = new TextStream(tokenizer, request.stops());
        StringBuilder text = new StringBuilder();
        Consumer<String> sink = delta -> {
            if (!delta.isEmpty()) {
                text.append(delta);
                if (onDelta != null) {
                    onDelta.accept(delta);
                }
            }
        };
        GenerationOptions options = request.temperature() == 0 ? GenerationOptions.greedy(request.maxTokens())
                : GenerationOptions.sampling(request.maxTokens(), request.temperature(), request.topP());
        String finish = "length";
        try {
            GenerationResult result = Generator.generate(model, prompt, options, new Random(request.seed()), token -> {
                sink.accept(stream.accept(token));
                if (stream.stopped()) {
                    throw new Halt();
                }
                if (System.nanoTime() > deadline) {
                    throw new ApiError(504, "timeout", "the completion ran past " + timeout.toSeconds() + " s (--timeout); ask for fewer max_tokens");
                }
            });
            finish = result.reason() == GenerationResult.StopReason.STOP_TOKEN ? "stop" : "length";
        } catch (Halt halt) {
            finish = "stop";
        }
        sink.accept(stream.finish());
        return new Completion(text.toString(), finish, prompt.length, stream.tokenCount());
    }

    /** Ends generation from the token callback when a stop string appeared (the Generator has no other exit). */
    private static final class Halt extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Halt() {
            super(null, null, false, false);
        }
    }
}
