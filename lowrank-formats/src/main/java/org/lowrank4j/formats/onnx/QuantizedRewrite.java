package org.lowrank4j.formats.onnx;

import com.google.protobuf.ByteString;
import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * Writes a linear site's weight in a quantized form that ONNX Runtime (1.29, CPU) runs.
 *
 * <p>The weight is given as a {@link QuantizedMatrix} W (out×in: rows are output channels, groups run along the
 * input features), the transpose of the ONNX in×out view of {@link LinearSite}.
 * <ul>
 *   <li>{@link #toMatMulNBits}: {@code MatMul(x, W)} becomes {@code com.microsoft.MatMulNBits(x, B, scales
 *       [, zero_points])} with attributes K = in, N = out, bits, block_size = group size. B is [N, K/block,
 *       block·bits/8] uint8, which is QuantizedMatrix's packed codes as they are (one row per output channel,
 *       quantized along K); scales are [N, K/block]; packed uint8 zero points [N, ⌈(K/block)·bits/8⌉] are written for
 *       asymmetric formats and left out for symmetric ones (the runtime's default zero point 2^(bits−1) is
 *       QuantizedMatrix's implicit one). ORT 1.29's CPU kernel takes 2, 4 and 8 bits and blocks of 16 to 256;
 *       a bias Add after the MatMul stays as it is.</li>
 *   <li>{@link #toMatMulBnb4}: NF4 weights through {@code com.microsoft.MatMulBnb4}.</li>
 *   <li>{@link #toDequantizeLinear}: an 8-bit per-output-channel weight becomes an int8 (symmetric) or uint8 with
 *       zero points (asymmetric) initializer in the original storage orientation, dequantized per axis by
 *       {@code DequantizeLinear} (opset ≥ 13) into the float weight the MatMul or Gemm reads. Note: ONNX Runtime
 *       fuses DequantizeLinear → MatMul into MatMulNBits when it loads the model and, with default session options
 *       ({@code session.qdq_matmulnbits_accuracy_level} = 4), then rounds the activations to int8 too; MatMulNBits
 *       with 8 bits written here keeps them in float.</li>
 * </ul>
 * New names derive from the weight: {@code <weight>.quantized}, {@code <weight>.scales}, {@code <weight>.zero_points},
 * made unique if taken. The old initializer is removed once nothing reads it.
 */
public final class QuantizedRewrite {

    /** The domain of ONNX Runtime's contrib operators. */
    public static final String MICROSOFT_DOMAIN = "com.microsoft";

    private QuantizedRewrite() {}

    /**
     * Replaces a MatMul site by MatMulNBits.
     *
     * @throws IllegalArgumentException when the site is not a float MatMul still in the graph, the matrix is not
     *     out×in, or its format has no MatMulNBits encoding in ORT 1.29's CPU kernel (normal float, 3 bits, a
     *     group size other than 16, 32, 64, 128 or 256)
     */
    public static void toMatMulNBits(OnnxModel model, LinearSite site, QuantizedMatrix weight) {
        toMatMulNBits(model, site, weight, 0);
    }

    /**
     * As {@link #toMatMulNBits(OnnxModel, LinearSite, QuantizedMatrix)} with the node's {@code accuracy_level}: 0
     * (unset) keeps the activations in float; 4 lets the runtime round them to int8 per block (faster, less exact).
     */
    public static void toMatMulNBits(OnnxModel model, LinearSite site, QuantizedMatrix weight, int accuracyLevel) {
        if (accuracyLevel < 0 || accuracyLevel > 4) {
            throw new IllegalArgumentException(site.name() + ": MatMulNBits accuracy level must be 0 to 4, got "
                    + accuracyLevel);
        }
        requireShape(site, weight);
        QuantizationFormat format = weight.format();
        if (!site.opType().equals("MatMul")) {
            throw new IllegalArgumentException(site.name() + ": MatMulNBits replaces a MatMul, this site is a "
                    + site.opType() + "; write it with DequantizeLinear");
        }
        if (format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT) {
            throw new IllegalArgumentException(site.name() + ": " + format
                    + " has no MatMulNBits encoding (its levels are not uniform)");
        }
        int bits = weight.bits();
        if (bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException(site.name() + ": MatMulNBits in ONNX Runtime takes 2, 4 or 8 bits, got "
                    + bits);
        }
        int block = weight.groupSize();
        requireCpuBlockSize(site, "MatMulNBits", block);
        int index = requireFloatMatMul(model, site);
        NodeProto node = model.node(index);

        String base = node.getName().isEmpty() ? site.nodeOutput() : node.getName();
        NodeProto product = matMulNBits(model, model.uniqueName(base + "/MatMulNBits"), site.input(), node.getOutput(0),
                site.initializer() + ".quantized", site.initializer(), weight, accuracyLevel);
        model.replaceNode(index, List.of(product));
        removeIfUnused(model, site.initializer());
    }

    /**
     * A MatMulNBits node {@code output = input · weightᵀ} (weight out×in, groups along in, a power of two from 16 to
     * 256), with its initializers added under unique names: the codes as {@code codesName}, {@code <prefix>.scales},
     * and {@code <prefix>.zero_points} for asymmetric codes. Imports the com.microsoft opset. The caller puts the node
     * in the graph.
     */
    static NodeProto matMulNBits(OnnxModel model, String nodeName, String input, String output, String codesName, String prefix,
                                 QuantizedMatrix weight, int accuracyLevel) {
        int bits = weight.bits(), block = weight.groupSize(), out = weight.rows(), blocks = weight.groupsPerRow();
        String codes = model.uniqueName(codesName);
        model.putInitializer(bytesTensor(codes, DataType.UINT8, new long[] {out, blocks, (long) block * bits / 8}, weight.packedCodes()));
        String scales = model.uniqueName(prefix + ".scales");
        model.putInitializer(OnnxTensors.fromFloats(scales, new long[] {out, blocks}, weight.scales(), DataType.FLOAT));
        NodeProto.Builder product = NodeProto.newBuilder()
                .setName(nodeName)
                .setOpType("MatMulNBits")
                .setDomain(MICROSOFT_DOMAIN)
                .addInput(input)
                .addInput(codes)
                .addInput(scales)
                .addOutput(output)
                .addAttribute(intAttribute("K", weight.cols()))
                .addAttribute(intAttribute("N", out))
                .addAttribute(intAttribute("bits", bits))
                .addAttribute(intAttribute("block_size", block));
        if (accuracyLevel != 0) {
            product.addAttribute(intAttribute("accuracy_level", accuracyLevel));
        }
        byte[] zeroPoints = weight.packedZeroPoints();
        if (zeroPoints != null) {
            String zeros = model.uniqueName(prefix + ".zero_points");
            model.putInitializer(bytesTensor(zeros, DataType.UINT8, new long[] {out, weight.zeroPointRowBytes()}, zeroPoints));
            product.addInput(zeros);
        }
        model.importOpset(MICROSOFT_DOMAIN, 1);
        return product.build();
    }

    /**
     * Replaces a site's float weight by an 8-bit initializer and a DequantizeLinear per output channel feeding the
     * same MatMul or Gemm.
     *
     * @throws IllegalArgumentException when the format is not 8-bit with one group per output channel, the default
     *     opset is below 13, the matrix is not out×in, or the site is no longer in the graph
     */
    public static void toDequantizeLinear(OnnxModel model, LinearSite site, QuantizedMatrix weight) {
        requireShape(site, weight);
        QuantizationFormat format = weight.format();
        if (weight.bits() != 8 || format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT
                || weight.groupsPerRow() != 1) {
            throw new IllegalArgumentException(site.name() + ": DequantizeLinear writes 8-bit weights with one scale per"
                    + " output channel, got " + format);
        }
        long opset = model.opsetVersion("");
        if (opset < 13) {
            throw new IllegalArgumentException(site.name() + ": per-channel DequantizeLinear needs opset 13 or later,"
                    + " the model imports " + (opset < 0 ? "no default opset" : "opset " + opset));
        }
        requireFloat(site);
        int index = LowRankRewrite.siteNodeIndex(model, site);
        NodeProto node = model.node(index);

        int in = site.inFeatures();
        int out = site.outFeatures();
        boolean symmetric = format.kind() == QuantizationFormat.Kind.SYMMETRIC;
        int offset = symmetric ? 128 : 0; // int8 value = code − 128; uint8 keeps the code
        byte[] stored = new byte[in * out];
        for (int n = 0; n < out; n++) {
            for (int k = 0; k < in; k++) {
                byte value = (byte) (weight.code(n, k) - offset);
                stored[site.transposed() ? n * in + k : k * out + n] = value;
            }
        }
        long[] dims = site.transposed() ? new long[] {out, in} : new long[] {in, out};
        String codes = model.uniqueName(site.initializer() + ".quantized");
        model.putInitializer(bytesTensor(codes, symmetric ? DataType.INT8 : DataType.UINT8, dims, stored));
        String scales = model.uniqueName(site.initializer() + ".scales");
        model.putInitializer(OnnxTensors.fromFloats(scales, new long[] {out}, weight.scales(), DataType.FLOAT));
        String dequantized = model.uniqueName(site.initializer() + ".dequantized");
        NodeProto.Builder dequantize = NodeProto.newBuilder()
                .setName(model.uniqueName(site.initializer() + "/DequantizeLinear"))
                .setOpType("DequantizeLinear")
                .addInput(codes)
                .addInput(scales)
                .addOutput(dequantized)
                .addAttribute(intAttribute("axis", site.transposed() ? 0 : 1));
        if (!symmetric) {
            byte[] zeros = new byte[out];
            for (int n = 0; n < out; n++) {
                zeros[n] = (byte) weight.zeroPoint(n, 0);
            }
            String zeroName = model.uniqueName(site.initializer() + ".zero_points");
            model.putInitializer(bytesTensor(zeroName, DataType.UINT8, new long[] {out}, zeros));
            dequantize.addInput(zeroName);
        }
        model.replaceNode(index, List.of(dequantize.build(), node.toBuilder().setInput(1, dequantized).build()));
        removeIfUnused(model, site.initializer());
    }

    /**
     * Replaces a MatMul site whose weight is NF4 by {@code com.microsoft.MatMulBnb4} (quant_type 1 = NF4): B is the
     * out×in codes flattened row-major, two per byte with the first in the high nibble (bitsandbytes' order), and
     * absmax holds one scale per block of block_size consecutive codes — QuantizedMatrix's scales as they are. ORT
     * dequantizes with bitsandbytes' float32 NF4 table, which matches {@code NormalFloat.levels(4)} to 1.1e-7.
     *
     * @throws IllegalArgumentException unless the format is NF4 with a block of 16 to 256 (a power of two) and the
     *     site a float MatMul still in the graph
     */
    public static void toMatMulBnb4(OnnxModel model, LinearSite site, QuantizedMatrix weight) {
        requireShape(site, weight);
        if (weight.format().kind() != QuantizationFormat.Kind.NORMAL_FLOAT || weight.bits() != 4) {
            throw new IllegalArgumentException(site.name() + ": MatMulBnb4 writes NF4 weights, got " + weight.format());
        }
        int block = weight.groupSize();
        requireCpuBlockSize(site, "MatMulBnb4", block);
        int index = requireFloatMatMul(model, site);
        NodeProto node = model.node(index);

        int in = site.inFeatures();
        int out = site.outFeatures();
        byte[] packed = new byte[(int) (((long) in * out + 1) / 2)];
        for (int n = 0; n < out; n++) {
            for (int k = 0; k < in; k++) {
                long flat = (long) n * in + k;
                int code = weight.code(n, k);
                packed[(int) (flat / 2)] |= (byte) (flat % 2 == 0 ? code << 4 : code);
            }
        }
        String codes = model.uniqueName(site.initializer() + ".quantized");
        model.putInitializer(bytesTensor(codes, DataType.UINT8, new long[] {packed.length}, packed));
        String absmax = model.uniqueName(site.initializer() + ".absmax");
        float[] scales = weight.scales();
        model.putInitializer(OnnxTensors.fromFloats(absmax, new long[] {scales.length}, scales, DataType.FLOAT));
        String base = node.getName().isEmpty() ? site.nodeOutput() : node.getName();
        NodeProto product = NodeProto.newBuilder()
                .setName(model.uniqueName(base + "/MatMulBnb4"))
                .setOpType("MatMulBnb4")
                .setDomain(MICROSOFT_DOMAIN)
                .addInput(site.input())
                .addInput(codes)
                .addInput(absmax)
                .addAllOutput(node.getOutputList())
                .addAttribute(intAttribute("K", in))
                .addAttribute(intAttribute("N", out))
                .addAttribute(intAttribute("block_size", block))
                .addAttribute(intAttribute("quant_type", 1))
                .build();
        model.importOpset(MICROSOFT_DOMAIN, 1);
        model.replaceNode(index, List.of(product));
        removeIfUnused(model, site.initializer());
    }

    /** ORT 1.29's CPU kernels for MatMulNBits and MatMulBnb4 take blocks of 16, 32, 64, 128 or 256. */
    private static void requireCpuBlockSize(LinearSite site, String operator, int block) {
        if (block < 16 || block > 256 || Integer.bitCount(block) != 1) {
            throw new IllegalArgumentException(site.name() + ": " + operator + " needs a group size that is a power of"
                    + " two from 16 to 256, got " + block);
        }
    }

    /** The index of the site's node, which must be a default-domain MatMul on FLOAT weights. */
    private static int requireFloatMatMul(OnnxModel model, LinearSite site) {
        requireFloat(site);
        int index = LowRankRewrite.siteNodeIndex(model, site);
        String domain = model.node(index).getDomain();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw new IllegalArgumentException(site.name() + ": the MatMul is in domain '" + domain + "'");
        }
        return index;
    }

    private static void requireShape(LinearSite site, QuantizedMatrix weight) {
        if (weight.rows() != site.outFeatures() || weight.cols() != site.inFeatures()) {
            throw new IllegalArgumentException(site.name() + ": the quantized weight must be out×in = "
                    + site.outFeatures() + "x" + site.inFeatures() + " (rows are output channels), got "
                    + weight.rows() + "x" + weight.cols());
        }
    }

    private static void requireFloat(LinearSite site) {
        if (site.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException(site.name() + ": quantized rewrites take FLOAT weights, this one is "
                    + site.dataType());
        }
    }

    static void removeIfUnused(OnnxModel model, String initializer) {
        if (!model.isValueUsed(initializer)) {
            model.removeInitializer(initializer);
        }
    }

    static TensorProto bytesTensor(String name, DataType type, long[] dims, byte[] values) {
        long count = OnnxTensors.elementCount(dims);
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + OnnxTensors.shapeText(dims) + " needs "
                    + count + " bytes, got " + values.length);
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            tensor.addDims(d);
        }
        return tensor.setRawData(ByteString.copyFrom(values)).build();
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}
