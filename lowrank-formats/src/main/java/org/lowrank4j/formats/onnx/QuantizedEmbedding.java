package org.lowrank4j.formats.onnx;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * Writes an embedding table (a [vocabulary, hidden] float initializer read by Gather nodes) as block-quantized rows
 * that ONNX Runtime's {@code com.microsoft.GatherBlockQuantized} gathers and dequantizes.
 *
 * <p>Every {@code Gather(table, ids)} on axis 0 becomes {@code GatherBlockQuantized(data, ids, scales
 * [, zero_points])} with gather_axis = 0, quantize_axis = 1, block_size = the group size and bits. The table is a
 * {@link QuantizedMatrix} with one row per token (rows = vocabulary, groups along the hidden features), whose packed
 * layout is what the operator reads for uint8 data: data [vocabulary, hidden·bits/8], scales [vocabulary,
 * hidden/block], packed zero points [vocabulary, ⌈(hidden/block)·bits/8⌉] for asymmetric formats (symmetric ones
 * use the default 2^(bits−1)). Readers of the table other than such Gathers keep the float table.
 */
public final class QuantizedEmbedding {

    private QuantizedEmbedding() {}

    /**
     * Replaces the Gather readers of a table.
     *
     * @return the number of Gather nodes rewritten
     * @throws IllegalArgumentException when the table is not a 2-D FLOAT initializer of the matrix's shape, no
     *     Gather on axis 0 reads it, or the format has no GatherBlockQuantized encoding (normal float, 3 bits, a block
     *     that is not a power of two ≥ 16)
     */
    public static int toGatherBlockQuantized(OnnxModel model, String table, QuantizedMatrix weight) {
        long[] dims = model.initializerShape(table);
        if (dims.length != 2 || dims[0] != weight.rows() || dims[1] != weight.cols()) {
            throw new IllegalArgumentException("embedding table '" + table + "' has shape " + OnnxTensors.shapeText(dims)
                    + "; the quantized table is " + weight.rows() + "x" + weight.cols());
        }
        if (model.initializerType(table) != DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("embedding table '" + table + "' is "
                    + OnnxTensors.typeName(model.initializerType(table)) + "; quantized rewrites take FLOAT");
        }
        QuantizationFormat format = weight.format();
        int bits = weight.bits();
        int block = weight.groupSize();
        if (format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT || (bits != 2 && bits != 4 && bits != 8)
                || block < 16 || Integer.bitCount(block) != 1) {
            throw new IllegalArgumentException("embedding table '" + table + "': GatherBlockQuantized takes uniform"
                    + " 2, 4 or 8-bit codes in blocks of a power of two >= 16, got " + format + " (block " + block + ")");
        }
        List<Integer> gathers = new ArrayList<>();
        for (int i = 0; i < model.nodeCount(); i++) {
            NodeProto node = model.node(i);
            if (node.getOpType().equals("Gather") && node.getDomain().isEmpty() && node.getInput(0).equals(table)
                    && gatherAxis(node) == 0) {
                gathers.add(i);
            }
        }
        if (gathers.isEmpty()) {
            throw new IllegalArgumentException("embedding table '" + table + "' is read by no Gather on axis 0");
        }

        String data = model.uniqueName(table + ".quantized");
        model.putInitializer(QuantizedRewrite.bytesTensor(data, DataType.UINT8,
                new long[] {weight.rows(), weight.codeRowBytes()}, weight.packedCodes()));
        String scales = model.uniqueName(table + ".scales");
        model.putInitializer(OnnxTensors.fromFloats(scales, new long[] {weight.rows(), weight.groupsPerRow()},
                weight.scales(), DataType.FLOAT));
        String zeros = null;
        if (weight.packedZeroPoints() != null) {
            zeros = model.uniqueName(table + ".zero_points");
            model.putInitializer(QuantizedRewrite.bytesTensor(zeros, DataType.UINT8,
                    new long[] {weight.rows(), weight.zeroPointRowBytes()}, weight.packedZeroPoints()));
        }
        for (int index : gathers) {
            NodeProto gather = model.node(index);
            String base = gather.getName().isEmpty() ? gather.getOutput(0) : gather.getName();
            NodeProto.Builder quantized = NodeProto.newBuilder()
                    .setName(model.uniqueName(base + "/GatherBlockQuantized"))
                    .setOpType("GatherBlockQuantized")
                    .setDomain(QuantizedRewrite.MICROSOFT_DOMAIN)
                    .addInput(data)
                    .addInput(gather.getInput(1))
                    .addInput(scales)
                    .addAllOutput(gather.getOutputList())
                    .addAttribute(QuantizedRewrite.intAttribute("gather_axis", 0))
                    .addAttribute(QuantizedRewrite.intAttribute("quantize_axis", 1))
                    .addAttribute(QuantizedRewrite.intAttribute("block_size", block))
                    .addAttribute(QuantizedRewrite.intAttribute("bits", bits));
            if (zeros != null) {
                quantized.addInput(zeros);
            }
            model.replaceNode(index, List.of(quantized.build()));
        }
        model.importOpset(QuantizedRewrite.MICROSOFT_DOMAIN, 1);
        QuantizedRewrite.removeIfUnused(model, table);
        return gathers.size();
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
