package org.lowrank4j.formats.safetensors;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.io.MessageText;

/**
 * Named tensors read from safetensors: one file ({@link SafetensorsFile}) or a model split into shards
 * ({@link SafetensorsModel}). Reads convert any numeric element type to float or double; a failing read of an
 * open file surfaces as {@link java.io.UncheckedIOException}. Reads refuse a floating-point tensor that holds NaN or
 * infinities ({@link org.lowrank4j.formats.io.FiniteValues}), so no command computes with a damaged model.
 */
public interface TensorSource extends Closeable {

    /** The file or index this was opened from. */
    Path path();

    /** Every tensor name, sorted. */
    List<String> names();

    /** Whether a tensor of this name exists. */
    boolean contains(String name);

    /**
     * The header entry of a tensor.
     *
     * @throws IllegalArgumentException when there is no such tensor (naming it and the file)
     */
    TensorInfo info(String name);

    /** Free-form string metadata ({@code __metadata__} of a file, {@code metadata} of an index); may be empty. */
    Map<String, String> metadata();

    /**
     * The tensor's elements in row-major order, converted to float (exactly for F16, BF16 and the 8-bit floats;
     * F64 and wide integers are rounded).
     *
     * @throws IllegalArgumentException when there is no such tensor, it has more elements than a Java array holds,
     *                                  or it holds non-finite values
     */
    float[] readFloats(String name);

    /**
     * The tensor's elements in row-major order, converted to double (exactly, except integers beyond 2^53).
     *
     * @throws IllegalArgumentException when there is no such tensor, it has more elements than a Java array holds,
     *                                  or it holds non-finite values
     */
    double[] readDoubles(String name);

    /**
     * Checks a tensor's shape against what the caller (a model config, a layer) expects.
     *
     * @return the tensor's header entry
     * @throws IllegalArgumentException naming the tensor, the expected and the actual shape when they differ, or
     *                                  when the tensor is missing
     */
    default TensorInfo requireShape(String name, long... expected) {
        TensorInfo info = info(name);
        if (!info.hasShape(expected)) {
            throw new IllegalArgumentException("tensor " + MessageText.quoted(name) + " in " + path() + " has shape "
                    + Arrays.toString(info.shape()) + " but " + Arrays.toString(expected) + " was expected");
        }
        return info;
    }

    /** {@link #readFloats} after {@link #requireShape}. */
    default float[] readFloats(String name, long... expectedShape) {
        requireShape(name, expectedShape);
        return readFloats(name);
    }

    /** Releases the file channels; mapped buffers already handed out stay valid until collected. */
    @Override
    void close();
}
