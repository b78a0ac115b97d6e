package org.lowrank4j.serve.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.generate.BatchGenerator;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.serve.ApiError;

/**
 * A decoder folder served for completions: loaded as {@code lowrank generate} loads it ({@link DecoderFolder#loadDecoder}:
 * a dense folder from {@code lowrank train}, a low-rank or quantized folder from {@code lowrank compress}, a CSKV folder
 * from {@code lowrank cskv} whose decoding keeps the shrunk key/value cache, GPT-2 or Mamba) and continued by
 * lowrank-nn's {@link org.lowrank4j.nn.generate.DecodingBatch} with the model's cache.
 *
 * <p>One thread decodes (the model's layers are not shared between threads). Requests queue for it; when it is free it
 * takes the oldest one together with the later ones it can decode beside it, up to {@code maxBatch}: requests whose
 * prompts, left-padded to the longest, leave each the positions it would have alone (a LLaMA-family model; GPT-2, Mamba
 * and CSKV decode one request at a time). Requests that come in while a batch runs join it before its next step when
 * they fit: a prompt no longer than the batch's positions so far, which keeps every position it would have alone
 * (continuous batching, {@link org.lowrank4j.nn.generate.DecodingBatch}). Each gets what it would get alone, up to the
 * rounding of the batched products. Its deltas go back to its own thread, which writes them to its client. LoRA
 * adapters may be served over the base, unmerged, and one batch may hold requests for several of them and for the base
 * alone: each sequence runs its own adapter's branches over the shared base products ({@link AdapterSwitch#useEach}).
 * Adapters are loaded and unloaded on the decoding thread, between batches, in the order they were asked for among the
 * requests.
 */
public final class DecoderModel implements AutoCloseable {
    private final CausalLanguageModel model;
    private final AdapterSwitch adapters; // attached over the base; used and changed only on the decoding thread
    private volatile List<String> adapterNames; // what requests may name, readable without waiting for the decoding thread
    private final Tokenizer tokenizer;
    private final int maxInputTokens;
    private final int maxBatch;
    private final Duration batchWindow;
    private final Duration timeout;
    private final ArrayDeque<Object> queue = new ArrayDeque<>(); // Waiting requests and Tasks, oldest first; guarded by itself
    private final Thread decoding;
    private boolean closed; // guarded by queue
    private volatile IntConsumer onBatch = size -> { };
    private int lastBatchSize = 1; // on the decoding thread: how many requests the latest batch held

    /** What one request asks for; {@code adapter} null for the base alone. */
    public record Request(String adapter, String prompt, int maxTokens, double temperature, double topP, long seed, List<String> stops) {
    }

    /** What it got: the text, why it ended ("stop" or "length"), and the token counts. */
    public record Completion(String text, String finishReason, int promptTokens, int completionTokens) {
    }

    /** Work run on the decoding thread between batches, where nothing else touches the model (an adapter change). */
    @FunctionalInterface
    public interface Work {
        void run() throws IOException;
    }

    private static final class Task {
        final Work work;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Task(Work work) {
            this.work = work;
        }
    }

    private DecoderModel(CausalLanguageModel model, AdapterSwitch adapters, Tokenizer tokenizer, int maxInputTokens, int maxBatch,
            Duration batchWindow, Duration timeout) {
        if (maxBatch < 1 || batchWindow.isNegative()) {
            throw new IllegalArgumentException("--max-batch must be at least 1 and --batch-window-ms not negative, got " + maxBatch + " and "
                    + batchWindow.toMillis());
        }
        this.model = model;
        this.adapters = adapters;
        this.adapterNames = adapters.names();
        this.tokenizer = tokenizer;
        this.maxInputTokens = maxInputTokens;
        this.maxBatch = model.decodesPaddedBatches() ? maxBatch : 1;
        this.batchWindow = batchWindow;
        this.timeout = timeout;
        this.decoding = new Thread(this::decodeUntilClosed, "lowrank-decoding");
        decoding.setDaemon(true);
        decoding.start();
    }

    /** True when {@code model} is a folder with a config.json (a decoder folder). */
    public static boolean isDecoder(Path model) {
        return Files.isDirectory(model) && Files.isRegularFile(model.resolve("config.json"));
    }

    /**
     * Loads a decoder folder (config.json, model.safetensors, tokenizer.json) and pins its weights
     * ({@link PinnedWeights}): on Java 17–21 a second copy of them, outside the Java heap, that decoding reads instead
     * of copying each weight in for every token (from Java 22 products read the weights in place and no copy is kept).
     * Requests are decoded one at a time.
     */
    public static DecoderModel open(Path folder, int maxInputTokens, Duration timeout) throws IOException {
        return open(folder, Map.of(), maxInputTokens, 1, Duration.ZERO, timeout);
    }

