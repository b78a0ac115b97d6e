package org.lowrank4j.formats.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.formats.io.MessageText;

/**
 * The parsed and validated JSON header of a safetensors file: tensor entries by name and the free-form metadata.
 * Every problem is an {@link IllegalArgumentException} naming the file and, where there is one, the tensor.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    /** Key of the free-form string map inside the header. */
    static final String METADATA_KEY = "__metadata__";
    /** Largest header accepted; real headers are kilobytes to a few megabytes. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * Parses the header JSON.
     *
     * @param json       the header bytes (UTF-8, possibly padded with trailing spaces)
     * @param dataLength bytes in the file after the header; every tensor must lie inside them
     * @param file       the file, for messages
     */
    static SafetensorsHeader parse(byte[] json, long dataLength, Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": the safetensors header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": the safetensors header is not valid JSON: "
                    + MessageText.oneLine(e.getOriginalMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": the safetensors header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        Map<String, String> metadata = Map.of();
        Map<String, TensorInfo> tensors = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            if (entry.getKey().equals(METADATA_KEY)) {
                metadata = metadata(entry.getValue(), file);
            } else {
                tensors.put(entry.getKey(), tensor(entry.getKey(), entry.getValue(), dataLength, file));
            }
        }
        checkNoOverlap(tensors.values(), file);
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors), metadata);
    }

    private static Map<String, String> metadata(JsonNode node, Path file) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(file + ": " + METADATA_KEY + " must be a JSON object of strings");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        node.properties().forEach(e -> metadata.put(e.getKey(),
                e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo tensor(String name, JsonNode node, long dataLength, Path file) {
        String where = file + ": tensor " + MessageText.quoted(name);
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": header entry must be an object with dtype, shape and "
                    + "data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new IllegalArgumentException(where + ": missing or non-text \"dtype\"");
        }
        SafetensorsDtype dtype;
        try {
            dtype = SafetensorsDtype.fromHeaderName(MessageText.oneLine(dtypeNode.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        long[] shape = longs(node.get("shape"), "shape", -1, where);
        long[] offsets = longs(node.get("data_offsets"), "data_offsets", 2, where);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new IllegalArgumentException(where + ": data_offsets [" + begin + ", " + end + "] end before "
                    + "they begin");
        }
        if (end > dataLength) {
            throw new IllegalArgumentException(where + ": data_offsets [" + begin + ", " + end + "] run past the "
                    + "end of the data (" + dataLength + " bytes after the header); the file is truncated or the "
                    + "header is wrong");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(TensorInfo.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(where + ": shape " + Arrays.toString(shape)
                    + " has more elements than fit in a long", e);
        }
        if (end - begin != expectedBytes) {
            throw new IllegalArgumentException(where + ": shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + expectedBytes + " bytes but data_offsets [" + begin + ", " + end
                    + "] hold " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers; {@code length} -1 accepts any length. */
    private static long[] longs(JsonNode node, String field, int length, String where) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException(where + ": missing or non-array \"" + field + "\"");
        }
        if (length >= 0 && node.size() != length) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must have " + length + " entries, has "
                    + node.size());
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToLong() || item.asLong() < 0) {
                throw new IllegalArgumentException(where + ": \"" + field + "\" must hold non-negative integers, "
                        + "found " + MessageText.oneLine(item.toString()));
            }
            values[i] = item.asLong();
        }
        return values;
    }

    /** Tensors that hold bytes must not share any; order in the header does not matter. */
    private static void checkNoOverlap(Iterable<TensorInfo> tensors, Path file) {
        List<TensorInfo> byOffset = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (t.byteLength() > 0) {
                byOffset.add(t);
            }
        }
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo previous = byOffset.get(i - 1);
            TensorInfo current = byOffset.get(i);
            if (current.begin() < previous.end()) {
                throw new IllegalArgumentException(file + ": tensor " + MessageText.quoted(current.name()) + " (bytes ["
                        + current.begin() + ", " + current.end() + ")) overlaps tensor "
                        + MessageText.quoted(previous.name()) + " (bytes [" + previous.begin() + ", " + previous.end()
                        + "))");
            }
        }
    }
}
