package org.lowrank4j.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server answers with an error, in the OpenAI shape {@code {"error":{"message","type","code"}}}:
 * {@code invalid_request_error} for the client's mistakes (4xx), {@code server_error} for the server's (5xx).
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public ApiError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** 400: the request is malformed or names a value outside what the server accepts. */
    public static ApiError badRequest(String code, String message) {
        return new ApiError(400, code, message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** {@code invalid_request_error} for 4xx, {@code server_error} otherwise. */
    public String type() {
        return status >= 400 && status < 500 ? "invalid_request_error" : "server_error";
    }

    /** The JSON body. */
    public ObjectNode body() {
        return body(getMessage(), type(), code);
    }

    static ObjectNode body(String message, String type, String code) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", (String) null);
        error.put("code", code);
        return root;
    }
}
