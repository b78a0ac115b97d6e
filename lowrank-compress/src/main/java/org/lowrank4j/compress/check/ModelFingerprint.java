package org.lowrank4j.compress.check;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.TensorInfo;

/**
 * What a model is made of, for checking that two models given together belong together: its graph inputs and outputs,
 * every stored tensor's element type, shape and a SHA-256 of its values, which tensors are the weights of linear sites
 * and which are lowrank4j's low-rank factors, and the row count of its token embedding.
 *
 * <p>Two formats: an ONNX file (tensors are the graph's initializers; sites are found by
 * {@link org.lowrank4j.formats.onnx.LinearSites}; factors are named {@code <weight>.lowrank_first} /
 * {@code .lowrank_second}, as compression writes them) and a decoder model folder (tensors of its safetensors; sites are
 * the LLaMA projections {@code …_proj.weight}; factors {@code <name>.lowrank_A} / {@code .lowrank_B} replace
 * {@code <name>.weight}).
 *
 * @param source         the file or folder read
 * @param folder         true for a decoder model folder
 * @param inputs         graph input names (empty for a folder)
 * @param outputs        graph output names (empty for a folder)
 * @param tensors        every tensor by name, in file order
 * @param siteWeights    names of the tensors that are the weights of linear sites
 * @param embeddingRows  rows of the token embedding table, or -1 when it cannot be told
 * @param prunedTensors  tensors of the original that block pruning removed with their blocks, as the model lists them
 *                       ({@link org.lowrank4j.formats.onnx.EncoderBlocks#PRUNED_TENSORS}); empty for other models
 */
