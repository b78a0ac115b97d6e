package org.lowrank4j.compress.blockwise;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Writes a model folder's tensors as Hugging Face shards, one shard per call ({@code model-00002-of-00024.safetensors}),
 * then the index {@value SafetensorsModel#INDEX_FILE} that maps every tensor to its shard. Each shard is written (and
 * can be dropped from memory) before the next is built. Every tensor is float32, as {@code saveFactors} writes them.
 */
final class ShardedFolderWriter {
    /** How one shard reaches the disk; tests replace it to simulate a disk that fills. */
    interface ShardWrite {
        void write(SafetensorsWriter shard, Path target) throws IOException;

        ShardWrite DIRECT = SafetensorsWriter::write;
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path folder;
    private final int shardCount;
    private final ShardWrite write;
    private final Map<String, String> weightMap = new LinkedHashMap<>();
    private long totalBytes;
    private int written;

    ShardedFolderWriter(Path folder, int shardCount, ShardWrite write) {
        this.folder = folder;
        this.shardCount = shardCount;
        this.write = write;
    }

    /** Writes the next shard with {@code tensors} (name to tensor, in order). */
    void shard(Map<String, Tensor> tensors) throws IOException {
        SafetensorsWriter writer = newShard();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            float[] values;
            if (t instanceof FloatTensor f) {
                values = f.data().length == t.size() ? f.data() : Arrays.copyOf(f.data(), t.size());
            } else {
                values = new float[t.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) t.get(i);
                }
            }
            add(writer, e.getKey(), Arrays.stream(t.shape()).asLongStream().toArray(), values);
        }
        finishShard(writer);
    }

    /** Writes the next shard with tensors copied from {@code source} (as float32): each written name to its name there. */
    void shardFrom(TensorSource source, Map<String, String> names) throws IOException {
        SafetensorsWriter writer = newShard();
        for (Map.Entry<String, String> e : names.entrySet()) {
            add(writer, e.getKey(), source.info(e.getValue()).shape(), source.readFloats(e.getValue()));
        }
        finishShard(writer);
    }

    private SafetensorsWriter newShard() {
        if (written == shardCount) {
            throw new IllegalStateException("all " + shardCount + " shards are written");
        }
        return new SafetensorsWriter().metadata("format", "pt");
    }

    private void add(SafetensorsWriter writer, String name, long[] shape, float[] values) {
        writer.add(name, SafetensorsDtype.F32, shape, values);
        weightMap.put(name, fileName(written));
        totalBytes += 4L * values.length;
    }

    private void finishShard(SafetensorsWriter writer) throws IOException {
        try {
            write.write(writer, folder.resolve(fileName(written)));
        } catch (IOException e) {
            throw new IOException("cannot write shard " + fileName(written) + " of the output (" + e.getMessage() + "); the unfinished output is"
                    + " removed: free space on " + folder.getParent() + " and run again", e);
        }
        written++;
    }

    String fileName(int shard) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", shard + 1, shardCount);
    }

    /** Writes the index once every shard is written. */
    void finish() throws IOException {
        if (written != shardCount) {
            throw new IllegalStateException(written + " of " + shardCount + " shards written");
        }
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalBytes);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        Files.writeString(folder.resolve(SafetensorsModel.INDEX_FILE), JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }
}
