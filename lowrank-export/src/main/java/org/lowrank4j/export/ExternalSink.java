package org.lowrank4j.export;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * An ONNX external-data file written while the graph is built: each large float initializer goes straight to the file
 * and the graph keeps only a reference (location, offset, length), so no second copy of the weights is ever held in
 * memory. Offsets are aligned to 64 bytes, as {@code OnnxModel}'s own external writer aligns them.
 */
final class ExternalSink implements Closeable {
    /** Initializers smaller than this stay in the graph. */
    static final int MIN_BYTES = 1024;
    private static final int ALIGNMENT = 64;
    private final OutputStream out;
    private final String location;
    private final ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    private ExternalSink(OutputStream out, String location) {
        this.out = out;
        this.location = location;
    }

    /** A new file {@code file}, which the graph will name as {@code location} (relative to the model file). */
    static ExternalSink create(Path file, String location) throws IOException {
        return new ExternalSink(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20), location);
    }

    /** Writes {@code values} (float32, little-endian) and returns the initializer that refers to them. */
    TensorProto write(String name, long[] dims, float[] values) throws IOException {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape needs " + count + " values, got " + values.length);
        }
        long start = align();
        for (int i = 0; i < values.length; ) {
            chunk.clear();
            int n = Math.min(values.length - i, chunk.capacity() / 4);
            chunk.asFloatBuffer().put(values, i, n);
            out.write(chunk.array(), 0, n * 4);
            i += n;
        }
        position += 4L * values.length;
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        return reference(t, start, 4L * values.length);
    }

    /** Moves every initializer of {@code model} that still holds at least {@link #MIN_BYTES} raw bytes into the file. */
    void moveInline(OnnxModel model) throws IOException {
        List<TensorProto> initializers = List.copyOf(model.graph().getInitializerList());
        for (TensorProto t : initializers) {
            if (!t.hasRawData() || t.getRawData().size() < MIN_BYTES) {
                continue;
            }
            long start = align();
            t.getRawData().writeTo(out);
            position += t.getRawData().size();
            model.putInitializer(reference(t.toBuilder().clearRawData(), start, t.getRawData().size()));
        }
    }

    /** Bytes written so far, padding included. */
    long bytes() {
        return position;
    }

    private long align() throws IOException {
        int padding = (int) ((ALIGNMENT - position % ALIGNMENT) % ALIGNMENT);
        out.write(new byte[padding]);
        position += padding;
        return position;
    }

    private TensorProto reference(TensorProto.Builder t, long offset, long length) {
        return t.setDataLocation(TensorProto.DataLocation.EXTERNAL).addExternalData(entry("location", location))
                .addExternalData(entry("offset", Long.toString(offset))).addExternalData(entry("length", Long.toString(length))).build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
