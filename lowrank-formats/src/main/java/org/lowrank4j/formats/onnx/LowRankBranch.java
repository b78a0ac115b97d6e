package org.lowrank4j.formats.onnx;

import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;

/**
 * Adds a float low-rank branch beside a site whose weight node was already replaced (for example by
 * {@link QuantizedRewrite#toMatMulNBits}): the node that produced the site's output y now writes {@code y_base}, and
 * <pre>
 *   t = MatMul(x, first)        first: in×r
 *   u = MatMul(t, second)       second: r×out
 *   y = Add(y_base, u)
 * </pre>
 * follow it, so the site computes {@code y = x·Ŵ + (x·first)·second}. A bias Add after the site reads y as before.
 * New names derive from the site's weight: {@code <weight>.branch_first}, {@code <weight>.branch_second}. With
 * {@link #addQuantized} both products are {@code com.microsoft.MatMulNBits} nodes whose codes carry those names (their
 * scales {@code <name>.scales}).
 */
public final class LowRankBranch {

    private LowRankBranch() {}

    /**
     * @param first  in×r, row-major (the input-side factor, Bᵀ for W ≈ A·B with W out×in)
     * @param second r×out, row-major (Aᵀ)
     * @throws IllegalArgumentException when the rank is below 1, the factors do not have the site's shapes or hold a
     *     non-finite value, or no node produces the site's output
     */
    public static void add(OnnxModel model, LinearSite site, int rank, float[] first, float[] second) {
        int in = site.inFeatures();
        int out = site.outFeatures();
        if (rank < 1) {
            throw new IllegalArgumentException(site.name() + ": a low-rank branch needs rank >= 1, got " + rank);
        }
        if (first.length != (long) in * rank || second.length != (long) rank * out) {
            throw new IllegalArgumentException(site.name() + ": branch factors at rank " + rank + " must be " + in + "x"
                    + rank + " and " + rank + "x" + out + ", got " + first.length + " and " + second.length + " values");
        }
        requireFinite(site, first);
        requireFinite(site, second);
        producer(model, site);
        String firstName = model.uniqueName(site.initializer() + ".branch_first");
        String secondName = model.uniqueName(site.initializer() + ".branch_second");
        model.putInitializer(firstName, new long[] {in, rank}, first, DataType.FLOAT);
        model.putInitializer(secondName, new long[] {rank, out}, second, DataType.FLOAT);
        wire(model, site, (name, middle) -> NodeProto.newBuilder().setName(name).setOpType("MatMul").addInput(site.input()).addInput(firstName)
                .addOutput(middle).build(), (name, middle, output) -> NodeProto.newBuilder().setName(name).setOpType("MatMul").addInput(middle)
                .addInput(secondName).addOutput(output).build());
    }

    /**
     * The branch in codes: {@code t = MatMulNBits(x, first)}, {@code u = MatMulNBits(t, second)}.
     *
     * @param first  B, r×in (r outputs, groups along the site's inputs)
     * @param second A, out×r (groups along the rank)
     * @throws IllegalArgumentException when the factors do not have the site's shapes or chain, or their format has no
     *     MatMulNBits encoding (2, 4 or 8 uniform bits, groups of 16 to 256)
     */
    public static void addQuantized(OnnxModel model, LinearSite site, QuantizedMatrix first, QuantizedMatrix second) {
        if (first.cols() != site.inFeatures() || second.rows() != site.outFeatures() || second.cols() != first.rows()) {
            throw new IllegalArgumentException(site.name() + ": quantized branch factors " + first.rows() + "x" + first.cols() + " and "
                    + second.rows() + "x" + second.cols() + " do not fit a " + site.inFeatures() + " -> " + site.outFeatures() + " site");
        }
        for (QuantizedMatrix factor : List.of(first, second)) {
            QuantizationFormat f = factor.format();
            int block = factor.groupSize();
            if (f.kind() == QuantizationFormat.Kind.NORMAL_FLOAT || (f.bits() != 2 && f.bits() != 4 && f.bits() != 8)
                    || block < 16 || block > 256 || Integer.bitCount(block) != 1) {
                throw new IllegalArgumentException(site.name() + ": a branch factor in " + f + " has no MatMulNBits encoding "
                        + "(2, 4 or 8 uniform bits in groups of 16 to 256)");
            }
        }
        producer(model, site);
        String w = site.initializer();
        wire(model, site, (name, middle) -> QuantizedRewrite.matMulNBits(model, name, site.input(), middle, w + ".branch_first", w + ".branch_first",
                first, 0), (name, middle, output) -> QuantizedRewrite.matMulNBits(model, name, middle, output, w + ".branch_second",
                w + ".branch_second", second, 0));
    }

    private interface FirstProduct {
        NodeProto node(String name, String middle);
    }

    private interface SecondProduct {
        NodeProto node(String name, String middle, String output);
    }

    /** Rewires the site's producer to write y_base and adds the two products and the Add after it. */
    private static void wire(OnnxModel model, LinearSite site, FirstProduct firstProduct, SecondProduct secondProduct) {
        int producer = producer(model, site);
        NodeProto node = model.node(producer);
        String base = node.getName().isEmpty() ? site.nodeOutput() : node.getName();
        String baseOutput = model.uniqueName(site.nodeOutput() + "/base");
        String middle = model.uniqueName(base + "/branch_first_output_0");
        String branchOutput = model.uniqueName(base + "/branch_second_output_0");
        NodeProto rewired = node.toBuilder().setOutput(0, baseOutput).build();
        NodeProto first = firstProduct.node(model.uniqueName(base + "/branch_first"), middle);
        NodeProto second = secondProduct.node(model.uniqueName(base + "/branch_second"), middle, branchOutput);
        NodeProto sum = NodeProto.newBuilder().setName(model.uniqueName(base + "/branch_add")).setOpType("Add")
                .addInput(baseOutput).addInput(branchOutput).addOutput(site.nodeOutput()).build();
        model.replaceNode(producer, List.of(rewired, first, second, sum));
    }

    private static int producer(OnnxModel model, LinearSite site) {
        int producer = model.producerIndex(site.nodeOutput());
        if (producer < 0) {
            throw new IllegalArgumentException(site.name() + ": no node produces '" + site.nodeOutput() + "'");
        }
        return producer;
    }

    private static void requireFinite(LinearSite site, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(site.name() + ": branch factor has a non-finite value " + values[i]
                        + " at index " + i);
            }
        }
    }
}
