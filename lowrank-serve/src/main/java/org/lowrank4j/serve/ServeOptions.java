package org.lowrank4j.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@link ModelServer} serves a model.
 *
 * @param host             address to listen on (127.0.0.1 keeps it to this machine)
 * @param port             TCP port; 0 takes a free one ({@link ModelServer#port()} tells which)
 * @param name             the model name clients must send in {@code model} (or leave out); null: the folder's name
 * @param maxBatch         texts per ONNX Runtime run: concurrent embedding requests are merged up to this many; for a
 *                         decoder, the most completion requests decoded together
 * @param batchWindow      how long the batcher waits for more requests after the first one arrives (embeddings and
 *                         completions)
 * @param maxInputs        texts in one embeddings request at most
 * @param maxInputTokens   tokens (special tokens included) of one embedding input or one prompt at most
 * @param maxNewTokens     the largest {@code max_tokens} a completion may ask for (also the chat default)
 * @param maxBodyBytes     request body size at most
 * @param timeout          a request waiting or running longer than this is answered with an error (504)
 * @param stopTimeout      how long a graceful stop waits for requests in flight
 * @param threads          ONNX Runtime intra-op threads
 * @param pooling          encoder pooling: "mean", "cls", or "auto" (sentence-transformers' 1_Pooling/config.json if
 *                         the folder has one, else mean)
 * @param adapters         decoders only: PEFT LoRA adapter folders by name, each served under its name over the one
 *                         base ({@code model} picks it per request); empty (or null) for none
 * @param adapterLoading   decoders only: whether {@code POST /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}
 *                         may attach and detach adapters while the server runs (off unless asked for: a request then
 *                         names a folder on this machine that the server reads)
 */
public record ServeOptions(String host, int port, String name, int maxBatch, Duration batchWindow, int maxInputs,
        int maxInputTokens, int maxNewTokens, long maxBodyBytes, Duration timeout, Duration stopTimeout, int threads,
        String pooling, Map<String, Path> adapters, boolean adapterLoading) {

    /** The longest {@link #timeout} (a stop may wait up to twice it). */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    public ServeOptions {
        adapters = adapters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host is empty; give an address such as 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        }
        requirePositive(maxBatch, "--max-batch");
        requirePositive(maxInputs, "--max-inputs");
        requirePositive(maxNewTokens, "--max-new-tokens");
        requirePositive(threads, "--threads");
        if (maxInputTokens < 2) {
            throw new IllegalArgumentException("--max-input-tokens must be at least 2, got " + maxInputTokens);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("--max-body-bytes must be at least 1024, got " + maxBodyBytes);
        }
        if (batchWindow.isNegative() || timeout.isNegative() || timeout.isZero() || stopTimeout.isNegative()) {
            throw new IllegalArgumentException("--timeout must be positive and the batch window and stop timeout not negative, got "
                    + timeout + ", " + batchWindow + ", " + stopTimeout);
        }
        // deadlines are System.nanoTime() plus these: longer ones overflow (a stop that never ended, a dead decoding thread)
        if (timeout.compareTo(MAX_TIMEOUT) > 0 || stopTimeout.compareTo(MAX_TIMEOUT.multipliedBy(2)) > 0) {
            throw new IllegalArgumentException("--timeout must be at most " + MAX_TIMEOUT.toSeconds() + " s (a day), got " + timeout.toSeconds()
                    + (timeout.compareTo(MAX_TIMEOUT) > 0 ? "" : " (stop timeout " + stopTimeout.toSeconds() + " s)"));
        }
        if (batchWindow.compareTo(timeout) >= 0) {
            throw new IllegalArgumentException("--batch-window-ms must be shorter than --timeout, got " + batchWindow.toMillis() + " ms and "
                    + timeout.toSeconds() + " s");
        }
        if (!pooling.equals("mean") && !pooling.equals("cls") && !pooling.equals("auto")) {
            throw new IllegalArgumentException("--pooling must be mean, cls or auto, got " + pooling);
        }
    }

    /** 127.0.0.1:8080, batches of 32 within 2 ms, 512 tokens per input, 2,048 inputs, 8 MB bodies, 60 s timeout. */
    public static ServeOptions defaults() {
        return new ServeOptions("127.0.0.1", 8080, null, 32, Duration.ofMillis(2), 2048, 512, 512, 8L << 20,
                Duration.ofSeconds(60), Duration.ofSeconds(30), Math.max(1, Runtime.getRuntime().availableProcessors()), "auto", Map.of(), false);
    }

    public ServeOptions withHost(String value) {
        return new ServeOptions(value, port, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withPort(int value) {
        return new ServeOptions(host, value, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withName(String value) {
        return new ServeOptions(host, port, value, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withMaxBatch(int value) {
        return new ServeOptions(host, port, name, value, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withLimits(int inputs, int inputTokens, int newTokens, long bodyBytes) {
        return new ServeOptions(host, port, name, maxBatch, batchWindow, inputs, inputTokens, newTokens, bodyBytes, timeout, stopTimeout,
                threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withBatchWindow(Duration value) {
        return new ServeOptions(host, port, name, maxBatch, value, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withTimeout(Duration value) {
        return new ServeOptions(host, port, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, value,
                stopTimeout, threads, pooling, adapters, adapterLoading);
    }

    public ServeOptions withThreads(int value) {
        return new ServeOptions(host, port, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, value, pooling, adapters, adapterLoading);
    }

    public ServeOptions withPooling(String value) {
        return new ServeOptions(host, port, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, value, adapters, adapterLoading);
    }

    public ServeOptions withAdapters(Map<String, Path> value) {
        return new ServeOptions(host, port, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, value, adapterLoading);
    }

    public ServeOptions withAdapterLoading(boolean value) {
        return new ServeOptions(host, port, name, maxBatch, batchWindow, maxInputs, maxInputTokens, maxNewTokens, maxBodyBytes, timeout,
                stopTimeout, threads, pooling, adapters, value);
    }

    private static void requirePositive(int value, String option) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
    }
}
