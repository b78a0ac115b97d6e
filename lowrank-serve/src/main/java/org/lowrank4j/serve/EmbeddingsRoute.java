package org.lowrank4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.lowrank4j.serve.embed.EncoderModel;

/**
 * {@code POST /v1/embeddings}: {@code input} is a string or an array of strings; the answer is
 * {@code {"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage":{"prompt_tokens","total_tokens"}}},
 * each embedding a unit vector of floats, or base64 of little-endian float32 when {@code encoding_format} is
 * {@code base64}.
 */
final class EmbeddingsRoute {
    private final EncoderModel encoder;
    private final String modelName;
    private final int maxInputs;
    private final ServerMetrics metrics;

    EmbeddingsRoute(EncoderModel encoder, String modelName, int maxInputs, ServerMetrics metrics) {
        this.encoder = encoder;
        this.modelName = modelName;
        this.maxInputs = maxInputs;
        this.metrics = metrics;
    }

    ObjectNode answer(RequestBody body) {
        body.requireModel(modelName);
        List<String> texts = inputs(body.field("input"));
        String format = body.string("encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiError.badRequest("invalid_value", "'encoding_format' must be float or base64, got " + format);
        }
        EncoderModel.Embeddings result = encoder.embed(texts);
        int width = result.vectors().length == 0 ? 0 : result.vectors()[0].length;
        long dimensions = body.integer("dimensions", width, 1, Integer.MAX_VALUE);
        if (dimensions != width) {
            throw ApiError.badRequest("invalid_value", "'dimensions' is " + dimensions + " but this model's embeddings have " + width
                    + "; leave it out");
        }
        metrics.promptTokens(result.promptTokens());
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < result.vectors().length; i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            float[] vector = result.vectors()[i];
            if (format.equals("base64")) {
                ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(vector);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vector) {
                    values.add(v);
                }
            }
        }
        root.put("model", modelName);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", result.promptTokens());
        usage.put("total_tokens", result.promptTokens());
        return root;
    }

    private List<String> inputs(JsonNode input) {
        if (input == null) {
            throw ApiError.badRequest("missing_input", "'input' is missing; give a string or an array of strings");
        }
        List<String> texts = new ArrayList<>();
        if (input.isTextual()) {
            texts.add(input.asText());
        } else if (input.isArray()) {
            if (input.isEmpty()) {
                throw ApiError.badRequest("invalid_input", "'input' is an empty array; give at least one string");
            }
            if (input.size() > maxInputs) {
                throw ApiError.badRequest("too_many_inputs", "'input' has " + input.size() + " strings; this server takes at most "
                        + maxInputs + " per request (--max-inputs)");
            }
            for (int i = 0; i < input.size(); i++) {
                if (!input.get(i).isTextual()) {
                    throw ApiError.badRequest("invalid_input", "input[" + i + "] is " + RequestBody.kind(input.get(i))
                            + "; only strings are served (token arrays are not)");
                }
                texts.add(input.get(i).asText());
            }
        } else {
            throw ApiError.badRequest("invalid_input", "'input' must be a string or an array of strings, got " + RequestBody.kind(input));
        }
        return texts;
    }
}
