package org.lowrank4j.formats.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.lowrank4j.formats.io.MessageText;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TypeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ValueInfoProto;

/**
 * An ONNX model held in memory for reading and rewriting.
 *
 * <p>{@link #read} parses a file and copies the bytes of external-data tensors inline, so every
 * initializer can be decoded with {@link #initializerFloats}. Edits (initializers, nodes, graph outputs,
 * {@link #replaceWithLowRank low-rank rewrites}) change this object in place. {@link #write} saves the
 * model atomically and never over the file it was read from. Fields this library does not model are
 * kept as protobuf unknown fields and written back unchanged. Not thread-safe.
 */
public final class OnnxModel {

    private final Path source;
    private final Set<Path> externalFilesRead;
    private final ModelProto.Builder model;
    private final GraphProto.Builder graph;

    private OnnxModel(Path source, Set<Path> externalFilesRead, ModelProto.Builder model) {
        this.source = source;
        this.externalFilesRead = externalFilesRead;
        this.model = model;
        this.graph = model.getGraphBuilder();
    }

    /**
     * Reads a model file and the external data files it refers to (relative to its folder), and checks every
     * initializer (see {@link InitializerChecks}): its shape against its bytes, and its floating-point values for
     * NaN and infinities, so that a damaged model is refused here rather than by whatever uses it.
     *
     * @throws IllegalArgumentException naming the file when it is missing, is not an ONNX model, or is damaged
     * @throws IOException on a read error
     */
    public static OnnxModel read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot read ONNX model " + file
                    + (Files.exists(file) ? ": not a regular file" : ": no such file"));
        }
        ModelProto.Builder builder = ModelProto.newBuilder();
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in, 1 << 20);
            coded.setSizeLimit(Integer.MAX_VALUE);
            builder.mergeFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw notOnnx(file, "it does not parse as an ONNX protobuf (" + MessageText.oneLine(e.getMessage()) + ")",
                    e);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("cannot read ONNX model " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read ONNX model " + file + ": " + MessageText.oneLine(e.getMessage()), e);
        }
        if (!builder.hasGraph() || builder.getIrVersion() <= 0) {
            throw notOnnx(file, builder.hasGraph() ? "it has no IR version" : "it has no graph", null);
        }
        Set<Path> filesRead = new LinkedHashSet<>();
        ExternalData.resolve(builder.getGraphBuilder(), file, filesRead);
        InitializerChecks.check(builder.getGraphBuilder(), file);
        return new OnnxModel(file.toAbsolutePath().normalize(), filesRead, builder);
    }

    /** Wraps an in-memory model (which must already have its tensor data inline); the proto is copied. */
    public static OnnxModel of(ModelProto proto) {
        if (!proto.hasGraph()) {
            throw new IllegalArgumentException("not an ONNX model: it has no graph");
        }
        return new OnnxModel(null, Set.of(), proto.toBuilder());
    }

    private static IllegalArgumentException notOnnx(Path file, String reason, Exception cause) {
        return new IllegalArgumentException("not an ONNX model: " + file + ": " + reason, cause);
    }

    /** The file this model was read from, if any (absolute, normalised). */
    public Optional<Path> source() {
        return Optional.ofNullable(source);
    }

    /** A snapshot of the model as it is now. */
    public ModelProto toProto() {
        return model.build();
    }

    /** A snapshot of the main graph as it is now. */
    public GraphProto graph() {
        return graph.build();
    }

    /** The model's metadata_props, key to value, in file order. */
    public java.util.Map<String, String> metadata() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        model.getMetadataPropsList().forEach(p -> out.put(p.getKey(), p.getValue()));
        return out;
    }

    /** Sets a metadata_props entry (replacing one of the same key). */
    public void putMetadata(String key, String value) {
        for (int i = 0; i < model.getMetadataPropsCount(); i++) {
            if (model.getMetadataProps(i).getKey().equals(key)) {
                model.setMetadataProps(i, model.getMetadataProps(i).toBuilder().setValue(value));
                return;
            }
        }
        model.addMetadataPropsBuilder().setKey(key).setValue(value);
    }

    // ---------------------------------------------------------------- initializers

    /** Names of the graph's initializers, in file order. */
    public List<String> initializerNames() {
        List<String> names = new ArrayList<>(graph.getInitializerCount());
        for (TensorProto tensor : graph.getInitializerList()) {
            names.add(tensor.getName());
        }
        return names;
    }

    /** True if the graph has an initializer with this name. */
    public boolean hasInitializer(String name) {
        return initializerIndex(name) >= 0;
    }

    /** The initializer with this name, as stored. */
    public TensorProto initializer(String name) {
        return graph.getInitializer(requireInitializer(name));
    }

    /** The shape of an initializer. */
    public long[] initializerShape(String name) {
        return OnnxTensors.dims(initializer(name));
    }

    /** The element type number of an initializer ({@link DataType} values). */
    public int initializerType(String name) {
        return initializer(name).getDataType();
    }

    /** An initializer's values as floats in row-major order; see {@link OnnxTensors#toFloats}. */
    public float[] initializerFloats(String name) {
        return OnnxTensors.toFloats(initializer(name));
    }

    /**
     * Replaces the initializer of this name (keeping its position) or appends a new one.
     *
     * @param type FLOAT, FLOAT16 or BFLOAT16
     */
    public void putInitializer(String name, long[] dims, float[] values, DataType type) {
        putInitializer(OnnxTensors.fromFloats(name, dims, values, type));
    }

    /** Replaces the initializer with the tensor's name (keeping its position) or appends it. */
    public void putInitializer(TensorProto tensor) {
        if (tensor.getName().isEmpty()) {
            throw new IllegalArgumentException("an initializer needs a name");
        }
        int index = initializerIndex(tensor.getName());
        if (index >= 0) {
            graph.setInitializer(index, tensor);
        } else {
            graph.addInitializer(tensor);
        }
    }

    /**
     * Removes an initializer, and a graph input of the same name if there is one (old exporters list
     * initializers as inputs too). Returns false if there was no such initializer.
     */
    public boolean removeInitializer(String name) {
        int index = initializerIndex(name);
        if (index < 0) {
            return false;
        }
        graph.removeInitializer(index);
        for (int i = graph.getInputCount() - 1; i >= 0; i--) {
            if (graph.getInput(i).getName().equals(name)) {
                graph.removeInput(i);
            }
        }
        return true;
    }

    private int initializerIndex(String name) {
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private int requireInitializer(String name) {
        int index = initializerIndex(name);
        if (index < 0) {
            throw new IllegalArgumentException("the model has no initializer named '" + name + "'");
        }
        return index;
    }

    // ---------------------------------------------------------------- nodes and values

    /** The graph's nodes in order (an unmodifiable snapshot). */
    public List<NodeProto> nodes() {
        return Collections.unmodifiableList(new ArrayList<>(graph.getNodeList()));
    }

    /** The number of nodes in the main graph. */
    public int nodeCount() {
        return graph.getNodeCount();
    }

    /** The node at a position. */
    public NodeProto node(int index) {
        return graph.getNode(index);
    }

    /** The position of the node that produces this value, or -1 if no node does. */
    public int producerIndex(String value) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOutputList().contains(value)) {
                return i;
            }
        }
        return -1;
    }

    /** Appends a node; the caller keeps the graph in topological order. */
    public void addNode(NodeProto node) {
        graph.addNode(node);
    }

    /** Inserts nodes at a position, shifting later nodes. */
    public void insertNodes(int index, List<NodeProto> nodes) {
        checkNodeIndex(index, graph.getNodeCount());
        for (int i = 0; i < nodes.size(); i++) {
            graph.addNode(index + i, nodes.get(i));
        }
    }

    /** Removes and returns the node at a position. */
    public NodeProto removeNode(int index) {
        checkNodeIndex(index, graph.getNodeCount() - 1);
        NodeProto removed = graph.getNode(index);
        graph.removeNode(index);
        return removed;
    }

    /** Replaces the node at a position by a sequence of nodes (in order). */
    public void replaceNode(int index, List<NodeProto> replacement) {
        removeNode(index);
        insertNodes(index, replacement);
    }

    private static void checkNodeIndex(int index, int max) {
        if (index < 0 || index > max) {
            throw new IllegalArgumentException("node index " + index + " outside 0.." + max);
        }
    }

    /**
     * True if a node of the graph (or of a subgraph), or a graph output, reads this value.
     * Used to decide whether an initializer can be dropped.
     */
    public boolean isValueUsed(String value) {
        for (ValueInfoProto output : graph.getOutputList()) {
            if (output.getName().equals(value)) {
                return true;
            }
        }
        return readsValue(graph.getNodeList(), value);
    }

    private static boolean readsValue(List<NodeProto> nodes, String value) {
        for (NodeProto node : nodes) {
            if (node.getInputList().contains(value)) {
                return true;
            }
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG() && readsValue(attribute.getG().getNodeList(), value)) {
                    return true;
                }
                for (GraphProto subgraph : attribute.getGraphsList()) {
                    if (readsValue(subgraph.getNodeList(), value)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** {@code base} if no value, node or initializer uses that name yet, else {@code base.1}, {@code base.2}, .... */
    public String uniqueName(String base) {
        Set<String> taken = new HashSet<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            taken.add(tensor.getName());
        }
        for (NodeProto node : graph.getNodeList()) {
            taken.add(node.getName());
            taken.addAll(node.getInputList());
            taken.addAll(node.getOutputList());
        }
        for (ValueInfoProto info : graph.getInputList()) {
            taken.add(info.getName());
        }
        String name = base;
        for (int k = 1; taken.contains(name); k++) {
            name = base + "." + k;
        }
        return name;
    }

    /** Names of the graph inputs that are not initializers (what a caller feeds). */
    public List<String> graphInputNames() {
        List<String> names = new ArrayList<>();
        for (ValueInfoProto input : graph.getInputList()) {
            if (!hasInitializer(input.getName())) {
                names.add(input.getName());
            }
        }
        return names;
    }

    /** Names of the graph outputs, in order. */
    public List<String> graphOutputNames() {
        List<String> names = new ArrayList<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            names.add(output.getName());
        }
        return names;
    }

    /**
     * Exposes an internal value as an extra graph output of element type FLOAT with unknown shape, so a
     * runtime returns it (for calibration). Does nothing if it is already an output.
     *
     * @throws IllegalArgumentException if no node, graph input or initializer defines the value
     */
    public void addGraphOutput(String value) {
        addGraphOutput(value, DataType.FLOAT);
    }

    /** As {@link #addGraphOutput(String)} with another element type. */
    public void addGraphOutput(String value, DataType elementType) {
        if (graphOutputNames().contains(value)) {
            return;
        }
        boolean defined = producerIndex(value) >= 0 || hasInitializer(value)
                || graph.getInputList().stream().anyMatch(input -> input.getName().equals(value));
        if (!defined) {
            throw new IllegalArgumentException("cannot expose '" + value + "' as a graph output: nothing produces it");
        }
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType.getNumber()))
                .build();
        graph.addOutput(ValueInfoProto.newBuilder().setName(value).setType(type));
    }

    /** Removes a graph output by name; returns false if there was none. */
    public boolean removeGraphOutput(String value) {
        for (int i = 0; i < graph.getOutputCount(); i++) {
            if (graph.getOutput(i).getName().equals(value)) {
                graph.removeOutput(i);
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- linear sites

    /** The linear sites of the graph with the default size threshold; see {@link LinearSites#find}. */
    public List<LinearSite> linearSites() {
        return LinearSites.find(this);
    }

    /** A site's weight as an in×out row-major matrix (transposed from storage for Gemm with transB). */
    public float[] weight(LinearSite site) {
        float[] stored = initializerFloats(site.initializer());
        return site.transposed() ? LowRankRewrite.transpose(stored, site.outFeatures(), site.inFeatures()) : stored;
    }

    /**
     * Replaces a site's weight W (in×out) by the product first·second: the node becomes two nodes
     * (x·first)·second, any bias stays where it was, the new initializers take the site's element type
     * and the old weight is removed once nothing reads it.
     *
     * @param rank   the inner dimension r
     * @param first  in×r, row-major; not modified
     * @param second r×out, row-major; not modified
     * @throws IllegalArgumentException on wrong sizes, non-finite values, or a site that is no longer in the graph
     */
    public void replaceWithLowRank(LinearSite site, int rank, float[] first, float[] second) {
        LowRankRewrite.apply(this, site, rank, first, second);
    }

    // ---------------------------------------------------------------- writing

    /** Writes the model to one file, all tensor data inline. See {@link #write(Path, String, long)}. */
    public void write(Path file) throws IOException {
        write(file, null, 0);
    }

    /**
     * Writes the model atomically: each file is written under a temporary name in the target folder and
     * renamed into place when complete; on failure no temporary file is left behind.
     *
     * @param externalDataFile when not null, initializers of at least {@code minExternalBytes} bytes go to
     *     this file (a plain file name, placed next to {@code file}) and the model refers to it
     * @throws IllegalArgumentException if {@code file} (or the data file) is the file this model was read
     *     from, or the folder is missing or not writable
     */
    public void write(Path file, String externalDataFile, long minExternalBytes) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        refuseOverwritingInput(target, source, "input model");
        Path dataTarget = null;
        if (externalDataFile != null) {
            if (externalDataFile.isEmpty() || Path.of(externalDataFile).getNameCount() != 1
                    || externalDataFile.contains("/") || externalDataFile.contains("\\")) {
                throw new IllegalArgumentException("external data file must be a plain file name, got '"
                        + externalDataFile + "'");
            }
            dataTarget = target.resolveSibling(externalDataFile);
            if (dataTarget.equals(target)) {
                throw new IllegalArgumentException("external data file " + dataTarget + " would overwrite the model file");
            }
            refuseOverwritingInput(dataTarget, source, "input model");
            for (Path read : externalFilesRead) {
                refuseOverwritingInput(dataTarget, read, "external data of the input model");
            }
        }
        ModelProto.Builder copy = model.clone();
        try (StagedFile modelFile = StagedFile.create(target);
                StagedFile dataFile = dataTarget == null ? null : StagedFile.create(dataTarget)) {
            if (dataFile != null) {
                new ExternalDataWriter(dataFile.output(), externalDataFile, false).externalize(copy.getGraphBuilder(), minExternalBytes);
            }
            copy.build().writeTo(modelFile.output());
            if (dataFile != null) {
                dataFile.commit();
            }
            modelFile.commit();
        } catch (IOException e) {
            throw org.lowrank4j.formats.io.AtomicFiles.explainDiskFull(e, target);
        }
    }

    private static void refuseOverwritingInput(Path target, Path input, String what) throws IOException {
        if (input == null) {
            return;
        }
        boolean same = target.equals(input)
                || (Files.exists(target) && Files.exists(input) && Files.isSameFile(target, input));
        if (same) {
            throw new IllegalArgumentException("refusing to write " + target + " over the " + what + " " + input
                    + "; choose another output path");
        }
    }

    GraphProto.Builder graphBuilder() {
        return graph;
    }

    /** The opset version the model imports for a domain ("" or "ai.onnx" is the default domain), or -1. */
    long opsetVersion(String domain) {
        for (var opset : model.getOpsetImportList()) {
            String name = opset.getDomain().equals("ai.onnx") ? "" : opset.getDomain();
            if (name.equals(domain)) {
                return opset.getVersion();
            }
        }
        return -1;
    }

    /** Imports an operator domain at a version, unless the model already imports that domain. */
    void importOpset(String domain, long version) {
        if (opsetVersion(domain) < 0) {
            model.addOpsetImportBuilder().setDomain(domain).setVersion(version);
        }
    }
}
