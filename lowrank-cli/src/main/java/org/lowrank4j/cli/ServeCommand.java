package org.lowrank4j.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.lowrank4j.serve.ModelServer;
import org.lowrank4j.serve.ServeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank serve}: parses the options, starts {@link ModelServer}, prints the address and waits. SIGTERM and
 * Ctrl-C stop it gracefully (no new requests, those in flight finish) and the command exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over HTTP with the OpenAI API: an ONNX encoder folder (model.onnx + tokenizer.json) answers"
                + " POST /v1/embeddings, concurrent requests merged into batches; a decoder or low-rank decoder folder (from lowrank train"
                + " or lowrank compress) answers POST /v1/completions and /v1/chat/completions, streamed as server-sent events with"
                + " \"stream\": true. Also GET /health, GET /metrics (Prometheus text), GET /v1/models.",
                "Chat messages become a transcript \"role: content\" per line ending in \"assistant:\". Clients send the model name"
                        + " (the folder's name, or --name) or no model field; user mistakes get 4xx with an OpenAI-style JSON error."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "An ONNX encoder folder or .onnx file (tokenizer.json beside it), or a decoder folder.")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 for any free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--name", description = "Model name clients send in \"model\" (default: the folder's name).")
    String name;

    @Option(names = "--max-batch", defaultValue = "32", description = "An encoder: texts per ONNX Runtime run, concurrent requests merged up to this. A LLaMA-family decoder: completion requests decoded together, up to this (1: one at a time). Default ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--batch-window-ms", defaultValue = "2", description = "How long a batch that is not full waits for more requests to merge, embeddings or completions (default ${DEFAULT-VALUE} ms; 0: not at all).")
    long batchWindowMs;

    @Option(names = "--max-inputs", defaultValue = "2048", description = "Texts per embeddings request at most (default ${DEFAULT-VALUE}).")
    int maxInputs;

    @Option(names = "--max-input-tokens", defaultValue = "512", description = "Tokens per input or prompt at most; longer ones get 400 (default ${DEFAULT-VALUE}).")
    int maxInputTokens;

    @Option(names = "--max-new-tokens", defaultValue = "512", description = "Largest max_tokens a completion may ask (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--max-body-bytes", defaultValue = "8388608", description = "Request body size at most; larger gets 413 (default ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds a request may wait and run before it is answered with an error, 1 to 86400; its body must arrive"
            + " within it too, without a pause longer than it or 30 s (else 408) (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores).")
    Integer threads;

    @Option(names = "--adapter", paramLabel = "NAME=FOLDER", description = "A PEFT LoRA adapter folder to serve over a decoder, unmerged, under"
            + " NAME (FOLDER alone: the folder's name); repeat for several. A request's \"model\" picks the base or one adapter.")
    java.util.List<String> adapters = new java.util.ArrayList<>();

    @Option(names = "--allow-adapter-loading", description = "Decoders: let POST /v1/load_lora_adapter {\"lora_name\", \"lora_path\"} and"
            + " /v1/unload_lora_adapter {\"lora_name\"} attach and detach adapters while the server runs (vLLM's routes; the path is a"
            + " folder on this machine, so keep --host local).")
    boolean adapterLoading;

    @Option(names = "--pooling", defaultValue = "auto", description = "Encoder pooling: mean (MiniLM), cls (bge), or auto: 1_Pooling/config.json if"
            + " the folder has one, else mean (default ${DEFAULT-VALUE}).")
    String pooling;

    @Override
    public Integer call() throws Exception {
        if (timeoutSeconds < 1 || timeoutSeconds > ServeOptions.MAX_TIMEOUT.toSeconds() || batchWindowMs < 0) {
            throw new IllegalArgumentException("--timeout must be in 1.." + ServeOptions.MAX_TIMEOUT.toSeconds() + " s and --batch-window-ms not"
                    + " negative, got " + timeoutSeconds + " and " + batchWindowMs);
        }
        ServeOptions defaults = ServeOptions.defaults();
        ServeOptions options = new ServeOptions(host, port, name, maxBatch, Duration.ofMillis(batchWindowMs), maxInputs, maxInputTokens, maxNewTokens,
                maxBodyBytes, Duration.ofSeconds(timeoutSeconds),
                Duration.ofSeconds(timeoutSeconds + 5), // no request lives longer than --timeout: a stop can wait for all of them
                threads == null ? defaults.threads() : threads, pooling, namedAdapters(adapters), adapterLoading);
        ModelServer server = ModelServer.start(model, options);
        String base = "http://" + host + ":" + server.port();
        String served = adapters.isEmpty() ? "" : " with adapter" + (adapters.size() == 1 ? " '" : "s '") + String.join("', '", options.adapters().keySet()) + "'";
        System.out.println("serving " + server.kind() + " '" + server.modelName() + "'" + served + " at " + base + "/v1 ("
                + (server.kind().equals("encoder") ? "POST /v1/embeddings" : "POST /v1/completions, POST /v1/chat/completions")
                + (adapterLoading && server.kind().equals("decoder") ? ", POST /v1/load_lora_adapter, POST /v1/unload_lora_adapter" : "")
                + "; GET /health, GET /metrics); SIGTERM or Ctrl-C stops it");
        System.out.flush();
        Runnable stopInBackground = () -> new Thread(server::stop, "lowrank-serve-stop").start();
        boolean signals = onSignal("TERM", stopInBackground) & onSignal("INT", stopInBackground);
        Thread hook = new Thread(server::stop, "lowrank-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook); // any other way the JVM ends still stops gracefully
        server.awaitStopped();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            return 0;
        }
        System.out.println("stopped" + (signals ? "" : " (signals were not catchable here; the shutdown hook stopped it)"));
        return 0;
    }

    /** {@code NAME=FOLDER} or {@code FOLDER} (named after the folder) for each --adapter, refusing a name given twice. */
    static java.util.Map<String, Path> namedAdapters(java.util.List<String> values) {
        java.util.Map<String, Path> named = new java.util.LinkedHashMap<>();
        for (String value : values) {
            int eq = value.indexOf('=');
            boolean plain = eq < 0 || java.nio.file.Files.exists(Path.of(value)); // a folder whose own name has '='
            Path folder = Path.of(plain ? value : value.substring(eq + 1));
            Path last = folder.toAbsolutePath().normalize().getFileName();
            String name = plain ? (last == null ? value : last.toString()) : value.substring(0, eq);
            if (!plain && (name.isBlank() || value.substring(eq + 1).isBlank())) {
                throw new IllegalArgumentException("--adapter " + value + ": give NAME=FOLDER or FOLDER");
            }
            if (named.put(name, folder) != null) {
                throw new IllegalArgumentException("--adapter: the name '" + name + "' is given twice; give each adapter its own name with NAME=FOLDER");
            }
        }
        return named;
    }

    /**
     * Handles a signal ourselves, so that a graceful stop ends in exit code 0 rather than the JVM's 128 + signal.
     * Returns false when the platform does not let us (the shutdown hook then does the graceful stop).
     */
    @SuppressWarnings("restriction")
    private static boolean onSignal(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return false;
        }
    }
}
