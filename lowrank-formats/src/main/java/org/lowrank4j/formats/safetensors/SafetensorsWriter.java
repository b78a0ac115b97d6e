package org.lowrank4j.formats.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.onnx.OnnxTensors;

/**
 * Collects named float tensors and writes them as one safetensors file. Output is deterministic: tensors are laid
 * out in sorted name order, the header lists {@code __metadata__} first, then the tensors in the same order, and
 * is padded with spaces to a multiple of 8 bytes so the data starts aligned. F16 and BF16 are rounded to nearest,
 * ties to even.
 *
 * <p>The file is written through {@link AtomicFiles}: readers never see a partial file. {@link #write} refuses a
 * target that is currently open as a {@link SafetensorsFile} in this JVM, or that is one of the inputs declared
 * with {@link #protect}.
 *
 * <p>Value arrays are kept by reference, not copied: do not change them before {@link #write} returns.
 */
public final class SafetensorsWriter {
    private static final int ALIGNMENT = 8;
    private static final int CHUNK_ELEMENTS = 1 << 16;

    /** One tensor: float values for F32/F16/BF16, double values for F64, or raw bytes for U8 (the other arrays null). */
    private record Entry(SafetensorsDtype dtype, long[] shape, float[] values, double[] doubles, byte[] bytes) {
        int length() {
            return values != null ? values.length : doubles != null ? doubles.length : bytes.length;
        }

    }

    private final Map<String, Entry> tensors = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Path> protectedPaths = new ArrayList<>();

    /**
     * Adds a tensor.
     *
     * @param dtype  F32, F16 or BF16
     * @param shape  dimensions, outermost first; their product must equal {@code values.length}
     * @param values row-major elements (not copied)
     * @throws IllegalArgumentException for a duplicate or reserved name, an unwritable dtype, a negative dimension
     *                                  or a length that does not match the shape (naming the tensor)
     */
    public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, float[] values) {
        return put(name, new Entry(dtype, shape.clone(), values, null, null));
    }

    /** Adds a float64 tensor, stored as F64 without rounding (for statistics such as Gram matrices). */
    public SafetensorsWriter add(String name, long[] shape, double[] values) {
        return put(name, new Entry(SafetensorsDtype.F64, shape.clone(), null, values, null));
    }

    /** Adds a uint8 tensor, stored as U8 byte for byte (for packed quantization codes). */
    public SafetensorsWriter add(String name, long[] shape, byte[] values) {
        return put(name, new Entry(SafetensorsDtype.U8, shape.clone(), null, null, values));
    }

    private SafetensorsWriter put(String name, Entry entry) {
        SafetensorsDtype dtype = entry.dtype();
        long[] shape = entry.shape();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name \"" + name + "\" is not allowed");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        if (!dtype.isWritable() && !(dtype == SafetensorsDtype.F64 && entry.doubles() != null)
                && !(dtype == SafetensorsDtype.U8 && entry.bytes() != null)) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot write dtype " + dtype
                    + "; use F32, F16 or BF16");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape "
                        + Arrays.toString(shape));
            }
        }
        long count;
        try {
            count = TensorInfo.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " is too large", e);
        }
        if (count != entry.length()) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + count + " elements but " + entry.length() + " values were given");
        }
        tensors.put(name, entry);
        return this;
    }

    /** Adds a tensor stored as F32. */
    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        return add(name, SafetensorsDtype.F32, shape, values);
    }

    /** Sets a {@code __metadata__} entry (Hugging Face writes {@code "format": "pt"}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Sets several {@code __metadata__} entries. */
    public SafetensorsWriter metadata(Map<String, String> entries) {
        entries.forEach(this::metadata);
        return this;
    }

    /** Declares files this output must never replace (typically the inputs it was computed from). */
    public SafetensorsWriter protect(Path... inputs) {
        protectedPaths.addAll(Arrays.asList(inputs));
        return this;
    }

    /** Names added so far, sorted. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /**
     * Writes the file atomically.
     *
     * @throws IllegalArgumentException when the target is a protected input or a safetensors file open in this
     *                                  JVM, or its folder does not exist
     * @throws IOException              when writing fails (the target is then left as it was)
     */
    public void write(Path target) throws IOException {
        for (Path input : protectedPaths) {
            if (sameFile(target, input)) {
                throw new IllegalArgumentException("refusing to write " + target + ": it is the input " + input
                        + "; choose another output path");
            }
        }
        if (SafetensorsFile.isOpen(target)) {
            throw new IllegalArgumentException("refusing to write " + target + ": it is open for reading as a "
                    + "safetensors file; choose another output path");
        }
        byte[] header = header();
        AtomicFiles.write(target, raw -> {
            OutputStream out = new BufferedOutputStream(raw, 1 << 16);
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Entry entry : tensors.values()) {
                writeValues(out, entry);
            }
            out.flush();
        });
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        if (Files.exists(a) && Files.exists(b)) {
            return Files.isSameFile(a, b);
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    private byte[] header() throws JsonProcessingException {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            Entry entry = e.getValue();
            long length = entry.length() * (long) entry.dtype().byteSize();
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", entry.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : entry.shape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] json = SafetensorsHeader.JSON.writeValueAsBytes(root);
        int padded = (json.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeValues(OutputStream out, Entry entry) throws IOException {
        if (entry.bytes() != null) {
            out.write(entry.bytes());
            return;
        }
        float[] values = entry.values();
        int size = entry.dtype().byteSize();
        int length = entry.length();
        ByteBuffer chunk = ByteBuffer.allocate(Math.min(length, CHUNK_ELEMENTS) * size)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < length; start += CHUNK_ELEMENTS) {
            int end = Math.min(length, start + CHUNK_ELEMENTS);
            chunk.clear();
            for (int i = start; i < end; i++) {
                switch (entry.dtype()) {
                    case F64 -> chunk.putDouble(entry.doubles()[i]);
                    case F32 -> chunk.putFloat(values[i]);
                    case F16 -> chunk.putShort(OnnxTensors.floatToHalf(values[i]));
                    case BF16 -> chunk.putShort(OnnxTensors.floatToBfloat16(values[i]));
                    default -> throw new AssertionError(entry.dtype());
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        }
    }
}
