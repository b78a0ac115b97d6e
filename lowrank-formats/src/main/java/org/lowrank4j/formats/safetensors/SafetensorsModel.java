package org.lowrank4j.formats.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.lowrank4j.formats.io.MessageText;

/**
 * A model's tensors in safetensors form, whether in one file or split into shards listed by a Hugging Face index
 * ({@value #INDEX_FILE}: {@code {"metadata": {...}, "weight_map": {tensor: shard file}}}). Tensors are found by
 * name without the caller knowing which shard holds them.
 *
 * <p>{@link #open} accepts a {@code .safetensors} file, an index {@code .json} file, or a folder holding either.
 * Every shard is opened (and its header validated) up front, and every tensor of the weight map is checked to be
 * present in its shard. Tensors a shard holds but the weight map does not list are not visible.
 */
public final class SafetensorsModel implements TensorSource {
    /** Name of the index of a sharded model in a Hugging Face folder. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Name of an unsharded model in a Hugging Face folder. */
    public static final String SINGLE_FILE = "model.safetensors";

    private final Path path;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardByTensor;
    private final Map<String, String> metadata;

    private SafetensorsModel(Path path, List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardByTensor,
            Map<String, String> metadata) {
        this.path = path;
        this.shards = List.copyOf(shards);
        this.shardByTensor = Collections.unmodifiableMap(shardByTensor);
        this.metadata = metadata;
    }

    /**
     * Opens a single file, an index json, or a folder holding {@value #INDEX_FILE} or {@value #SINGLE_FILE} (or
     * exactly one {@code .safetensors} file).
     *
     * @throws IllegalArgumentException when nothing loadable is found, the index is malformed, a shard is missing
     *                                  or invalid, or a listed tensor is not in its shard (naming file and tensor)
     * @throws IOException              when a file cannot be read
     */
    public static SafetensorsModel open(Path path) throws IOException {
        return open(path, true);
    }

    /**
     * {@link #open(Path)}, with the shards memory-mapped or not: unmapped shards ({@link SafetensorsFile#openUnmapped})
     * copy each tensor read from the file, so the process holds only what it keeps (reading a model larger than memory
     * part by part).
     */
    public static SafetensorsModel open(Path path, boolean mapped) throws IOException {
        if (Files.isDirectory(path)) {
            return open(pickInFolder(path), mapped);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("safetensors model " + path + " does not exist");
        }
        if (path.getFileName().toString().endsWith(".json")) {
            return openIndex(path, mapped);
        }
        SafetensorsFile file = mapped ? SafetensorsFile.open(path) : SafetensorsFile.openUnmapped(path);
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        file.names().forEach(name -> byTensor.put(name, file));
        return new SafetensorsModel(path, List.of(file), byTensor, file.metadata());
    }

