package org.lowrank4j.formats.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;

/**
 * Moves tensor bytes between a model and external data files.
 *
 * <p>ONNX lets a tensor keep its bytes in a separate file: {@code data_location = EXTERNAL} and
 * {@code external_data} entries {@code location} (relative to the model's folder), {@code offset} and
 * {@code length}. On reading, this class copies those bytes into {@code raw_data}; on writing, it can
 * move large {@code raw_data} blocks out to one file.
 */
final class ExternalData {

    /** Offsets in a written data file are multiples of this, which keeps memory mapping cheap for runtimes. */
    static final int ALIGNMENT = 64;

    private ExternalData() {}

    /**
     * Replaces external references of the graph's initializers and Constant-node tensors by inline raw_data.
     *
     * @param filesRead receives the resolved path of every external file read
     */
    static void resolve(GraphProto.Builder graph, Path modelFile, Set<Path> filesRead) throws IOException {
        for (TensorProto.Builder tensor : graph.getInitializerBuilderList()) {
            if (isExternal(tensor)) {
                load(tensor, modelFile, filesRead);
            }
        }
        for (NodeProto.Builder node : graph.getNodeBuilderList()) {
            for (var attribute : node.getAttributeBuilderList()) {
                if (attribute.hasT() && isExternal(attribute.getT())) {
                    load(attribute.getTBuilder(), modelFile, filesRead);
                }
                if (attribute.hasG()) {
                    resolve(attribute.getGBuilder(), modelFile, filesRead);
                }
                for (GraphProto.Builder subgraph : attribute.getGraphsBuilderList()) {
                    resolve(subgraph, modelFile, filesRead);
                }
            }
        }
    }

    static boolean isExternal(TensorProto.Builder tensor) {
        return tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    static boolean isExternal(TensorProto tensor) {
        return tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    private static void load(TensorProto.Builder tensor, Path modelFile, Set<Path> filesRead) throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = parseNumber(entry.getValue(), "offset", tensor, modelFile);
                case "length" -> length = parseNumber(entry.getValue(), "length", tensor, modelFile);
                default -> { } // "checksum" and unknown keys are not needed to read the bytes
            }
        }
        if (location == null || location.isEmpty()) {
            throw new IllegalArgumentException("not a valid ONNX model: " + modelFile + ": tensor '" + tensor.getName()
                    + "' is marked external but has no location");
        }
        Path folder = modelFile.toAbsolutePath().getParent();
        Path dataFile = folder.resolve(location).normalize();
        if (Path.of(location).isAbsolute() || !dataFile.startsWith(folder)) {
            throw new IllegalArgumentException("external data of tensor '" + tensor.getName() + "' in " + modelFile
                    + " points outside the model's folder: " + location);
        }
        try (FileChannel channel = FileChannel.open(dataFile, StandardOpenOption.READ)) {
            long size = channel.size();
            if (length < 0) {
                length = size - offset;
            }
            if (offset < 0 || offset + length > size) {
                throw new IllegalArgumentException("external data of tensor '" + tensor.getName() + "': bytes " + offset
                        + ".." + (offset + length) + " lie beyond the end of " + dataFile + " (" + size + " bytes)");
            }
            if (length > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("external tensor '" + tensor.getName() + "' in " + dataFile
                        + " is larger than 2 GB; not supported");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException("unexpected end of " + dataFile);
                }
            }
            buffer.flip();
            tensor.setRawData(ByteString.copyFrom(buffer));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("external data file of tensor '" + tensor.getName() + "' is missing: "
                    + dataFile + " (it must sit next to " + modelFile.getFileName() + ")", e);
        }
        filesRead.add(dataFile);
        tensor.clearExternalData().clearDataLocation();
    }

    private static long parseNumber(String text, String key, TensorProto.Builder tensor, Path modelFile) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a valid ONNX model: " + modelFile + ": tensor '" + tensor.getName()
                    + "' has external " + key + " '" + text + "'", e);
        }
    }

    /**
     * Moves the raw_data of every initializer of at least {@code minBytes} bytes into {@code data},
     * rewriting the tensors to refer to {@code location}.
     */
    static void externalize(GraphProto.Builder graph, String location, long minBytes, OutputStream data)
            throws IOException {
        long position = 0;
        for (TensorProto.Builder tensor : graph.getInitializerBuilderList()) {
            if (!tensor.hasRawData() || tensor.getRawData().size() < minBytes) {
                continue;
            }
            long padding = (ALIGNMENT - position % ALIGNMENT) % ALIGNMENT;
            data.write(new byte[(int) padding]);
            position += padding;
            ByteString bytes = tensor.getRawData();
            bytes.writeTo(data);
            tensor.clearRawData()
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", location))
                    .addExternalData(entry("offset", Long.toString(position)))
                    .addExternalData(entry("length", Integer.toString(bytes.size())));
            position += bytes.size();
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
