package org.lowrank4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * A request's JSON object, read with a size limit, and typed access to its fields; every mistake is an
 * {@link ApiError} 400 (413 for a body over the limit) that names the field.
 */
public final class RequestBody {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /**
     * A body over the limit is still read and dropped, up to the larger of this many times the limit and
     * {@link #DRAIN_FLOOR} bytes, so that the client reads the 413 rather than a reset: a server that closes with unread
     * bytes in its socket makes the connection reset, and a client still sending may then never see the answer.
     */
    private static final int DRAIN_FACTOR = 8;
    private static final long DRAIN_FLOOR = 16L << 20;

    private final JsonNode root;

    private RequestBody(JsonNode root) {
        this.root = root;
    }

    /**
     * Reads and parses a body of at most {@code maxBytes}, which must arrive within {@code timeout}.
     *
     * @param declaredLength the Content-Length header, or -1
     * @throws ApiError 400 for a body that is not a JSON object, 413 over the limit, 408 for one that stops arriving or
     *                  comes too slowly to end within the timeout
     */
    public static RequestBody read(InputStream in, long declaredLength, long maxBytes, Duration timeout) {
        byte[] bytes = readBounded(in, declaredLength, maxBytes, timeout);
        if (bytes.length == 0) {
            throw ApiError.badRequest("invalid_json", "the request body is empty; send a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.badRequest("invalid_json", "the request body cannot be read as JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("invalid_json", "the request body must be a JSON object");
        }
        return new RequestBody(node);
    }

    private static byte[] readBounded(InputStream in, long declaredLength, long maxBytes, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declaredLength, 256), maxBytes));
        byte[] buffer = new byte[8192];
        long total = 0, drainLimit = Math.max(maxBytes * DRAIN_FACTOR, DRAIN_FLOOR);
        // each read waits at most the connection's idle timeout; this bounds a client that sends a byte now and then
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (total <= maxBytes) {
                    out.write(buffer, 0, n);
                } else if (total > drainLimit) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new ApiError(408, "request_timeout", "the request body did not arrive within " + timeout.toSeconds() + " s (--timeout): "
                            + total + (declaredLength >= 0 ? " of " + declaredLength : "") + " bytes came; send it at once");
                }
            }
        } catch (IOException e) {
            if (causedBy(e, TimeoutException.class)) { // the connection's idle timeout: the client is there but sends nothing
                throw new ApiError(408, "request_timeout", "the request body stopped arriving: " + total + (declaredLength >= 0 ? " of "
                        + declaredLength : "") + " bytes came, then nothing; send the whole body");
            }
            throw new UncheckedIOException("cannot read the request body", e);
        }
        if (total > maxBytes) {
            throw tooLarge(declaredLength > 0 ? Long.toString(declaredLength) : total + "+", maxBytes);
        }
        return out.toByteArray();
    }

    /** The 413 for a body of {@code length} bytes. */
    static ApiError tooLarge(String length, long maxBytes) {
        return new ApiError(413, "body_too_large", "the request body has " + length + " bytes; this server takes at most " + maxBytes
                + " (--max-body-bytes)");
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> kind) {
        for (Throwable cause = e; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (kind.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    public JsonNode root() {
        return root;
    }

    /** The field, or null when it is absent or JSON null. */
    public JsonNode field(String name) {
        JsonNode value = root.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /** A string field, or {@code fallback} when absent. */
    public String string(String name, String fallback) {
        JsonNode value = field(name);
        if (value == null) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw ApiError.badRequest("invalid_type", "'" + name + "' must be a string, got " + kind(value));
        }
        return value.asText();
    }

    /** A number field in [min, max], or {@code fallback} when absent. */
    public double number(String name, double fallback, double min, double max) {
        JsonNode value = field(name);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw ApiError.badRequest("invalid_type", "'" + name + "' must be a number, got " + kind(value));
        }
        double v = value.asDouble();
        if (!(v >= min && v <= max)) {
            // Double.MIN_VALUE as the least value means "more than 0"
            String range = (min == Double.MIN_VALUE ? "(0" : "[" + plain(min)) + ", " + plain(max) + "]";
            throw ApiError.badRequest("invalid_value", "'" + name + "' must be in " + range + ", got " + value);
        }
        return v;
    }

    /** An integer field in [min, max], or {@code fallback} when absent. */
    public long integer(String name, long fallback, long min, long max) {
        JsonNode value = field(name);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber()) {
            throw ApiError.badRequest("invalid_type", "'" + name + "' must be an integer, got " + (value.isNumber() ? value.toString() : kind(value)));
        }
        if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
            throw ApiError.badRequest("invalid_value", "'" + name + "' must be in [" + min + ", " + max + "], got " + value);
        }
        return value.asLong();
    }

    /** A boolean field, or {@code fallback} when absent. */
    public boolean bool(String name, boolean fallback) {
        JsonNode value = field(name);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw ApiError.badRequest("invalid_type", "'" + name + "' must be true or false, got " + kind(value));
        }
        return value.asBoolean();
    }

    /**
     * Checks the {@code model} field: absent, or the served model's name.
     *
     * @throws ApiError 404 {@code model_not_found} otherwise
     */
    public void requireModel(String served) {
        chooseModel(List.of(served));
    }

    /**
     * The model a request names among those served (the first when it names none).
     *
     * @throws ApiError 404 {@code model_not_found} for a name not served, listing those that are
     */
    public String chooseModel(List<String> served) {
        String asked = string("model", null);
        if (asked == null) {
            return served.get(0);
        }
        if (!served.contains(asked)) {
            String names = served.size() == 1 ? "'" + served.get(0) + "' (send that name in 'model', or leave 'model' out)"
                    : "'" + String.join("', '", served) + "' (send one of them in 'model'; without 'model' the first answers)";
            throw new ApiError(404, "model_not_found", "the model '" + asked + "' does not exist here; this server serves " + names);
        }
        return asked;
    }

    /** A bound as people write it: 2 rather than 2.0. */
    private static String plain(double bound) {
        return bound == Math.rint(bound) && Math.abs(bound) < 1e15 ? Long.toString((long) bound) : Double.toString(bound);
    }

    static String kind(JsonNode value) {
        return value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
