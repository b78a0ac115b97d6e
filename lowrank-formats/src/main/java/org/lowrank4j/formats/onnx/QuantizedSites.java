package org.lowrank4j.formats.onnx;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * Reads back what {@link QuantizedRewrite#toMatMulNBits}, {@link InputScaling#add}, {@link LowRankBranch#add} and
 * {@link QuantizedEmbedding#toGatherBlockQuantized} wrote, so that a quantized graph can be loaded into the JVM runtime
 * (and its float branches trained and written back, the codes untouched).
 *
 * <p>A quantized site is a {@code com.microsoft.MatMulNBits} node: its weight (out×in, codes, scales and zero points as
 * written), the input it reads before SVDQuant's optional {@code Mul(x, scale)}, and the value the site's consumers read:
 * the MatMulNBits output itself, or the {@code Add(y_base, (x·first)·second)} of a low-rank branch after it. A branch
 * whose two products are MatMulNBits themselves ({@link LowRankBranch#addQuantized}) is read as its codes.
 */
public final class QuantizedSites {

    private QuantizedSites() {}

    /**
     * One MatMulNBits site.
     *
     * @param site         the site as a {@link LinearSite}: role and block from the node's name, {@code input} the
     *                     unscaled x, {@code nodeOutput} the value consumers read, {@code initializer} the codes
     * @param weight       the quantized weight, out×in
     * @param inputScale   the initializer of SVDQuant's per-input-channel scale, or null
     * @param branchFirst  the branch's in×r initializer ({@code <w>.branch_first}), or null without a branch
     * @param branchSecond the branch's r×out initializer, or null
     * @param firstCodes   the branch's first factor B (r×in) when it is stored in codes (then {@code branchFirst} names
     *                     them), else null
     * @param secondCodes  the branch's second factor A (out×r) in codes, else null
     */
    public record QuantizedSite(LinearSite site, QuantizedMatrix weight, String inputScale, String branchFirst, String branchSecond,
                                QuantizedMatrix firstCodes, QuantizedMatrix secondCodes) {

        /** A site whose branch (if any) is float32. */
        public QuantizedSite(LinearSite site, QuantizedMatrix weight, String inputScale, String branchFirst, String branchSecond) {
            this(site, weight, inputScale, branchFirst, branchSecond, null, null);
        }
    }

    /** Every MatMulNBits site of the graph, in graph order. */
    public static List<QuantizedSite> find(OnnxModel model) {
        List<QuantizedSite> found = new ArrayList<>();
        for (int i = 0; i < model.nodeCount(); i++) {
            NodeProto node = model.node(i);
            if (node.getOpType().equals("MatMulBnb4") || node.getOpType().equals("DequantizeLinear")) {
                throw new IllegalArgumentException("node '" + node.getName() + "' is a " + node.getOpType() + ": only MatMulNBits weights "
                        + "(rtn, gptq, eora, svdquant at 2, 4 or 8 bits) are read back into the JVM runtime, not NF4 or DequantizeLinear ones");
            }
            if (node.getOpType().equals("MatMulNBits") && node.getDomain().equals(QuantizedRewrite.MICROSOFT_DOMAIN)
                    && !isBranchProduct(node)) {
                found.add(site(model, node));
            }
        }
        return found;
    }

    /** Whether the graph holds any MatMulNBits or GatherBlockQuantized node. */
    public static boolean isQuantized(OnnxModel model) {
        return model.nodes().stream().anyMatch(n -> n.getOpType().equals("MatMulNBits") || n.getOpType().equals("GatherBlockQuantized"));
    }

    /** A MatMulNBits product of a branch in codes (its codes are {@code <w>.branch_first} or {@code <w>.branch_second}). */
    private static boolean isBranchProduct(NodeProto node) {
        return node.getInputCount() > 1 && (node.getInput(1).endsWith(".branch_first") || node.getInput(1).endsWith(".branch_second"));
    }

    private static QuantizedSite site(OnnxModel model, NodeProto node) {
        String what = "MatMulNBits node '" + node.getName() + "'";
        QuantizedMatrix weight = codes(model, node);
        int in = weight.cols(), out = weight.rows();

        String input = node.getInput(0), scale = null;
        int mul = model.producerIndex(input);
        if (mul >= 0 && model.node(mul).getOpType().equals("Mul") && model.node(mul).getInput(1).endsWith(".input_scale")
                && model.hasInitializer(model.node(mul).getInput(1))) {
            scale = model.node(mul).getInput(1);
            input = model.node(mul).getInput(0);
        }
        String output = node.getOutput(0), first = null, second = null;
        QuantizedMatrix firstCodes = null, secondCodes = null;
        for (int c = 0; c < model.nodeCount(); c++) {
            NodeProto add = model.node(c);
            if (!add.getOpType().equals("Add") || add.getInputCount() != 2 || !add.getInput(0).equals(output)) {
                continue;
            }
            int secondProduct = model.producerIndex(add.getInput(1));
            if (secondProduct < 0 || !model.node(secondProduct).getInput(1).endsWith(".branch_second")) {
                continue;
            }
            int firstProduct = model.producerIndex(model.node(secondProduct).getInput(0));
            if (firstProduct < 0 || !model.node(firstProduct).getInput(1).endsWith(".branch_first")
                    || !model.node(firstProduct).getInput(0).equals(input)) {
                throw new IllegalArgumentException(what + ": its low-rank branch does not read the site's input '" + input + "'");
            }
            first = model.node(firstProduct).getInput(1);
            second = model.node(secondProduct).getInput(1);
            output = add.getOutput(0);
            if (isBranchProduct(model.node(firstProduct)) && model.node(firstProduct).getOpType().equals("MatMulNBits")) {
                firstCodes = codes(model, model.node(firstProduct));
                secondCodes = codes(model, model.node(secondProduct));
            }
        }
        String nodeName = node.getName().endsWith("/MatMulNBits") ? node.getName().substring(0, node.getName().length() - "/MatMulNBits".length())
                : node.getName();
        LinearSite site = LinearSites.named(nodeName, node.getOpType(), input, output, node.getInput(1), in, out);
        return new QuantizedSite(site, weight, scale, first, second, firstCodes, secondCodes);
    }

    /** The out×in codes, scales and zero points a MatMulNBits node reads. */
    private static QuantizedMatrix codes(OnnxModel model, NodeProto node) {
        String what = "MatMulNBits node '" + node.getName() + "'";
        int in = (int) attribute(node, "K", what), out = (int) attribute(node, "N", what);
        int bits = (int) attribute(node, "bits", what), block = (int) attribute(node, "block_size", what);
        if (node.getInputCount() < 3) {
            throw new IllegalArgumentException(what + " has " + node.getInputCount() + " inputs; expected x, codes, scales [, zero points]");
        }
        boolean zeros = node.getInputCount() >= 4 && !node.getInput(3).isEmpty();
        QuantizationFormat format = zeros ? QuantizationFormat.asymmetric(bits, block) : QuantizationFormat.symmetric(bits, block);
        return new QuantizedMatrix(format, out, in, bytes(model, node.getInput(1), what), floats(model, node.getInput(2), what),
                zeros ? bytes(model, node.getInput(3), what) : null);
    }

    /** The float table a GatherBlockQuantized node reads, dequantized (rows × cols). */
    public static float[] dequantizedTable(OnnxModel model, NodeProto gather) {
        String what = "GatherBlockQuantized node '" + gather.getName() + "'";
        int bits = (int) attribute(gather, "bits", what), block = (int) attribute(gather, "block_size", what);
        if (attribute(gather, "quantize_axis", what) != 1 || attribute(gather, "gather_axis", what) != 0) {
            throw new IllegalArgumentException(what + " is not a row gather of a table quantized along its rows");
        }
        long[] scaleDims = model.initializerShape(gather.getInput(2));
        if (scaleDims.length != 2) {
            throw new IllegalArgumentException(what + ": scales of shape " + OnnxTensors.shapeText(scaleDims) + ", expected rows × blocks");
        }
        int rows = (int) scaleDims[0], cols = (int) scaleDims[1] * block;
        boolean zeros = gather.getInputCount() >= 4 && !gather.getInput(3).isEmpty();
        QuantizationFormat format = zeros ? QuantizationFormat.asymmetric(bits, block) : QuantizationFormat.symmetric(bits, block);
        QuantizedMatrix table = new QuantizedMatrix(format, rows, cols, bytes(model, gather.getInput(0), what), floats(model, gather.getInput(2), what),
                zeros ? bytes(model, gather.getInput(3), what) : null);
        float[] out = new float[rows * cols];
        table.dequantizeRows(0, rows, out);
        return out;
    }

    private static byte[] bytes(OnnxModel model, String name, String what) {
        if (!model.hasInitializer(name)) {
            throw new IllegalArgumentException(what + " reads '" + name + "', which is not an initializer");
        }
        TensorProto t = model.initializer(name);
        if (t.getDataType() != TensorProto.DataType.UINT8_VALUE || t.getRawData().isEmpty()) {
            throw new IllegalArgumentException(what + ": '" + name + "' is not a uint8 tensor with raw data");
        }
        return t.getRawData().toByteArray();
    }

    private static float[] floats(OnnxModel model, String name, String what) {
        if (!model.hasInitializer(name)) {
            throw new IllegalArgumentException(what + " reads '" + name + "', which is not an initializer");
        }
        return model.initializerFloats(name);
    }

    private static long attribute(NodeProto node, String name, String what) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        throw new IllegalArgumentException(what + " has no '" + name + "' attribute");
    }
}
