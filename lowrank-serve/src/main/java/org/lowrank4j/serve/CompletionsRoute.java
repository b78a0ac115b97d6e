package org.lowrank4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.lowrank4j.serve.generate.ChatPrompt;
import org.lowrank4j.serve.generate.DecoderModel;

/**
 * {@code POST /v1/completions} ({@code prompt}) and {@code POST /v1/chat/completions} ({@code messages}, see
 * {@link ChatPrompt}), answered whole or, with {@code stream: true}, as server-sent events: {@code data: {chunk}} lines
 * and a final {@code data: [DONE]}. Honoured: {@code max_tokens} (chat also {@code max_completion_tokens}),
 * {@code temperature} (0 is greedy), {@code top_p}, {@code seed}, {@code stop} (a string or up to 4),
 * {@code stream_options.include_usage}; {@code n} must be 1. Other OpenAI fields are accepted and ignored. {@code model}
 * names the base or one of the LoRA adapters served over it (the base when left out); answers carry the name asked for.
 */
final class CompletionsRoute {
    /** OpenAI's default {@code max_tokens} for text completions. */
    private static final int COMPLETIONS_DEFAULT_TOKENS = 16;

    private final DecoderModel decoder;
    private final String modelName;
    private final int maxNewTokens;
    private final ServerMetrics metrics;

    CompletionsRoute(DecoderModel decoder, String modelName, int maxNewTokens, ServerMetrics metrics) {
        this.decoder = decoder;
        this.modelName = modelName;
        this.maxNewTokens = maxNewTokens;
        this.metrics = metrics;
    }

    /** What a parsed request asks for, and how to answer. */
    private record Call(String model, DecoderModel.Request request, boolean chat, boolean stream, boolean usageInStream, String id, long created) {
    }

    /**
     * Answers a request: returns the JSON for a whole answer, or null after streaming it to {@code exchange}.
     */
    ObjectNode answer(RequestBody body, boolean chat, Exchange exchange) {
        Call call = parse(body, chat);
        decoder.encodePrompt(call.request().prompt()); // a prompt over the limits is a 400 before any byte is streamed
        if (!call.stream()) {
            DecoderModel.Completion done = decoder.complete(call.request(), null);
            count(call, done);
            return whole(call, done);
        }
        LazyStream stream = new LazyStream(exchange, call);
        DecoderModel.Completion done;
        try {
            done = decoder.complete(call.request(), delta -> send(stream.out(), piece(call, delta, null)));
        } catch (ApiError e) {
            if (!stream.started()) {
                throw e; // nothing sent yet: a plain JSON error with its status
            }
            send(stream.out(), e.body()); // the status line is gone: the error travels as an event
            sendRaw(stream.out(), "[DONE]");
            close(stream.out());
            throw new StreamedError(e);
        }
        OutputStream out = stream.out();
        count(call, done);
        send(out, piece(call, null, done.finishReason()));
        if (call.usageInStream()) {
            ObjectNode last = chunk(call);
            last.putArray("choices");
            last.set("usage", usage(done));
            send(out, last);
        }
        sendRaw(out, "[DONE]");
        close(out);
        return null;
    }

