package org.lowrank4j.formats.onnx;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Writes an embedding table E (a [vocabulary, hidden] float initializer read by Gathers on axis 0) as a narrow table
 * and an expansion: every {@code e = Gather(E, ids)} becomes
 * <pre>
 *   t = Gather(rows, ids)          rows:      vocabulary×r
 *   u = MatMul(t, expansion)       expansion: r×hidden
 *   e = Add(u, offset)             offset:    hidden (only when one is given)
 * </pre>
 * so that row i of E is {@code rows[i]·expansion + offset}. The Gather's output keeps its name, so the nodes after it
 * (the sum with the position and token-type rows, the LayerNorm) read it as before. New names derive from the table's:
 * {@code <table>.lowrank_rows}, {@code <table>.lowrank_expansion}, {@code <table>.lowrank_offset}.
 */
public final class LowRankEmbedding {

    private LowRankEmbedding() {}

    /**
     * @param rows      vocabulary×r, row-major
     * @param expansion r×hidden, row-major
     * @param offset    hidden values added to every expanded row, or null for none
     * @return the number of Gather nodes rewritten
     * @throws IllegalArgumentException when the table is not a 2-D FLOAT initializer, r is not in [1, min(vocabulary,
     *     hidden)), the arrays do not have those shapes or hold a non-finite value, no Gather on axis 0 reads the
     *     table, or something other than such Gathers reads it
     */
    public static int rewrite(OnnxModel model, String table, int rank, float[] rows, float[] expansion, float[] offset) {
        if (!model.hasInitializer(table)) {
            throw new IllegalArgumentException("embedding table '" + table + "' is not an initializer of the model");
        }
        long[] dims = model.initializerShape(table);
        if (dims.length != 2 || model.initializerType(table) != DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("embedding table '" + table + "' is " + OnnxTensors.typeName(model.initializerType(table)) + " "
                    + OnnxTensors.shapeText(dims) + "; a low-rank table needs a 2-D FLOAT table");
        }
        long vocabulary = dims[0], hidden = dims[1];
        if (rank < 1 || rank >= Math.min(vocabulary, hidden)) {
            throw new IllegalArgumentException("embedding table '" + table + "' is " + vocabulary + "x" + hidden + ": its rank must be in [1, "
                    + (Math.min(vocabulary, hidden) - 1) + "], got " + rank);
        }
        if (rows.length != vocabulary * rank || expansion.length != rank * hidden || (offset != null && offset.length != hidden)) {
            throw new IllegalArgumentException("embedding table '" + table + "' at rank " + rank + " takes " + vocabulary + "x" + rank + " rows, a "
                    + rank + "x" + hidden + " expansion and " + hidden + " offsets; got " + rows.length + ", " + expansion.length + " and "
                    + (offset == null ? "no" : String.valueOf(offset.length)) + " values");
        }
        requireFinite(table, "rows", rows);
        requireFinite(table, "expansion", expansion);
        if (offset != null) {
            requireFinite(table, "offset", offset);
        }
        List<Integer> gathers = new ArrayList<>();
        for (int i = 0; i < model.nodeCount(); i++) {
            NodeProto node = model.node(i);
            for (int k = 0; k < node.getInputCount(); k++) {
                if (!node.getInput(k).equals(table)) {
                    continue;
                }
                if (k != 0 || !node.getOpType().equals("Gather") || !node.getDomain().isEmpty() || gatherAxis(node) != 0) {
                    throw new IllegalArgumentException("embedding table '" + table + "' is also read by " + node.getOpType() + " node '"
                            + node.getName() + "'; only a table that Gathers alone read can be made low-rank");
                }
                gathers.add(i);
            }
        }
        if (gathers.isEmpty()) {
            throw new IllegalArgumentException("embedding table '" + table + "' is read by no Gather on axis 0");
        }
        String rowsName = model.uniqueName(table + ".lowrank_rows");
        model.putInitializer(rowsName, new long[] {vocabulary, rank}, rows, DataType.FLOAT);
        String expansionName = model.uniqueName(table + ".lowrank_expansion");
        model.putInitializer(expansionName, new long[] {rank, hidden}, expansion, DataType.FLOAT);
        String offsetName = null;
        if (offset != null) {
            offsetName = model.uniqueName(table + ".lowrank_offset");
            model.putInitializer(offsetName, new long[] {hidden}, offset, DataType.FLOAT);
        }
        // later indices first, so that the ones still to rewrite do not move
        for (int g = gathers.size() - 1; g >= 0; g--) {
            int index = gathers.get(g);
            NodeProto gather = model.node(index);
            String out = gather.getOutput(0);
            String base = gather.getName().isEmpty() ? out : gather.getName();
            String narrow = model.uniqueName(base + "/lowrank_rows_output_0");
            List<NodeProto> nodes = new ArrayList<>();
            nodes.add(gather.toBuilder().setInput(0, rowsName).setOutput(0, narrow).build());
            String expanded = offsetName == null ? out : model.uniqueName(base + "/lowrank_expansion_output_0");
            nodes.add(NodeProto.newBuilder().setName(model.uniqueName(base + "/lowrank_expansion")).setOpType("MatMul")
                    .addInput(narrow).addInput(expansionName).addOutput(expanded).build());
            if (offsetName != null) {
                nodes.add(NodeProto.newBuilder().setName(model.uniqueName(base + "/lowrank_offset")).setOpType("Add")
                        .addInput(expanded).addInput(offsetName).addOutput(out).build());
            }
            model.replaceNode(index, nodes);
        }
        QuantizedRewrite.removeIfUnused(model, table);
        return gathers.size();
    }

    private static void requireFinite(String table, String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("embedding table '" + table + "': the low-rank " + what + " hold a non-finite value "
                        + values[i] + " at index " + i);
            }
        }
    }

    private static long gatherAxis(NodeProto node) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals("axis")) {
                return attribute.getI();
            }
        }
        return 0;
    }
}
