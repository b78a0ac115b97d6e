package org.lowrank4j.compress.runtime;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * One linear layer of a runtime model as compression sees it.
 *
 * @param name   readable and unique, e.g. "block 3 attention.query"
 * @param role   the role label shared with the ONNX path ("attention.query", "ffn.down", …), read by per-type allocators
 * @param block  transformer block index
 * @param stage  position of the site's input inside its block: sites of one block and stage read the same tensor
 *               (0 = query/key/value, 1 = attention output, 2 = gate/up or intermediate, 3 = down or output)
 * @param linear the live layer; compression swaps its weight
 */
public record RuntimeSite(String name, String role, int block, int stage, Linear linear) {

    /** The layer's current weight W (out × in) widened to float64, in compress's notation. */
    public LinearWeight weight() {
        Tensor w = linear.weight().toDense(); // (out, in)
        return new LinearWeight(name, role, block, DoubleMatrix.wrap(w.toDoubleArray(), w.dim(0), w.dim(1)), linear.bias() != null);
    }

    public int inFeatures() {
        return linear.inFeatures();
    }

    public int outFeatures() {
        return linear.outFeatures();
    }

    /**
     * Consecutive sites of the same block and stage, in forward order: the groups whose input is one tensor and that
     * a sequential pass compresses together.
     */
    public static List<List<RuntimeSite>> groups(List<RuntimeSite> sites) {
        List<List<RuntimeSite>> groups = new ArrayList<>();
        for (RuntimeSite s : sites) {
            List<RuntimeSite> last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
            if (last != null && last.get(0).block == s.block && last.get(0).stage == s.stage) {
                last.add(s);
            } else {
                groups.add(new ArrayList<>(List.of(s)));
            }
        }
        return groups;
    }

    /**
     * The rows of {@code x} (..., in) whose mask entry is 1, packed row-major as float32; all rows when the mask is
     * null (then possibly the tensor's own storage: read it, do not modify it). {@code x} is usually
     * {@link Linear#lastInput()}.
     */
    public static float[] realRows(Tensor x, int[] mask) {
        return realRows(x, mask, false);
    }

    /**
     * As {@link #realRows}, always in an array of its own: what a caller keeps across a later forward, which may write
     * over the layer's input (layers reuse their buffers from one call to the next).
     */
    public static float[] ownRealRows(Tensor x, int[] mask) {
        return realRows(x, mask, true);
    }

    private static float[] realRows(Tensor x, int[] mask, boolean own) {
        int features = x.dim(-1), rows = x.size() / features;
        if (mask != null && mask.length != rows) {
            throw new IllegalArgumentException("row mask of length " + mask.length + " for an input of " + rows + " rows (" + x.shapeString() + ")");
        }
        float[] all = x instanceof FloatTensor f ? f.data() : toFloat(x.toDoubleArray());
        if (mask == null) {
            return own && x instanceof FloatTensor ? all.clone() : all;
        }
        int kept = 0;
        for (int m : mask) {
            kept += m != 0 ? 1 : 0;
        }
        float[] out = new float[kept * features];
        for (int r = 0, k = 0; r < rows; r++) {
            if (mask[r] != 0) {
                System.arraycopy(all, r * features, out, k++ * features, features);
            }
        }
        return out;
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