public record ModelFingerprint(Path source, boolean folder, List<String> inputs, List<String> outputs, Map<String, Tensor> tensors,
        Set<String> siteWeights, long embeddingRows, Set<String> prunedTensors) {
    private static final String EMBED_TOKENS = "embed_tokens.weight";
    private static final String WORD_EMBEDDINGS = "word_embeddings.weight"; // BERT's, in an encoder folder


    /** ONNX factor names contain one of these; decoder folder factor names end with one of these. */
    static final String ONNX_FACTOR = ".lowrank_", FOLDER_FIRST = ".lowrank_A", FOLDER_SECOND = ".lowrank_B";

    /**
     * One stored tensor.
     *
     * @param type   element type name
     * @param shape  dimensions
     * @param sha256 hex SHA-256 of the values as stored
     */
    public record Tensor(String type, long[] shape, String sha256) {
        /** Whether both hold the same type and shape. */
        boolean sameLayout(Tensor other) {
            return type.equals(other.type) && Arrays.equals(shape, other.shape);
        }

        String describe() {
            return type + " " + Arrays.toString(shape);
        }
    }

    public ModelFingerprint {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        siteWeights = Set.copyOf(siteWeights);
        prunedTensors = Set.copyOf(prunedTensors);
    }

    /** A fingerprint of a model that no block pruning made. */
    public ModelFingerprint(Path source, boolean folder, List<String> inputs, List<String> outputs, Map<String, Tensor> tensors,
            Set<String> siteWeights, long embeddingRows) {
        this(source, folder, inputs, outputs, tensors, siteWeights, embeddingRows, Set.of());
    }

    /**
     * Reads a model: a folder is a decoder model folder ({@code model.safetensors}), anything else an ONNX file.
     *
     * @throws IllegalArgumentException naming the path when it cannot be read as either
     */
    public static ModelFingerprint of(Path path) throws IOException {
        return Files.isDirectory(path) ? ofFolder(path) : ofOnnx(path);
    }

    /** The fingerprint of an ONNX file. */
    public static ModelFingerprint ofOnnx(Path file) throws IOException {
        OnnxModel model = OnnxModel.read(file);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorProto t : model.graph().getInitializerList()) {
            tensors.put(t.getName(), new Tensor(OnnxTensors.typeName(t.getDataType()), OnnxTensors.dims(t),
                    sha256(t.toBuilder().clearName().clearDocString().build().toByteString().asReadOnlyByteBuffer())));
        }
        Set<String> sites = new TreeSet<>();
        for (LinearSite site : model.linearSites()) {
            sites.add(site.initializer());
        }
        String pruned = model.metadata().getOrDefault(org.lowrank4j.formats.onnx.EncoderBlocks.PRUNED_TENSORS, "");
        return new ModelFingerprint(file, false, model.graphInputNames(), model.graphOutputNames(), tensors, sites,
                onnxEmbeddingRows(model), pruned.isEmpty() ? Set.of() : Set.of(pruned.split("\n")));
    }

    /** The rows of the table a Gather reads with the graph input {@code input_ids}, or -1 when there is no such Gather. */
    private static long onnxEmbeddingRows(OnnxModel model) {
        for (NodeProto node : model.nodes()) {
            if (node.getOpType().equals("Gather") && node.getInputCount() == 2 && node.getInput(1).equals("input_ids")
                    && model.hasInitializer(node.getInput(0))) {
                long[] shape = model.initializerShape(node.getInput(0));
                if (shape.length == 2) {
                    return shape[0];
                }
            }
        }
        return -1;
    }

    /**
     * The rows of a model's token embedding table (ONNX: the table the {@code input_ids} Gather reads; decoder folder:
     * {@code embed_tokens.weight}; BERT folder: {@code word_embeddings.weight}), or -1 when there is none — read from shapes
     * only, without the hashing of {@link #of}.
     */
    public static long embeddingRows(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return onnxEmbeddingRows(OnnxModel.read(path));
        }
        try (SafetensorsModel model = SafetensorsModel.open(path)) {
            for (String name : model.names()) {
                TensorInfo info = model.info(name);
                if ((name.endsWith(EMBED_TOKENS) || name.endsWith(WORD_EMBEDDINGS)) && info.rank() == 2) {
                    return info.dim(0);
                }
            }
        }
        return -1;
    }

    /** The fingerprint of a decoder model folder (its safetensors). */
    public static ModelFingerprint ofFolder(Path folder) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Set<String> sites = new TreeSet<>();
        long rows = -1;
        try (SafetensorsModel model = SafetensorsModel.open(folder)) {
            for (String name : model.names()) {
                TensorInfo info = model.info(name);
                float[] values = model.readFloats(name);
                ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                tensors.put(name, new Tensor(info.dtype().toString(), info.shape(), sha256(bytes)));
                if (info.rank() == 2 && name.endsWith("_proj.weight")) {
                    sites.add(name);
                }
                if (name.endsWith(EMBED_TOKENS) && info.rank() == 2) {
                    rows = info.dim(0);
                }
            }
        }
        return new ModelFingerprint(folder, true, List.of(), List.of(), tensors, sites, rows);
    }

    /** Whether a tensor name is one of lowrank4j's low-rank factors. */
    public boolean isFactor(String name) {
        return folder ? name.endsWith(FOLDER_FIRST) || name.endsWith(FOLDER_SECOND) : name.contains(ONNX_FACTOR);
    }

    /** The first factor tensor, or null when the model holds none (it was not compressed by lowrank4j). */
    public String firstFactor() {
        return tensors.keySet().stream().filter(this::isFactor).findFirst().orElse(null);
    }

    /** The name prefix the factors replacing site weight {@code weight} take. */
    String factorPrefix(String weight) {
        return folder ? (weight.endsWith(".weight") ? weight.substring(0, weight.length() - ".weight".length()) : weight) + ".lowrank_"
                : weight + ONNX_FACTOR;
    }

    /**
     * Whether compression or recovery may legitimately change this tensor's values: a site weight, a factor, or a
     * one-dimensional floating-point tensor (biases, which AFM corrects, and norm parameters, which recovery trains).
     * Every other tensor — embedding tables, the output head, constants — stays as it was, so it must be equal.
     */
    boolean mayChange(String name) {
        Tensor t = tensors.get(name);
        boolean floating = t.type().toUpperCase(java.util.Locale.ROOT).matches(".*(FLOAT|F16|F32|F64|BF16|DOUBLE).*");
        return siteWeights.contains(name) || isFactor(name) || (t.shape().length == 1 && floating);
    }

    private static String sha256(ByteBuffer bytes) {
        MessageDigest digest = Sha256.digest();
        digest.update(bytes);
        return Sha256.hex(digest);
    }
}
