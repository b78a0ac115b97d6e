package org.lowrank4j.nn.weight;

import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * How the weight {@code W(out,in)} of a linear map is stored and applied: densely ({@link DenseWeight}), as a
 * product of factors ({@link LowRankWeight}), and later low-rank plus sparse, low-rank plus quantized, dictionary
 * forms. The layer never sees W itself, only these operations, so a new form needs no change elsewhere.
 *
 * <p>Shapes follow Hugging Face / PyTorch: {@code y = x·Wᵀ} for {@code x(N,in)}, {@code y(N,out)}, where N is the
 * product of all leading axes ({@code (B,T)} in a transformer). Implementations are stateless between calls:
 * {@link #backward} receives the forward input again, so the same weight may serve several forward passes (for
 * example q, k, v of shared input) before their backward passes. Frozen parts (quantized codes, a fixed sparse
 * pattern) are simply absent from {@link #parameters()}.
 */
public interface WeightFactorization extends Module {

    /** in: the width of the input rows. */
    int inFeatures();

    /** out: the width of the output rows. */
    int outFeatures();

    Precision precision();

    /** {@code y(..., out) = x(..., in)·Wᵀ} as a new tensor. */
    Tensor forward(Tensor x);

    /**
     * Given {@code dy(..., out)} and the forward input {@code x(..., in)}, adds the gradients of the trainable
     * factors into their {@link org.lowrank4j.nn.Parameter#gradient()} and returns {@code dx(..., in) = dy·W}.
     */
    Tensor backward(Tensor dy, Tensor x);

    /**
     * {@code y(..., out) = x(..., in)·Wᵀ} written into {@code y}, every entry, whatever it held: what a layer that keeps
     * its buffers from one step to the next calls. This default copies {@link #forward}'s new tensor; the forms that
     * training runs through write straight into {@code y}.
     */
    default void forwardInto(Tensor y, Tensor x) {
        checkOutput(y, x);
        y.copyFrom(forward(x));
    }

    /**
     * As {@link #backward}, with {@code dx = dy·W} written into {@code dx} (every entry) or, when {@code accumulate}, added
     * to what it holds. This default goes through {@link #backward}'s new tensor.
     */
    default void backwardInto(Tensor dx, Tensor dy, Tensor x, boolean accumulate) {
        checkInputGradient(dx, x);
        Tensor g = backward(dy, x);
        if (accumulate) {
            Kernels.of(dx).addInPlace(dx, g);
        } else {
            dx.copyFrom(g);
        }
    }

    /**
     * Adds this weight's parameter gradients for {@code dy} without the input gradient, for a layer below which nothing
     * trains. This default runs the whole {@link #backward} and drops dx; forms that can skip dx do.
     */
    default void parameterGradients(Tensor dy, Tensor x) {
        backward(dy, x);
    }

    /** Checks that {@code dx} can hold the gradient of input {@code x}: the same size and precision. */
    default void checkInputGradient(Tensor dx, Tensor x) {
        if (dx.size() != x.size() || dx.precision() != x.precision()) {
            throw new IllegalArgumentException("input gradient " + dx.shapeString() + " " + dx.precision() + " does not match the input "
                    + x.shapeString() + " " + x.precision());
        }
    }

    /** Checks that {@code y} can hold the output for input {@code x}: the same rows, {@link #outFeatures()} wide. */
    default void checkOutput(Tensor y, Tensor x) {
        if (y.precision() != precision() || y.rank() < 1 || y.dim(-1) != outFeatures()
                || (long) y.size() * inFeatures() != (long) x.size() * outFeatures()) {
            throw new IllegalArgumentException("output " + y.shapeString() + " " + y.precision() + " cannot hold x·Wᵀ for input "
                    + x.shapeString() + " and a " + outFeatures() + "x" + inFeatures() + " " + precision() + " weight");
        }
    }

    /** W as a dense {@code (out,in)} tensor in this weight's precision (for merging, export, and tests). */
    Tensor toDense();

    /** Checks that {@code x} has rows of width {@link #inFeatures()}, naming the shapes when it does not. */
    default void checkInput(String what, Tensor x) {
        if (x.rank() < 1 || x.dim(-1) != inFeatures()) {
            throw new IllegalArgumentException(what + ": input of shape " + x.shapeString() + " does not end in the "
                    + inFeatures() + " input features of a " + outFeatures() + "x" + inFeatures() + " weight");
        }
    }

    /** A zero output for input {@code x}, after checking x (named {@code what} in the message): what {@link #forward} fills. */
    default Tensor newOutput(String what, Tensor x) {
        checkInput(what, x);
        return Tensor.zeros(precision(), outputShape(x));
    }

    /** The shape of the output for an input {@code x}: x's shape with its last axis replaced by {@code out}. */
    default int[] outputShape(Tensor x) {
        int[] shape = x.shape();
        shape[shape.length - 1] = outFeatures();
        return shape;
    }
}
