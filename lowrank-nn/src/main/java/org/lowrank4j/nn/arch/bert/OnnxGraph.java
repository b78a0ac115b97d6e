package org.lowrank4j.nn.arch.bert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/** Producers, consumers and constant values of an ONNX graph, for walking it by data flow. */
final class OnnxGraph {
    final OnnxModel model;
    final List<NodeProto> nodes;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Map<String, TensorProto> constants = new HashMap<>();

    OnnxGraph(OnnxModel model) {
        this.model = model;
        this.nodes = model.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            for (String output : node.getOutputList()) {
                producer.put(output, i);
            }
            for (String input : node.getInputList()) {
                consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(i);
            }
            if (node.getOpType().equals("Constant")) {
                for (AttributeProto a : node.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        constants.put(node.getOutput(0), a.getT());
                    }
                }
            }
        }
    }

    NodeProto node(int index) {
        return nodes.get(index);
    }

    /** The index of the node producing {@code value}, or -1 (graph input, initializer). */
    int producer(String value) {
        return producer.getOrDefault(value, -1);
    }

    /** Nodes reading {@code value}, in graph order. */
    List<Integer> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** The first consumer of {@code value} with this op type, or -1. */
    int consumer(String value, String opType) {
        for (int i : consumers(value)) {
            if (nodes.get(i).getOpType().equals(opType)) {
                return i;
            }
        }
        return -1;
    }

    boolean isInitializer(String value) {
        return model.hasInitializer(value);
    }

    /** An initializer or Constant-node output, or null. */
    TensorProto constant(String value) {
        return isInitializer(value) ? model.initializer(value) : constants.get(value);
    }

    /** The values of a constant as doubles (float and integer types), or null when it is not a constant. */
    double[] constantValues(String value) {
        TensorProto t = constant(value);
        if (t == null) {
            return null;
        }
        int type = t.getDataType();
        if (type == DataType.INT64_VALUE || type == DataType.INT32_VALUE) {
            boolean wide = type == DataType.INT64_VALUE;
            if (t.hasRawData()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                double[] out = new double[b.remaining() / (wide ? 8 : 4)];
                for (int i = 0; i < out.length; i++) {
                    out[i] = wide ? b.getLong() : b.getInt();
                }
                return out;
            }
            int n = wide ? t.getInt64DataCount() : t.getInt32DataCount();
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = wide ? t.getInt64Data(i) : t.getInt32Data(i);
            }
            return out;
        }
        if (OnnxTensors.isFloatingPoint(type)) {
            float[] f = OnnxTensors.toFloats(t);
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
            return out;
        }
        return null;
    }

    /** A float attribute of a node, or {@code fallback}. */
    static double floatAttribute(NodeProto node, String name, double fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return fallback;
    }

    /** The input of a two-input node other than {@code value}. */
    static String other(NodeProto node, String value) {
        return node.getInput(0).equals(value) ? node.getInput(1) : node.getInput(0);
    }
}
