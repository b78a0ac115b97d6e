package org.lowrank4j.formats.onnx;

import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * A linear layer of an ONNX graph whose weight is a constant 2-D initializer: {@code y = x·W (+ b)}.
 *
 * <p>W is seen as in×out whatever its storage: a MatMul stores it in×out, a Gemm with
 * {@code transB = 1} stores it out×in ({@link #transposed()}).
 *
 * @param name        stable readable name, e.g. {@code block 3 attention.query}
 * @param block       transformer block index, or -1 when the site is outside any block
 * @param role        what the site does in its block
 * @param nodeName    name of the MatMul/Gemm node (may be empty in some exports)
 * @param nodeOutput  the node's output value; identifies the node
 * @param opType      {@code MatMul} or {@code Gemm}
 * @param input       the activation value multiplied by W (what calibration observes)
 * @param initializer name of the weight initializer
 * @param inFeatures  rows of W as in×out
 * @param outFeatures columns of W as in×out
 * @param transposed  true when the initializer is stored out×in (Gemm with transB = 1)
 * @param hasBias     true for a Gemm with a bias input C (a MatMul's bias is a separate Add node)
 * @param dataType    element type of the weight (FLOAT or FLOAT16)
 */
public record LinearSite(
        String name,
        int block,
        SiteRole role,
        String nodeName,
        String nodeOutput,
        String opType,
        String input,
        String initializer,
        int inFeatures,
        int outFeatures,
        boolean transposed,
        boolean hasBias,
        DataType dataType) {

    /** Number of weights, in·out. */
    public long parameterCount() {
        return (long) inFeatures * outFeatures;
    }

    /** Cost of a rank-r factor pair, r·(in + out). */
    public long lowRankParameterCount(int rank) {
        return (long) rank * (inFeatures + outFeatures);
    }
}
