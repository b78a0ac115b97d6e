package org.lowrank4j.formats.onnx;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Writes one ONNX external-data file: tensor bytes go to the file at offsets aligned to {@link ExternalData#ALIGNMENT},
 * and the tensors keep only a reference ({@code location}, {@code offset}, {@code length}). It serves both ways of
 * filling the file: {@link OnnxModel#write(Path, String, long)} moves a finished graph's large {@code raw_data} out, and
 * a builder that streams its weights ({@link #floats}) never holds them in the graph at all.
 */
public final class ExternalDataWriter implements Closeable {
    private final OutputStream out;
    private final boolean owned;
    private final String location;
    private final ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    ExternalDataWriter(OutputStream out, String location, boolean owned) {
        this.out = out;
        this.location = location;
        this.owned = owned;
    }

    /** A new file {@code file}, which the model will name as {@code location} (relative to the model file). */
    public static ExternalDataWriter create(Path file, String location) throws IOException {
        return new ExternalDataWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20), location, true);
    }

    /** Writes {@code values} as float32 (little-endian) and returns the initializer that refers to them. */
    public TensorProto floats(String name, long[] dims, float[] values) throws IOException {
        long count = OnnxTensors.elementCount(dims);
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

    /** Moves the {@code raw_data} of every initializer of {@code model} of at least {@code minBytes} bytes into the file. */
    public void externalize(OnnxModel model, long minBytes) throws IOException {
        externalize(model.graphBuilder(), minBytes);
    }

    /** As {@link #externalize(OnnxModel, long)}, on a graph being built. */
    void externalize(GraphProto.Builder graph, long minBytes) throws IOException {
        for (TensorProto.Builder tensor : graph.getInitializerBuilderList()) {
            if (!tensor.hasRawData() || tensor.getRawData().size() < minBytes) {
                continue;
            }
            long start = align();
            long length = tensor.getRawData().size();
            tensor.getRawData().writeTo(out);
            position += length;
            reference(tensor.clearRawData(), start, length);
        }
    }

    private long align() throws IOException {
        int padding = (int) ((ExternalData.ALIGNMENT - position % ExternalData.ALIGNMENT) % ExternalData.ALIGNMENT);
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

    /** Flushes the file; closes it when {@link #create} opened it. */
    @Override
    public void close() throws IOException {
        if (owned) {
            out.close();
        } else {
            out.flush();
        }
    }
}
