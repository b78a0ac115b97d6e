package org.lowrank4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.lowrank4j.serve.embed.EncoderModel;
import org.lowrank4j.serve.generate.DecoderModel;

/**
 * The server: one model (a decoder may carry LoRA adapters, each served under its own name), the routes its kind
 * supports, {@code /health} and {@code /metrics}, and a graceful stop.
 * Routes a model does not support, unknown paths and wrong methods are answered 4xx in the OpenAI error shape.
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.start(Path.of("all-minilm-l6-v2"), ServeOptions.defaults().withPort(0))) {
 *     // POST http://127.0.0.1:<server.port()>/v1/embeddings
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {
    static final String EMBEDDINGS = "/v1/embeddings", COMPLETIONS = "/v1/completions", CHAT = "/v1/chat/completions";
    static final String LOAD_ADAPTER = "/v1/load_lora_adapter", UNLOAD_ADAPTER = "/v1/unload_lora_adapter";

    private final String modelName;
    private final ServeOptions options;
    private final ServerMetrics metrics = new ServerMetrics();
    private final EncoderModel encoder;
    private final DecoderModel decoder;
    private final Javalin app;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    private boolean stopping;

    private ModelServer(Path model, ServeOptions options) throws IOException {
        this.options = options;
        this.modelName = options.name() != null ? options.name() : defaultName(model);
        if (EncoderModel.isEncoder(model)) {
            if (!options.adapters().isEmpty() || options.adapterLoading()) {
                throw new IllegalArgumentException((options.adapterLoading() && options.adapters().isEmpty() ? "--allow-adapter-loading" : "--adapter")
                        + " serves LoRA adapters over a decoder folder; " + model + " is an ONNX encoder: merge the"
                        + " adapter into it (lowrank adapter merge --model " + model + " --adapter FOLDER --out FILE) and serve the merged file");
            }
            this.encoder = EncoderModel.open(model, options.pooling(), options.threads(), options.maxBatch(), options.batchWindow(),
                    options.maxInputTokens(), options.timeout(), metrics);
            this.decoder = null;
        } else if (DecoderModel.isDecoder(model)) {
            this.encoder = null;
            if (options.adapters().containsKey(modelName)) {
                throw new IllegalArgumentException("adapter name '" + modelName + "' is the base model's name; requests could not tell them apart:"
                        + " name the adapter otherwise, or the base with --name");
            }
            this.decoder = DecoderModel.open(model, options.adapters(), options.maxInputTokens(), options.maxBatch(), options.batchWindow(),
                    options.timeout());
            decoder.onBatch(metrics::decodeBatch);
        } else {
            throw new IllegalArgumentException("--model " + model + " is neither an ONNX encoder (an .onnx file, or a folder with "
                    + EncoderModel.MODEL_FILE + " and " + EncoderModel.TOKENIZER_FILE + ") nor a decoder folder (config.json, model.safetensors,"
                    + " tokenizer.json)");
        }
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.prefer405over404 = true;
            config.http.disableCompression(); // server-sent events must reach the client as they are written
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrors()));
        });
        routes();
    }

    /**
     * Loads the model and starts listening.
     *
     * @param model an ONNX encoder (.onnx file or folder with model.onnx + tokenizer.json) or a decoder folder
     * @throws IllegalArgumentException when the model cannot be served, naming the file and what to do
     * @throws UncheckedIOException     when the address cannot be bound (for example the port is taken)
     */
    public static ModelServer start(Path model, ServeOptions options) throws IOException {
        if (model == null || !Files.exists(model)) {
            throw new IllegalArgumentException("--model " + model + " does not exist; give an ONNX encoder folder or a decoder folder");
        }
        ModelServer server = new ModelServer(model, options);
        try {
            server.app.start(options.host(), options.port());
            for (Connector connector : server.app.jettyServer().server().getConnectors()) {
                if (connector instanceof AbstractConnector c) { // a client that goes silent is not waited for longer than a request may take
                    c.setIdleTimeout(Math.min(c.getIdleTimeout(), options.timeout().toMillis()));
                }
            }
        } catch (RuntimeException e) {
            server.closeModels();
            String message = "cannot listen on " + options.host() + ":" + options.port() + " (" + rootMessage(e) + "); "
                    + (badHost(e) ? "--host " + options.host() + " is not an address of this machine; give one that is, e.g. 127.0.0.1 "
                            + "(this machine only) or 0.0.0.0 (every interface)" : "is the port taken? choose another with --port");
            throw new UncheckedIOException(message, new IOException(message, e));
        }
        return server;
    }

    /** The folder's (or file's) name without an .onnx extension: what clients send as {@code model}. */
    static String defaultName(Path model) {
        String name = model.toAbsolutePath().normalize().getFileName().toString();
        return name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
    }

    public int port() {
        return app.port();
    }

    public String modelName() {
        return modelName;
    }

    /** "encoder" or "decoder". */
    public String kind() {
        return encoder != null ? "encoder" : "decoder";
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    private void routes() {
        route(HandlerType.GET, "/health", ctx -> json(ctx, 200, JsonNodeFactory.instance.objectNode().put("status", draining ? "stopping" : "ok")
                .put("model", modelName).put("kind", kind())));
        route(HandlerType.GET, "/metrics", ctx -> send(ctx, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.render().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        route(HandlerType.GET, "/v1/models", ctx -> {
            ObjectNode root = JsonNodeFactory.instance.objectNode().put("object", "list");
            com.fasterxml.jackson.databind.node.ArrayNode data = root.putArray("data");
            data.addObject().put("id", modelName).put("object", "model").put("created", 0).put("owned_by", "lowrank4j");
            for (String adapter : decoder == null ? java.util.List.<String>of() : decoder.adapterNames()) {
                data.addObject().put("id", adapter).put("object", "model").put("created", 0).put("owned_by", "lowrank4j").put("parent", modelName);
            }
            json(ctx, 200, root);
        });
        EmbeddingsRoute embeddings = encoder == null ? null : new EmbeddingsRoute(encoder, modelName, options.maxInputs(), metrics);
        CompletionsRoute completions = decoder == null ? null : new CompletionsRoute(decoder, modelName, options.maxNewTokens(), metrics);
        route(HandlerType.POST, EMBEDDINGS, ctx -> {
            RequestBody body = body(ctx);
            if (embeddings == null) {
                throw unsupported(EMBEDDINGS);
            }
            json(ctx, 200, embeddings.answer(body));
        });
        for (String path : new String[] {COMPLETIONS, CHAT}) {
            route(HandlerType.POST, path, ctx -> {
                RequestBody body = body(ctx);
                if (completions == null) {
                    throw unsupported(path);
                }
                ObjectNode whole = completions.answer(body, path.equals(CHAT), () -> eventStream(ctx));
                if (whole != null) {
                    json(ctx, 200, whole);
                }
            });
        }
        // vLLM's routes for adapters at run time: {"lora_name", "lora_path"} and {"lora_name"}
        route(HandlerType.POST, LOAD_ADAPTER, ctx -> {
            RequestBody body = body(ctx);
            String name = requireAdapterLoading(LOAD_ADAPTER, body);
            String path = body.string("lora_path", null);
            if (path == null || path.isBlank()) {
                throw ApiError.badRequest("missing_lora_path", "'lora_path' is missing; give the PEFT adapter folder on the server's machine");
            }
            if (name.equals(modelName)) {
                throw ApiError.badRequest("invalid_value", "'" + name + "' is the base model's name; give the adapter another name");
            }
            java.nio.file.Path folder;
            try {
                folder = java.nio.file.Path.of(path);
            } catch (java.nio.file.InvalidPathException e) {
                throw ApiError.badRequest("invalid_value", "'lora_path' is not a path on this machine (" + e.getMessage() + "); give the adapter's folder");
            }
            try {
                decoder.load(name, folder);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("invalid_adapter", e.getMessage());
            } catch (IOException e) {
                throw ApiError.badRequest("invalid_adapter", "adapter '" + name + "' (" + path + ") cannot be read: " + rootMessage(e));
            }
            json(ctx, 200, JsonNodeFactory.instance.objectNode().put("status", "loaded").put("id", name).put("parent", modelName));
        });
        route(HandlerType.POST, UNLOAD_ADAPTER, ctx -> {
            String name = requireAdapterLoading(UNLOAD_ADAPTER, body(ctx));
            try {
                decoder.unload(name);
            } catch (IllegalArgumentException e) {
                throw new ApiError(404, "model_not_found", e.getMessage());
            }
            json(ctx, 200, JsonNodeFactory.instance.objectNode().put("status", "unloaded").put("id", name));
        });
        // Javalin's own answers (unknown path 404, wrong method 405) in the OpenAI shape
        app.exception(HttpResponseException.class, (e, ctx) -> {
            String code = e.getStatus() == 404 ? "not_found" : e.getStatus() == 405 ? "method_not_allowed" : "http_" + e.getStatus();
            String message = e.getStatus() == 404 ? "no route " + ctx.method() + " " + ctx.path() + "; this server answers " + served()
                    : e.getStatus() == 405 ? ctx.path() + " does not take " + ctx.method() + "; use " + (ctx.path().startsWith("/v1/") ? "POST" : "GET")
                    : e.getMessage();
            json(ctx, e.getStatus(), new ApiError(e.getStatus(), code, message).body());
            metrics.request("other", e.getStatus(), 0);
        });
    }

    /**
     * Jetty's own answers to requests it refuses before any route sees them (a URI or headers too long, a malformed request
     * line or Content-Length) in the OpenAI error shape rather than its HTML page.
     */
    static final class JsonErrors extends ErrorHandler {
        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/json");
            return ByteBuffer.wrap(bytes(error(status, reason).body()));
        }

        @Override
        protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response, int code,
                String message) throws IOException {
            baseRequest.setHandled(true);
            byte[] bytes = bytes(error(code, message).body());
            response.setContentType("application/json");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }

        private static ApiError error(int status, String reason) {
            String what = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
            return switch (status) {
                case 414 -> new ApiError(status, "uri_too_long", "the request URI is too long (" + what + "); the routes here are short paths");
                case 431 -> new ApiError(status, "headers_too_large", "the request headers are too large (" + what + "); send the request in the body");
                default -> new ApiError(status, status == 408 ? "request_timeout" : status >= 500 ? "server_error" : "bad_request",
                        "the HTTP request cannot be read: " + what);
            };
        }
    }

    /** The adapter name a load or unload request gives, once the server allows them. */
    private String requireAdapterLoading(String path, RequestBody body) {
        if (decoder == null) {
            throw unsupported(path);
        }
        if (!options.adapterLoading()) {
            throw new ApiError(404, "adapter_loading_disabled", path + " is off; start the server with --allow-adapter-loading to attach and"
                    + " detach adapters while it runs");
        }
        String name = body.string("lora_name", null);
        if (name == null || name.isBlank()) {
            throw ApiError.badRequest("missing_lora_name", "'lora_name' is missing; give the name requests will use in 'model'");
        }
        return name;
    }

    private String served() {
        String adapters = decoder != null && options.adapterLoading() ? ", POST " + LOAD_ADAPTER + ", POST " + UNLOAD_ADAPTER : "";
        return (encoder != null ? "POST " + EMBEDDINGS : "POST " + COMPLETIONS + ", POST " + CHAT) + adapters + ", GET /health, GET /metrics, GET /v1/models";
    }

    private ApiError unsupported(String path) {
        return new ApiError(404, "unsupported_route", "this server serves the " + kind() + " '" + modelName + "', which does not answer " + path
                + "; it answers " + served());
    }

    private RequestBody body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > options.maxBodyBytes() && "100-continue".equalsIgnoreCase(ctx.header("Expect"))) {
            // the client waits for a go-ahead that reading would send: refuse before it sends anything
            throw RequestBody.tooLarge(Long.toString(declared), options.maxBodyBytes());
        }
        try {
            return RequestBody.read(ctx.req().getInputStream(), declared, options.maxBodyBytes(), options.timeout());
        } catch (BadMessageException e) { // Jetty's own refusal of the body: a broken chunked encoding, say
            throw new ApiError(e.getCode(), "invalid_body", "the request body cannot be read: " + e.getReason());
        } catch (UncheckedIOException e) {
            for (Throwable cause = e; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
                if (cause instanceof BadMessageException bad) {
                    throw new ApiError(bad.getCode(), "invalid_body", "the request body cannot be read: " + bad.getReason());
                }
                if (cause instanceof EofException) {
                    // the client stopped sending (or sent a broken chunk); it may still be reading, and if not, nothing is lost
                    throw ApiError.badRequest("invalid_body", (declared >= 0 ? "the request body ended before the " + declared
                            + " bytes of its Content-Length" : "the request body ended early or has a broken chunk") + "; send the whole body");
                }
            }
            throw e;
        }
    }

    /** Registers a handler that counts, times, refuses work while stopping, and turns failures into JSON errors. */
    private void route(HandlerType method, String path, io.javalin.http.Handler handler) {
        app.addHttpHandler(method, path, ctx -> {
            long start = System.nanoTime();
            int streamedStatus = 0; // a stream that ended in an error event counts under that error's status
            metrics.enter();
            try {
                if (draining && !path.equals("/health") && !path.equals("/metrics")) {
                    throw new ApiError(503, "shutting_down", "the server is stopping; it takes no new requests");
                }
                handler.handle(ctx);
            } catch (ApiError e) {
                fail(ctx, e);
            } catch (CompletionsRoute.StreamedError e) { // the 200 was sent; the error event is in the stream
                streamedStatus = e.error().status();
            } catch (UncheckedIOException e) {
                ctx.status(499); // the client closed the connection; nothing more can be sent
            } catch (Exception e) {
                fail(ctx, new ApiError(500, "internal_error", "the server failed: " + rootMessage(e)));
            } finally {
                metrics.leave();
                metrics.request(path, streamedStatus != 0 ? streamedStatus : ctx.statusCode(), (System.nanoTime() - start) / 1e9);
            }
        });
    }

    private static void fail(Context ctx, ApiError e) {
        if (!ctx.res().isCommitted()) {
            try {
                json(ctx, e.status(), e.body());
            } catch (UncheckedIOException gone) {
                ctx.status(499); // the client went away before it could read the error
            }
        }
    }

    /**
     * Writes a JSON answer and closes the body before the handler returns, so that a request counted as finished has
     * been answered in full (a graceful stop waits for exactly these).
     */
    private static void json(Context ctx, int status, ObjectNode body) {
        send(ctx, status, "application/json", bytes(body));
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return RequestBody.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON answer", e);
        }
    }

    private static void send(Context ctx, int status, String contentType, byte[] bytes) {
        ctx.status(status);
        ctx.res().setContentType(contentType);
        ctx.res().setContentLength(bytes.length);
        try (OutputStream out = ctx.res().getOutputStream()) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("the client went away before the answer was sent", e);
        }
    }

    private static OutputStream eventStream(Context ctx) {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        try {
            OutputStream out = ctx.res().getOutputStream();
            ctx.res().flushBuffer();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("the client went away before the stream began", e);
        }
    }

    /**
     * Stops gracefully: no new connections are accepted and new requests on open ones get 503, requests in flight
     * finish (up to the stop timeout), then the server and the model are closed. Safe to call more than once.
     */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                awaitStopped();
                return;
            }
            stopping = true;
        }
        draining = true;
        try { // whatever fails here, the stop ends: awaitStopped() must return
            for (Connector connector : app.jettyServer().server().getConnectors()) {
                if (connector instanceof NetworkConnector network) {
                    network.close(); // stop accepting; open connections stay
                }
            }
            long deadline = System.nanoTime() + options.stopTimeout().toNanos();
            while (metrics.inFlight() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            app.stop();
        } finally {
            closeModels();
            stopped.countDown();
        }
    }

    /** Blocks until {@link #stop()} has finished. */
    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void closeModels() {
        if (encoder != null) {
            encoder.close();
        }
        if (decoder != null) {
            decoder.close();
        }
    }

    private static Throwable root(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = root(e);
        if (root instanceof java.nio.channels.UnresolvedAddressException) {
            return "no such host"; // it has no message, and its class name is no help to a user
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Whether binding failed on the address rather than the port: a name that does not resolve, or an IP this machine lacks. */
    private static boolean badHost(Throwable e) {
        Throwable root = root(e);
        return root instanceof java.nio.channels.UnresolvedAddressException || root instanceof java.net.UnknownHostException
                || root instanceof java.net.BindException && root.getMessage() != null && root.getMessage().contains("assign requested address");
    }
}