    private Call parse(RequestBody body, boolean chat) {
        List<String> models = new ArrayList<>(List.of(modelName)); // the base's name, then its adapters' (they may come and go)
        models.addAll(decoder.adapterNames());
        String model = body.chooseModel(models);
        String prompt = chat ? ChatPrompt.of(body.field("messages")) : prompt(body.field("prompt"));
        long fallback = chat ? Math.min(maxNewTokens, Math.max(1, decoder.maxPositions() - 1)) : Math.min(COMPLETIONS_DEFAULT_TOKENS, maxNewTokens);
        long maxTokens = body.integer("max_tokens", fallback, 1, maxNewTokens);
        if (chat) {
            maxTokens = body.integer("max_completion_tokens", maxTokens, 1, maxNewTokens);
        }
        double temperature = body.number("temperature", 1.0, 0, 2);
        double topP = body.number("top_p", 1.0, Double.MIN_VALUE, 1);
        long seed = body.integer("seed", System.nanoTime(), Long.MIN_VALUE, Long.MAX_VALUE);
        long n = body.integer("n", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        if (n != 1) {
            throw ApiError.badRequest("invalid_value", "'n' must be 1 here (one choice per request), got " + n);
        }
        boolean stream = body.bool("stream", false);
        JsonNode options = body.field("stream_options");
        if (options != null && !options.isObject()) {
            throw ApiError.badRequest("invalid_type", "'stream_options' must be an object such as {\"include_usage\": true}, got "
                    + RequestBody.kind(options));
        }
        JsonNode includeUsage = options == null ? null : options.get("include_usage");
        if (includeUsage != null && !includeUsage.isNull() && !includeUsage.isBoolean()) {
            throw ApiError.badRequest("invalid_type", "'stream_options.include_usage' must be true or false, got " + RequestBody.kind(includeUsage));
        }
        boolean usage = includeUsage != null && includeUsage.asBoolean(false);
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        String adapter = model.equals(modelName) ? null : model;
        DecoderModel.Request request = new DecoderModel.Request(adapter, prompt, (int) maxTokens, temperature, topP, seed, stops(body.field("stop")));
        return new Call(model, request, chat, stream, usage, id, System.currentTimeMillis() / 1000);
    }

    private static String prompt(JsonNode prompt) {
        if (prompt == null) {
            throw ApiError.badRequest("missing_prompt", "'prompt' is missing; give the text to continue");
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return prompt.get(0).asText();
        }
        if (!prompt.isTextual()) {
            throw ApiError.badRequest("invalid_prompt", "'prompt' must be a string (or an array of one string), got " + RequestBody.kind(prompt));
        }
        return prompt.asText();
    }

    private static List<String> stops(JsonNode stop) {
        List<String> stops = new ArrayList<>();
        if (stop == null) {
            return stops;
        }
        if (stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= 4) {
            stop.forEach(s -> stops.add(s.isTextual() ? s.asText() : ""));
        } else {
            throw ApiError.badRequest("invalid_stop", "'stop' must be a string or an array of up to 4 strings");
        }
        if (stops.contains("")) {
            throw ApiError.badRequest("invalid_stop", "'stop' strings must be non-empty strings");
        }
        return stops;
    }

    private void count(Call call, DecoderModel.Completion done) {
        metrics.completion(call.model());
        metrics.promptTokens(done.promptTokens());
        metrics.completionTokens(done.completionTokens());
    }

    private ObjectNode whole(Call call, DecoderModel.Completion done) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("id", call.id());
        root.put("object", call.chat() ? "chat.completion" : "text_completion");
        root.put("created", call.created());
        root.put("model", call.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (call.chat()) {
            choice.putObject("message").put("role", "assistant").put("content", done.text());
        } else {
            choice.put("text", done.text());
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", done.finishReason());
        root.set("usage", usage(done));
        return root;
    }

    private ObjectNode chunk(Call call) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("id", call.id());
        root.put("object", call.chat() ? "chat.completion.chunk" : "text_completion");
        root.put("created", call.created());
        root.put("model", call.model());
        return root;
    }

    /** A chunk with a text delta, or (delta null) the closing one with the finish reason. */
    private ObjectNode piece(Call call, String delta, String finish) {
        ObjectNode root = chunk(call);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (call.chat()) {
            ObjectNode d = choice.putObject("delta");
            if (delta != null) {
                d.put("content", delta);
            }
        } else {
            choice.put("text", delta == null ? "" : delta);
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finish);
        return root;
    }

    private static ObjectNode usage(DecoderModel.Completion done) {
        ObjectNode usage = JsonNodeFactory.instance.objectNode();
        usage.put("prompt_tokens", done.promptTokens());
        usage.put("completion_tokens", done.completionTokens());
        usage.put("total_tokens", done.promptTokens() + done.completionTokens());
        return usage;
    }

    private static void send(OutputStream out, ObjectNode event) {
        try {
            sendRaw(out, RequestBody.JSON.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an event", e);
        }
    }

    private static void sendRaw(OutputStream out, String data) {
        try {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the client went away during the stream", e);
        }
    }

    /**
     * The event stream, begun at the first text delta (or at the end): a request still waiting for its turn at the
     * model has sent nothing, so a refusal can still carry its own status. A chat stream opens with the role chunk.
     */
    private final class LazyStream {
        private final Exchange exchange;
        private final Call call;
        private OutputStream out;

        LazyStream(Exchange exchange, Call call) {
            this.exchange = exchange;
            this.call = call;
        }

        boolean started() {
            return out != null;
        }

        OutputStream out() {
            if (out == null) {
                out = exchange.startEventStream();
                if (call.chat()) {
                    ObjectNode first = chunk(call);
                    ObjectNode choice = first.putArray("choices").addObject();
                    choice.put("index", 0);
                    choice.putObject("delta").put("role", "assistant").put("content", "");
                    choice.putNull("finish_reason");
                    send(out, first);
                }
            }
            return out;
        }
    }

    /** Ends the chunked body, so that the answer is complete before the request counts as finished. */
    private static void close(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("the client went away at the end of the stream", e);
        }
    }

    /** Where a streamed answer goes: the route asks for the event stream only once it knows the request is valid. */
    interface Exchange {
        /** Sends the 200 status and event-stream headers; returns the body stream. */
        OutputStream startEventStream();
    }

    /** An error that was reported inside a stream that had already begun (status 200 sent). */
    static final class StreamedError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final ApiError error;

        StreamedError(ApiError error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }

        ApiError error() {
            return error;
        }
    }
}