    /**
     * As {@link #open(Path, int, Duration)}, with PEFT LoRA adapters attached unmerged over the pinned base
     * ({@link AdapterSwitch}); each request picks one of them, or none.
     *
     * @param adapters adapter folders by the name requests use; empty for none
     * @param maxBatch    the most requests decoded together (1: one at a time)
     * @param batchWindow how long a batch smaller than the one before it waits for more requests before it starts (zero:
     *                    not at all): requests answered together tend to come back together, a moment apart
     * @throws IllegalArgumentException one line naming the adapter and its folder when one cannot be attached
     */
    public static DecoderModel open(Path folder, Map<String, Path> adapters, int maxInputTokens, int maxBatch, Duration batchWindow,
            Duration timeout) throws IOException {
        CausalLanguageModel model = DecoderFolder.loadDecoder(folder);
        PinnedWeights pinned = PinnedWeights.of(model); // for the server's lifetime: decoding reads the weights from BLAS's own copy
        try {
            AdapterSwitch attached = AdapterSwitch.over(model); // adapters' layers wrap the pinned weights
            for (Map.Entry<String, Path> e : adapters.entrySet()) {
                attached.add(e.getKey(), e.getValue());
            }
            return new DecoderModel(model, attached, DecoderFolder.loadTokenizer(folder, model.vocabSize()), maxInputTokens, maxBatch, batchWindow,
                    timeout);
        } catch (IOException | RuntimeException | Error e) {
            pinned.close(); // nothing will be served: give the copies back
            throw e;
        }
    }

    /** The names of the adapters served over the base, in order; empty when none are. */
    public List<String> adapterNames() {
        return adapterNames;
    }

    /** Tells {@code listener} the number of requests of each batch decoded from now on (the server's metrics). */
    public void onBatch(IntConsumer listener) {
        this.onBatch = listener;
    }

    /** The most requests decoded together: 1 for a model that decodes one sequence at a time. */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Attaches another PEFT LoRA adapter under {@code name}, between batches.
     *
     * @throws IllegalArgumentException one line when the folder cannot be attached (nothing changes then)
     * @throws ApiError                 503 when generations keep the model busy past the timeout
     */
    public void load(String name, Path folder) throws IOException {
        betweenBatches(() -> {
            adapters.add(name, folder);
            adapterNames = adapters.names();
        });
    }

