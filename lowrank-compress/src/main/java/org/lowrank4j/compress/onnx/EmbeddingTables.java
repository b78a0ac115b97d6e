package org.lowrank4j.compress.onnx;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.QuantizedEmbedding;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * The embedding tables of an encoder (word, position and token type): 2-D float initializers that only Gathers on axis
 * 0 read. Quantized row by row (round to nearest, groups along the hidden features) and written through
 * GatherBlockQuantized.
 */
public final class EmbeddingTables {

    private EmbeddingTables() {
    }

    /** Names of the tables, in initializer order. */
    public static List<String> find(OnnxModel model) {
        List<String> tables = new ArrayList<>();
        for (String name : model.initializerNames()) {
            if (model.initializerShape(name).length != 2 || model.initializerType(name) != DataType.FLOAT_VALUE) {
                continue;
            }
            boolean gathered = false, other = false;
            for (NodeProto node : model.nodes()) {
                for (int i = 0; i < node.getInputCount(); i++) {
                    if (!node.getInput(i).equals(name)) {
                        continue;
                    }
                    if (i == 0 && node.getOpType().equals("Gather") && node.getDomain().isEmpty() && axis(node) == 0) {
                        gathered = true;
                    } else {
                        other = true;
                    }
                }
            }
            if (gathered && !other) {
                tables.add(name);
            }
        }
        return tables;
    }

    /** The graph input a transformer's token ids come in by. */
    public static final String TOKEN_IDS = "input_ids";

    /**
     * The word-embedding table: the {@linkplain #find table} that a Gather indexes with the graph input
     * {@code input_ids} (directly, or through Cast, Reshape, Unsqueeze, Squeeze or Identity nodes).
     *
     * @throws IllegalArgumentException when there is none, naming the model and what {@code --embeddings} needs
     */
    public static String wordTable(OnnxModel model, String modelName) {
        List<String> tables = find(model);
        for (NodeProto node : model.nodes()) {
            if (node.getOpType().equals("Gather") && node.getDomain().isEmpty() && node.getInputCount() == 2 && tables.contains(node.getInput(0))
                    && comesFromTokenIds(model, node.getInput(1), 0)) {
                return node.getInput(0);
            }
        }
        throw new IllegalArgumentException("model " + modelName + " has no recognisable word-embedding Gather (a Gather on axis 0 of a 2-D float"
                + " table, read by nothing else, indexed by the graph input " + TOKEN_IDS + "); --embeddings compresses that table only");
    }

    private static boolean comesFromTokenIds(OnnxModel model, String value, int depth) {
        if (value.equals(TOKEN_IDS) && model.graphInputNames().contains(TOKEN_IDS)) {
            return true;
        }
        int producer = model.producerIndex(value);
        if (producer < 0 || depth > 4) {
            return false;
        }
        NodeProto node = model.node(producer);
        return PASS_THROUGH.contains(node.getOpType()) && node.getInputCount() > 0 && comesFromTokenIds(model, node.getInput(0), depth + 1);
    }

    private static final java.util.Set<String> PASS_THROUGH = java.util.Set.of("Cast", "Reshape", "Unsqueeze", "Squeeze", "Identity");

    /**
     * Replaces every table by its quantized rows; the quantized matrices are returned in table order (their bytes are
     * what the tables now cost).
     *
     * @throws IllegalArgumentException when the group size does not divide a table's width
     */
    public static List<QuantizedMatrix> quantize(OnnxModel model, QuantizationFormat format) {
        List<QuantizedMatrix> written = new ArrayList<>();
        for (String table : find(model)) {
            long[] dims = model.initializerShape(table);
            if (dims[1] % format.groupSize() != 0) {
                throw new IllegalArgumentException("embedding table '" + table + "' is " + dims[0] + "x" + dims[1] + ": egroup="
                        + format.groupSize() + " does not divide its width " + dims[1]);
            }
            FloatMatrix rows = FloatMatrix.wrap(model.initializerFloats(table), (int) dims[0], (int) dims[1]);
            QuantizedMatrix q = RoundToNearest.quantize(rows, format);
            QuantizedEmbedding.toGatherBlockQuantized(model, table, q);
            written.add(q);
        }
        return written;
    }

    private static long axis(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals("axis")) {
                return a.getI();
            }
        }
        return 0;
    }
}
