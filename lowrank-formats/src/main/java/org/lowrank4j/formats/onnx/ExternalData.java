package org.lowrank4j.formats.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.lowrank4j.formats.io.MessageText;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;

/**
 * Moves tensor bytes between a model and external data files.
 *
 * <p>ONNX lets a tensor keep its bytes in a separate file: {@code data_location = EXTERNAL} and
 * {@code external_data} entries {@code location} (relative to the model's folder), {@code offset} and
 * {@code length}. On reading, this class copies those bytes into {@code raw_data}; {@link ExternalDataWriter} writes
 * such a file.
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
        String where = modelFile + ": tensor " + MessageText.quoted(tensor.getName());
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = parseNumber(entry.getValue(), "offset", where);
                case "length" -> length = parseNumber(entry.getValue(), "length", where);
                default -> { } // "checksum" and unknown keys are not needed to read the bytes
            }
        }
        if (location == null || location.isEmpty()) {
            throw new IllegalArgumentException(where + " is marked external but has no location; the file is damaged");
        }
        Path dataFile = dataFile(location, modelFile, where);
        try (FileChannel channel = FileChannel.open(dataFile, StandardOpenOption.READ)) {
            long size = channel.size();
            if (offset > size) {
                throw new IllegalArgumentException(where + ": external data offset " + offset + " lies beyond the end of "
                        + dataFile.getFileName() + " (" + size + " bytes); the data file is truncated or not this model's");
            }
            if (length < 0) {
                length = size - offset;
            }
            if (length > size - offset) {
                throw new IllegalArgumentException(where + ": external data bytes " + offset + ".." + offset + "+"
                        + length + " run past the end of " + dataFile.getFileName() + " (" + size
                        + " bytes); the data file is truncated or not this model's");
            }
            if (length > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(where + ": external data of " + length + " bytes in "
                        + dataFile.getFileName() + " is larger than 2 GB; not supported");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException(dataFile + " became shorter while it was read (external data of tensor "
                            + MessageText.quoted(tensor.getName()) + " in " + modelFile + ")");
                }
            }
            buffer.flip();
            tensor.setRawData(ByteString.copyFrom(buffer));
        }
        filesRead.add(dataFile);
        tensor.clearExternalData().clearDataLocation();
    }

    /**
     * The external data file named by {@code location}: relative to the model's folder, inside it (also after
     * following links), and a regular file.
     */
    private static Path dataFile(String location, Path modelFile, String where) throws IOException {
        Path folder = modelFile.toAbsolutePath().normalize().getParent();
        Path dataFile;
        try {
            Path relative = Path.of(location);
            dataFile = folder.resolve(relative).normalize();
            if (relative.isAbsolute() || !dataFile.startsWith(folder) || dataFile.equals(folder)) {
                dataFile = null;
            }
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(where + ": external data location " + MessageText.quoted(location)
                    + " is not a valid file name; the file is damaged", e);
        }
        if (dataFile == null) {
            throw new IllegalArgumentException(where + ": external data location " + MessageText.quoted(location)
                    + " points outside the model's folder; refusing to read it");
        }
        if (!Files.isRegularFile(dataFile)) {
            throw new IllegalArgumentException(where + ": external data file " + dataFile
                    + (Files.exists(dataFile) ? " is not a regular file" : " is missing")
                    + " (it must sit next to " + modelFile.getFileName() + ")");
        }
        if (!dataFile.toRealPath().startsWith(folder.toRealPath())) {
            throw new IllegalArgumentException(where + ": external data file " + dataFile
                    + " is a link to outside the model's folder; refusing to read it");
        }
        return dataFile;
    }

    private static long parseNumber(String text, String key, String where) {
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " has external " + key + " " + MessageText.quoted(text)
                    + ", not a number; the file is damaged", e);
        }
        if (value < 0) {
            throw new IllegalArgumentException(where + " has a negative external " + key + " " + value
                    + "; the file is damaged");
        }
        return value;
    }
}
