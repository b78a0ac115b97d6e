package org.lowrank4j.formats.onnx;

import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Adds a float low-rank branch beside a site whose weight node was already replaced (for example by
 * {@link QuantizedRewrite#toMatMulNBits}): the node that produced the site's output y now writes {@code y_base}, and
 * <pre>
 *   t = MatMul(x, first)        first: in×r
 *   u = MatMul(t, second)       second: r×out
 *   y = Add(y_base, u)
 * </pre>
 * follow it, so the site computes {@code y = x·Ŵ + (x·first)·second}. A bias Add after the site reads y as before.
 * New names derive from the site's weight: {@code <weight>.branch_first}, {@code <weight>.branch_second}.
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
        int producer = model.producerIndex(site.nodeOutput());
        if (producer < 0) {
            throw new IllegalArgumentException(site.name() + ": no node produces '" + site.nodeOutput() + "'");
        }
        NodeProto node = model.node(producer);
        String base = node.getName().isEmpty() ? site.nodeOutput() : node.getName();
        String baseOutput = model.uniqueName(site.nodeOutput() + "/base");
        String middle = model.uniqueName(base + "/branch_first_output_0");
        String branchOutput = model.uniqueName(base + "/branch_second_output_0");
        String firstName = model.uniqueName(site.initializer() + ".branch_first");
        String secondName = model.uniqueName(site.initializer() + ".branch_second");
        model.putInitializer(firstName, new long[] {in, rank}, first, DataType.FLOAT);
        model.putInitializer(secondName, new long[] {rank, out}, second, DataType.FLOAT);
        NodeProto rewired = node.toBuilder().setOutput(0, baseOutput).build();
        NodeProto firstProduct = NodeProto.newBuilder().setName(model.uniqueName(base + "/branch_first")).setOpType("MatMul")
                .addInput(site.input()).addInput(firstName).addOutput(middle).build();
        NodeProto secondProduct = NodeProto.newBuilder().setName(model.uniqueName(base + "/branch_second")).setOpType("MatMul")
                .addInput(middle).addInput(secondName).addOutput(branchOutput).build();
        NodeProto sum = NodeProto.newBuilder().setName(model.uniqueName(base + "/branch_add")).setOpType("Add")
                .addInput(baseOutput).addInput(branchOutput).addOutput(site.nodeOutput()).build();
        model.replaceNode(producer, List.of(rewired, firstProduct, secondProduct, sum));
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
