package org.lowrank4j.formats.onnx;

import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;

/**
 * Rewrites one linear site y = x·W into y = (x·first)·second.
 *
 * <p>MatMul: {@code MatMul(x, W) → y} becomes {@code MatMul(x, first) → t} then {@code MatMul(t, second) → y};
 * a bias Add after it is untouched. Gemm: the first product is a MatMul and the original Gemm keeps its
 * attributes (alpha, beta, transB) and bias C with A = t and B = second (stored transposed when transB = 1).
 * New names derive from the weight and node names: {@code <weight>.lowrank_first},
 * {@code <weight>.lowrank_second}, {@code <node>/lowrank_first}, made unique if taken.
 */
final class LowRankRewrite {

    private LowRankRewrite() {}

    static void apply(OnnxModel model, LinearSite site, int rank, float[] first, float[] second) {
        int in = site.inFeatures();
        int out = site.outFeatures();
        if (rank < 1) {
            throw new IllegalArgumentException(site.name() + ": rank must be at least 1, got " + rank);
        }
        if (first.length != (long) in * rank || second.length != (long) rank * out) {
            throw new IllegalArgumentException(site.name() + ": factors for W " + in + "×" + out + " at rank " + rank
                    + " must be " + in + "×" + rank + " and " + rank + "×" + out + " (" + (long) in * rank + " and "
                    + (long) rank * out + " values), got " + first.length + " and " + second.length + " values");
        }
        requireFinite(site, "first", first);
        requireFinite(site, "second", second);
        int index = siteNodeIndex(model, site);
        NodeProto node = model.node(index);

        String firstName = model.uniqueName(site.initializer() + ".lowrank_first");
        model.putInitializer(firstName, new long[] {in, rank}, first, site.dataType());
        String secondName = model.uniqueName(site.initializer() + ".lowrank_second");
        if (site.transposed()) {
            model.putInitializer(secondName, new long[] {out, rank}, transpose(second, rank, out), site.dataType());
        } else {
            model.putInitializer(secondName, new long[] {rank, out}, second, site.dataType());
        }

        String base = node.getName().isEmpty() ? site.nodeOutput() : node.getName();
        String middle = model.uniqueName(base + "/lowrank_first_output_0");
        NodeProto firstProduct = NodeProto.newBuilder()
                .setName(model.uniqueName(base + "/lowrank_first"))
                .setOpType("MatMul")
                .setDomain(node.getDomain())
                .addInput(site.input())
                .addInput(firstName)
                .addOutput(middle)
                .build();
        NodeProto.Builder secondProduct = node.toBuilder().setInput(0, middle).setInput(1, secondName);
        if (!node.getName().isEmpty()) {
            secondProduct.setName(model.uniqueName(base + "/lowrank_second"));
        }
        model.replaceNode(index, List.of(firstProduct, secondProduct.build()));

        if (!model.isValueUsed(site.initializer())) {
            model.removeInitializer(site.initializer());
        }
    }

    /** The position of the site's MatMul/Gemm node, still reading the site's input and weight. */
    static int siteNodeIndex(OnnxModel model, LinearSite site) {
        int index = model.producerIndex(site.nodeOutput());
        NodeProto node = index < 0 ? null : model.node(index);
        if (node == null || !node.getOpType().equals(site.opType()) || node.getInputCount() < 2
                || !node.getInput(1).equals(site.initializer()) || !node.getInput(0).equals(site.input())) {
            throw new IllegalArgumentException(site.name() + ": the graph no longer has this site's " + site.opType()
                    + " reading '" + site.initializer() + "' (already rewritten?)");
        }
        return index;
    }

    /** The transpose of a rows×cols row-major matrix. */
    static float[] transpose(float[] matrix, int rows, int cols) {
        float[] result = new float[matrix.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                result[j * rows + i] = matrix[i * cols + j];
            }
        }
        return result;
    }

    private static void requireFinite(LinearSite site, String which, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(site.name() + ": factor '" + which + "' has a non-finite value "
                        + values[i] + " at index " + i);
            }
        }
    }
}