    private static Path pickInFolder(Path folder) throws IOException {
        Path index = folder.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return index;
        }
        Path single = folder.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single;
        }
        List<Path> candidates;
        try (Stream<Path> files = Files.list(folder)) {
            candidates = files.filter(f -> f.getFileName().toString().endsWith(".safetensors"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        throw new IllegalArgumentException("folder " + folder + " holds neither " + INDEX_FILE + " nor "
                + SINGLE_FILE + (candidates.isEmpty() ? " nor any .safetensors file"
                : " but " + candidates.size() + " .safetensors files; name the one to open or add an index"));
    }

    private static SafetensorsModel openIndex(Path index, boolean mapped) throws IOException {
        long size = Files.size(index);
        if (size > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(index + ": " + size + " bytes is too large for a safetensors index (the "
                    + "limit is " + SafetensorsHeader.MAX_HEADER_BYTES + "); is this the right file?");
        }
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(index + ": not valid JSON: " + MessageText.oneLine(e.getOriginalMessage()),
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(index + ": a safetensors index must be a JSON object");
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new IllegalArgumentException(index + ": missing \"weight_map\" object (tensor name -> shard file)");
        }
        Path folder = index.toAbsolutePath().normalize().getParent();
        Map<String, List<String>> tensorsByShard = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            if (!entry.getValue().isTextual() || entry.getValue().asText().isBlank()) {
                throw new IllegalArgumentException(index + ": weight_map entry for tensor "
                        + MessageText.quoted(entry.getKey()) + " must be a shard file name, found "
                        + MessageText.oneLine(entry.getValue().toString()));
            }
            tensorsByShard.computeIfAbsent(entry.getValue().asText(), k -> new ArrayList<>()).add(entry.getKey());
        }
        List<SafetensorsFile> shards = new ArrayList<>();
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        try {
            for (Map.Entry<String, List<String>> entry : tensorsByShard.entrySet()) {
                Path shardFile = shardPath(index, folder, entry.getKey(), entry.getValue());
                SafetensorsFile shard = mapped ? SafetensorsFile.open(shardFile) : SafetensorsFile.openUnmapped(shardFile);
                shards.add(shard);
                for (String tensor : entry.getValue()) {
                    if (!shard.contains(tensor)) {
                        throw new IllegalArgumentException(index + ": weight_map puts tensor "
                                + MessageText.quoted(tensor) + " in shard " + MessageText.quoted(entry.getKey())
                                + ", but that shard has no such tensor");
                    }
                    byTensor.put(tensor, shard);
                }
            }
        } catch (IOException | RuntimeException e) {
            shards.forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsModel(index, shards, byTensor, indexMetadata(root.get("metadata"), index));
    }

    private static Path shardPath(Path index, Path folder, String shard, List<String> tensors) throws IOException {
        Path file;
        try {
            file = Path.of(shard).isAbsolute() ? null : folder.resolve(shard).normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(index + ": shard " + MessageText.quoted(shard) + " (for tensor "
                    + MessageText.quoted(tensors.get(0)) + ") is not a valid file name", e);
        }
        if (file == null || !file.startsWith(folder) || file.equals(folder)) {
            throw new IllegalArgumentException(index + ": shard " + MessageText.quoted(shard) + " (for tensor "
                    + MessageText.quoted(tensors.get(0)) + ") is not a file inside the index's folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(index + ": shard file " + MessageText.quoted(file.toString())
                    + " does not exist or is not a file; it should hold " + tensors.size() + " tensors, among them "
                    + MessageText.quoted(tensors.get(0)));
        }
        if (!file.toRealPath().startsWith(folder.toRealPath())) {
            throw new IllegalArgumentException(index + ": shard " + MessageText.quoted(shard)
                    + " is a link to outside the index's folder; refusing to read it");
        }
        return file;
    }

    private static Map<String, String> indexMetadata(JsonNode node, Path index) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(index + ": \"metadata\" must be a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        node.properties().forEach(e -> metadata.put(e.getKey(),
                e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        return Collections.unmodifiableMap(metadata);
    }

    @Override
    public Path path() {
        return path;
    }

    /** The opened files: one for an unsharded model, else one per shard (sorted by file name). */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    /** The file that holds a tensor. */
    public SafetensorsFile shardOf(String name) {
        SafetensorsFile shard = shardByTensor.get(name);
        if (shard == null) {
            String where = shards.size() == 1 ? path.toString()
                    : path + " (not in the weight_map of its " + shards.size() + " shards)";
            throw new IllegalArgumentException(SafetensorsFile.notFound(name, where, shardByTensor.keySet()));
        }
        return shard;
    }

    @Override
    public List<String> names() {
        return List.copyOf(shardByTensor.keySet());
    }

    @Override
    public boolean contains(String name) {
        return shardByTensor.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public float[] readFloats(String name) {
        return shardOf(name).readFloats(name);
    }

    @Override
    public double[] readDoubles(String name) {
        return shardOf(name).readDoubles(name);
    }

    @Override
    public void close() {
        UncheckedIOException failure = null;
        for (SafetensorsFile shard : shards) {
            try {
                shard.close();
            } catch (UncheckedIOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
