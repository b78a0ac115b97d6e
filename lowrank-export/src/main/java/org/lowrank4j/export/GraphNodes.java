package org.lowrank4j.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Appends nodes and constants to an {@link OnnxModel} in computation order, naming each new value uniquely from a hint
 * ({@code model.layers.0.self_attn/q_rope}). The few attribute kinds the decoder graph needs are built here too.
 */
final class GraphNodes {
    private final OnnxModel model;
    /** Float initializers smaller than this stay in the graph even when a sink is given. */
    static final int EXTERNAL_MIN_BYTES = 1024;
    private final ExternalDataWriter sink; // where large float initializers go as they are made, or null to keep them in the graph
    private int counter;

    GraphNodes(OnnxModel model, ExternalDataWriter sink) {
        this.model = model;
        this.sink = sink;
    }

    OnnxModel model() {
        return model;
    }

    /** A node of the standard domain with one output, named from {@code hint}; returns the output. */
    String op(String opType, String hint, List<String> inputs, AttributeProto... attributes) {
        return opTo(opType, fresh(hint), inputs, attributes);
    }

    /** As {@link #op} with the output's name given (a graph output). */
    String opTo(String opType, String output, List<String> inputs, AttributeProto... attributes) {
        model.addNode(node(opType, inputs, List.of(output), attributes));
        return output;
    }

    /** A node with several outputs (Split), named from {@code hint}. */
    List<String> ops(String opType, String hint, int outputs, List<String> inputs, AttributeProto... attributes) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            names.add(fresh(hint + "_" + i));
        }
        model.addNode(node(opType, inputs, names, attributes));
        return names;
    }

    private NodeProto node(String opType, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType).setName(outputs.get(0) + "/" + opType)
                .addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attributes) {
            b.addAttribute(a);
        }
        return b.build();
    }

    /** A float32 initializer named exactly {@code name}; with a sink, written to it at once when it is large. */
    String floats(String name, long[] dims, float[] values) {
        if (sink != null && 4L * values.length >= EXTERNAL_MIN_BYTES) {
            try {
                model.putInitializer(sink.floats(name, dims, values));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            model.putInitializer(name, dims, values, DataType.FLOAT);
        }
        return name;
    }

    /** A 1-D int64 constant (shapes, axes). */
    String longs(String hint, long... values) {
        return constant(hint, new long[] {values.length}, values);
    }

    /** A 0-D int64 constant. */
    String scalar(String hint, long value) {
        return constant(hint, new long[0], new long[] {value});
    }

    /** A 0-D float32 constant. */
    String scalar(String hint, float value) {
        String name = fresh(hint);
        model.putInitializer(name, new long[0], new float[] {value}, DataType.FLOAT);
        return name;
    }

    private String constant(String hint, long[] dims, long[] values) {
        String name = fresh(hint);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        model.putInitializer(t.build());
        return name;
    }

    static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /** Hints never end in a number of their own, so the counter alone keeps the names apart (and no search of the graph is needed). */
    private String fresh(String hint) {
        return hint + "." + counter++;
    }
}
