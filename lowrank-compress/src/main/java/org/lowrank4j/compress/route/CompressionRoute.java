package org.lowrank4j.compress.route;

import java.io.IOException;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;

/**
 * One way a model gets compressed (per-site on an ONNX file, on the JVM runtime's copy of an ONNX encoder, a decoder
 * model folder, …). {@link Compression} asks each route in turn whether it takes a request; adding a route is a new
 * class and one line in {@link Compression#ROUTES}, nothing in the command line.
 */
public interface CompressionRoute {

    /** Whether this route compresses the request's model with the request's method. */
    boolean handles(CompressionRequest request);

    /** Whether this route reads {@code --labels} (the task loss of a method that needs gradients) for the request. */
    default boolean readsLabels(CompressionRequest request) {
        return false;
    }

    /**
     * Compresses and writes the model to {@code request.out()} (the caller has checked the outputs and writes the
     * record after). Options that do not apply to this route are refused, naming them.
     *
     * @throws IllegalArgumentException for a user mistake, with one line saying what to do
     */
    CompressionOutcome compress(CompressionRequest request, Listener listener) throws IOException;
}