    /**
     * Detaches the named adapter, between batches.
     *
     * @throws IllegalArgumentException when no adapter of that name is attached
     * @throws ApiError                 503 when generations keep the model busy past the timeout
     */
    public void unload(String name) {
        try {
            betweenBatches(() -> {
                adapters.remove(name);
                adapterNames = adapters.names();
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // remove reads no file
        }
    }

    /**
     * Runs {@code work} on the decoding thread once the requests queued before it are done, and waits for it; requests
     * queued after it wait for it. What {@link #load} and {@link #unload} do.
     *
     * @throws ApiError 503 when it does not start within the timeout (it is then never run)
     */
    public void betweenBatches(Work work) throws IOException {
        Task task = new Task(work);
        enqueue(task);
        try {
            try {
                task.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                giveUpIfQueued(task);
                task.done.get(); // it has started: let it finish
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the server was interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            } else if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) cause;
        }
    }

    /** The most positions a prompt plus its continuation may take. */
    public int maxPositions() {
        return model.maxPositions();
    }

    /** The prompt's token ids, checked against the limits (400 otherwise). */
    public int[] encodePrompt(String prompt) {
        int[] ids = tokenizer.encodePrompt(prompt); // with a leading BOS where the tokenizer adds one, as transformers does
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
     * nothing when {@code onDelta} is null, on the calling thread. The returned text is the concatenation of the deltas.
     *
     * @throws ApiError 503 when decoding does not start within the timeout, 504 when it runs past it, 404 when its
     *                  adapter was unloaded while it waited
     */
    public Completion complete(Request request, Consumer<String> onDelta) {
        Waiting waiting = new Waiting(request, encodePrompt(request.prompt()), System.nanoTime() + timeout.toNanos());
        enqueue(waiting);
        return waiting.await(onDelta, () -> giveUpIfQueued(waiting));
    }

    /** Takes a job that has not started out of the queue and answers 503; does nothing once it has started. */
    private void giveUpIfQueued(Object job) {
        synchronized (queue) {
            if (queue.remove(job)) {
                throw busy();
            }
        }
    }

    /** The answer to a request or task that waited its whole timeout without starting. */
    private ApiError busy() {
        return new ApiError(503, "server_busy", "other generations kept the model busy for " + timeout.toSeconds() + " s (--timeout); retry later");
    }

    private void enqueue(Object job) {
        synchronized (queue) {
            if (closed) {
                throw new ApiError(503, "shutting_down", "the server is stopping; it takes no new requests");
            }
            queue.addLast(job);
            queue.notifyAll();
        }
    }

    /** The decoding thread: the oldest job, and for a request the later ones that join its batch, until closed. */
    private void decodeUntilClosed() {
        while (true) {
            Object head;
            List<Waiting> batch = null;
            synchronized (queue) {
                while (queue.isEmpty() && !closed) {
                    try {
                        queue.wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                head = queue.pollFirst();
                if (head == null) {
                    return; // closed, nothing left
                }
                if (head instanceof Waiting first) {
                    batch = new ArrayList<>(List.of(first));
                    join(batch);
                    // as many as last time are likely on their way back: wait for them, up to the window
                    int expected = Math.min(maxBatch, lastBatchSize);
                    long until = System.nanoTime() + batchWindow.toNanos();
                    for (long left = until - System.nanoTime(); batch.size() < expected && left > 0 && !closed; left = until - System.nanoTime()) {
                        try {
                            queue.wait(left / 1_000_000, (int) (left % 1_000_000)); // enqueue() wakes it
                        } catch (InterruptedException e) {
                            closed = true;
                        }
                        join(batch);
                    }
                }
            }
            if (head instanceof Task task) {
                try {
                    task.work.run();
                    task.done.complete(null);
                } catch (IOException | RuntimeException | Error e) {
                    task.done.completeExceptionally(e);
                }
            } else {
                decode(batch);
            }
        }
    }

    /**
     * Adds to {@code batch} (its first request taken already) the queued requests that can decode beside it, taking them
     * out of the queue: each with the positions it would have alone, whatever its adapter, up to {@link #maxBatch}. The scan stops
     * at a task, so a request never runs before an adapter change asked for ahead of it.
     */
    private void join(List<Waiting> batch) {
        BatchGenerator.Padding padding = new BatchGenerator.Padding(model.maxPositions());
        for (Waiting w : batch) {
            padding.add(w.prompt.length, w.request.maxTokens());
        }
        for (Iterator<Object> it = queue.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
            Object job = it.next();
            if (job instanceof Task) {
                break;
            }
            Waiting next = (Waiting) job;
            if (padding.fits(next.prompt.length, next.request.maxTokens())) {
                padding.add(next.prompt.length, next.request.maxTokens());
                batch.add(next);
                it.remove();
            }
        }
    }

    /**
     * Runs one batch on the decoding thread until its last request ends. Before each step it takes in the queued requests
     * that can join it (each keeps the positions it would have alone, up to {@link #maxBatch} at once; the scan stops at
     * a task). Late and abandoned requests are dropped, and those whose adapter was unloaded while they waited; the first
     * ones are ordered by adapter, so that each adapter's rows start out side by side.
     */
    private void decode(List<Waiting> batch) {
        List<Waiting> first = admissible(batch);
        if (first.isEmpty()) {
            lastBatchSize = batch.size();
            return;
        }
        first.sort(java.util.Comparator.comparing(w -> w.request.adapter(), java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
        BatchRun run = BatchRun.start(model, tokenizer, adapters, first, timeout.toSeconds(), onBatch);
        while (run.running()) {
            List<Waiting> joining = admissible(joiners(run));
            if (!joining.isEmpty()) {
                run.join(joining); // prefilled together
            }
            if (run.running()) {
                run.step();
            }
        }
        lastBatchSize = run.peak();
    }

    /** The requests still worth decoding; the others get their answer (503 past the deadline, 404 for an unloaded adapter). */
    private List<Waiting> admissible(List<Waiting> requests) {
        List<Waiting> live = new ArrayList<>();
        long now = System.nanoTime();
        for (Waiting w : requests) {
            String adapter = w.request.adapter();
            if (w.abandoned()) {
                continue;
            }
            if (now > w.deadline) {
                w.failed(busy());
            } else if (adapter != null && !adapterNames.contains(adapter)) {
                w.failed(new ApiError(404, "model_not_found", "the adapter '" + adapter + "' was unloaded before this request's turn"));
            } else {
                live.add(w);
            }
        }
        return live;
    }

    /** Takes out of the queue the requests that can join the running batch now, oldest first, stopping at a task. */
    private List<Waiting> joiners(BatchRun run) {
        List<Waiting> out = new ArrayList<>();
        synchronized (queue) {
            for (Iterator<Object> it = queue.iterator(); it.hasNext() && run.live() + out.size() < maxBatch; ) {
                Object job = it.next();
                if (job instanceof Task) {
                    break;
                }
                Waiting next = (Waiting) job;
                if (run.canJoin(next)) {
                    out.add(next);
                    it.remove();
                }
            }
        }
        return out;
    }

    /** Stops the decoding thread once the jobs already queued are done; later requests get a 503. */
    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
            queue.notifyAll();
        }
    }
}
