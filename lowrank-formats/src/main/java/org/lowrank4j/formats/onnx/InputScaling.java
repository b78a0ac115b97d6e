package org.lowrank4j.formats.onnx;

import java.util.List;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Scales the input of a site's (quantized) weight node per input channel: the node that produces the site's output,
 * already rewritten (for example by {@link QuantizedRewrite#toMatMulNBits}) and reading {@code x}, reads
 * {@code Mul(x, scale)} instead:
 * <pre>
 *   xs = Mul(x, scale)          scale: [in]
 *   y  = MatMulNBits(xs, …)
 * </pre>
 * Only that node reads xs; every other consumer of x (a low-rank branch added afterwards by {@link LowRankBranch#add},
 * the other projections) still reads x. SVDQuant's smoothing writes scale = 1/λ this way. New names derive from the
 * site's weight: {@code <weight>.input_scale}.
 */
public final class InputScaling {

    private InputScaling() {}

    /**
     * @param scale one finite, non-zero value per input feature
     * @throws IllegalArgumentException when the scale has the wrong length or a non-finite or zero value, or no node
     *     reading the site's input produces the site's output
     */
    public static void add(OnnxModel model, LinearSite site, float[] scale) {
        if (scale.length != site.inFeatures()) {
            throw new IllegalArgumentException(site.name() + ": an input scale needs " + site.inFeatures() + " values, got " + scale.length);
        }
        for (int j = 0; j < scale.length; j++) {
            if (!Float.isFinite(scale[j]) || scale[j] == 0) {
                throw new IllegalArgumentException(site.name() + ": input scale " + scale[j] + " at feature " + j + " must be finite and non-zero");
            }
        }
        int producer = model.producerIndex(site.nodeOutput());
        if (producer < 0 || model.node(producer).getInputCount() == 0 || !model.node(producer).getInput(0).equals(site.input())) {
            throw new IllegalArgumentException(site.name() + ": no node reading '" + site.input() + "' produces '" + site.nodeOutput() + "'");
        }
        NodeProto node = model.node(producer);
        String base = node.getName().isEmpty() ? site.nodeOutput() : node.getName();
        String scaleName = model.uniqueName(site.initializer() + ".input_scale");
        String scaled = model.uniqueName(base + "/input_scale_output_0");
        model.putInitializer(scaleName, new long[] {scale.length}, scale, DataType.FLOAT);
        NodeProto mul = NodeProto.newBuilder().setName(model.uniqueName(base + "/input_scale")).setOpType("Mul")
                .addInput(site.input()).addInput(scaleName).addOutput(scaled).build();
        model.replaceNode(producer, List.of(mul, node.toBuilder().setInput(0, scaled).build()));
    }
}
