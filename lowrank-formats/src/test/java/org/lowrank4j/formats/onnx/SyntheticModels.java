package org.lowrank4j.formats.onnx;

import java.util.Random;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.OperatorSetIdProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorShapeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TypeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ValueInfoProto;

/** Small hand-built models for tests that need exact control over the graph. */
final class SyntheticModels {

    private SyntheticModels() {}

    /** Row-major values in [-1, 1) from a fixed seed. */
    static float[] random(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    /** a (rows×inner) · b (inner×cols), row-major. */
    static float[] multiply(float[] a, float[] b, int rows, int inner, int cols) {
        float[] c = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < inner; k++) {
                float aik = a[i * inner + k];
                for (int j = 0; j < cols; j++) {
                    c[i * cols + j] += aik * b[k * cols + j];
                }
            }
        }
        return c;
    }

    /** Y = X·W + b with a MatMul and an Add; X is batch×in, W is in×out of the given type. */
    static ModelProto matMulWithBias(int in, int out, float[] weight, DataType type) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("linear")
                .addInput(tensorInfo("X", type, -1, in))
                .addOutput(tensorInfo("Y", type, -1, out))
                .addInitializer(OnnxTensors.fromFloats("W", new long[] {in, out}, weight, type))
                .addInitializer(OnnxTensors.fromFloats("b", new long[] {out}, random(out, 7), type))
                .addNode(NodeProto.newBuilder().setName("/layer/dense/MatMul").setOpType("MatMul")
                        .addInput("X").addInput("W").addOutput("h"))
                .addNode(NodeProto.newBuilder().setName("/layer/dense/Add").setOpType("Add")
                        .addInput("h").addInput("b").addOutput("Y"));
        return model(graph);
    }

    /** Y = X·Bᵀ + C with one Gemm (transB = 1); B is stored out×in, C has out values. */
    static ModelProto gemmTransposed(int in, int out, float[] storedOutByIn) {
        NodeProto gemm = NodeProto.newBuilder().setName("head").setOpType("Gemm")
                .addInput("X").addInput("B").addInput("C").addOutput("Y")
                .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1))
                .addAttribute(AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
                        .setF(0.5f))
                .build();
        GraphProto.Builder graph = GraphProto.newBuilder().setName("gemm")
                .addInput(tensorInfo("X", DataType.FLOAT, 3, in))
                .addOutput(tensorInfo("Y", DataType.FLOAT, 3, out))
                .addInitializer(OnnxTensors.fromFloats("B", new long[] {out, in}, storedOutByIn, DataType.FLOAT))
                .addInitializer(OnnxTensors.fromFloats("C", new long[] {out}, random(out, 11), DataType.FLOAT))
                .addNode(gemm);
        return model(graph);
    }

    static ModelProto model(GraphProto.Builder graph) {
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("lowrank4j-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph)
                .build();
    }

    /** A tensor value description; a negative dimension becomes the symbolic "batch". */
    static ValueInfoProto tensorInfo(String name, DataType type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }
}
