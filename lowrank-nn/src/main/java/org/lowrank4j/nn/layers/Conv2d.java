package org.lowrank4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * A 2-D convolution over channel-last images: {@code x(B,H,W,in) → y(B,Ho,Wo,out)}, square kernel k, stride s, zero
 * padding p, {@code Ho = (H + 2p − k)/s + 1}.
 *
 * <p>The kernel is a matrix {@code K(out, k·k·in)} (columns in the order (ky, kx, c_in)) held by a
 * {@link WeightFactorization}, so the forward pass is {@code patches(B·Ho·Wo, k·k·in) · Kᵀ + b} (im2col and one
 * BLAS product) and a low-rank or quantized kernel plugs in as it does for {@link Linear}. Backward:
 * {@code dK += dyᵀ·patches}, {@code db += Σ dy}, {@code dpatches = dy·K}, scattered back onto {@code dx}.
 */
public final class Conv2d implements Layer {
    private final String name;
    private final WeightFactorization kernel; // K (out, k·k·in)
    private final Parameter bias;             // b (out)
    private final int inChannels, size, stride, padding;
    private int[] inputShape;                 // (B,H,W,in) of the latest forward
    private Tensor patches;                   // (B,Ho,Wo,k·k·in) of the latest forward

    public Conv2d(String name, WeightFactorization kernel, Parameter bias, int inChannels, int size, int stride, int padding) {
        if (size < 1 || stride < 1 || padding < 0 || inChannels < 1) {
            throw new IllegalArgumentException(name + ": kernel size and stride must be positive, padding non-negative, channels positive; got k="
                    + size + " s=" + stride + " p=" + padding + " in=" + inChannels);
        }
        if (kernel.inFeatures() != size * size * inChannels) {
            throw new IllegalArgumentException(name + ": kernel matrix has " + kernel.inFeatures() + " columns, expected k·k·in = " + size * size * inChannels);
        }
        if (bias != null && !bias.value().hasShape(kernel.outFeatures())) {
            throw new IllegalArgumentException(name + ": bias " + bias.value().shapeString() + " does not match " + kernel.outFeatures() + " outputs");
        }
        this.name = name;
        this.kernel = kernel;
        this.bias = bias;
        this.inChannels = inChannels;
        this.size = size;
        this.stride = stride;
        this.padding = padding;
    }

    /** A dense convolution with He-normal kernel (std √(2 / (k·k·in))) and zero bias, named {@code name.weight}, {@code name.bias}. */
    public static Conv2d create(String name, int in, int out, int size, int stride, int padding, Precision precision, Random random) {
        Tensor k = Tensor.gaussian(precision, random, Math.sqrt(2.0 / (size * size * in)), out, size * size * in);
        return new Conv2d(name, new DenseWeight(new Parameter(name + ".weight", k)), new Parameter(name + ".bias", Tensor.zeros(precision, out)),
                in, size, stride, padding);
    }

    public String name() {
        return name;
    }

    /** The kernel matrix K (out, k·k·in). */
    public WeightFactorization kernel() {
        return kernel;
    }

    public int outChannels() {
        return kernel.outFeatures();
    }

    /** x (B,H,W,in) → y (B,Ho,Wo,out). */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.dim(3) != inChannels) {
            throw new IllegalArgumentException(name + ": input " + x.shapeString() + " is not (batch, height, width, " + inChannels + ")");
        }
        if (x.dim(1) + 2 * padding < size || x.dim(2) + 2 * padding < size) {
            throw new IllegalArgumentException(name + ": input " + x.shapeString() + " is smaller than the " + size + "x" + size + " kernel");
        }
        if (x.precision() != kernel.precision()) {
            throw new IllegalArgumentException(name + ": input is " + x.precision() + " but the layer is " + kernel.precision());
        }
        inputShape = x.shape();
        patches = Im2Col.patches(x, size, stride, padding);
        Tensor y = kernel.forward(patches); // (B,Ho,Wo,out)
        if (bias != null) {
            Kernels.of(y).addBias(y, bias.value());
        }
        return y;
    }

    /** dy (B,Ho,Wo,out) → dx (B,H,W,in); adds into the kernel's and the bias's gradients. */
    @Override
    public Tensor backward(Tensor dy) {
        if (patches == null) {
            throw new IllegalStateException(name + ": backward called before forward");
        }
        if (dy.rank() != 4 || dy.dim(0) != patches.dim(0) || dy.dim(1) != patches.dim(1) || dy.dim(2) != patches.dim(2) || dy.dim(3) != outChannels()) {
            throw new IllegalArgumentException(name + ": output gradient " + dy.shapeString() + " does not match the latest output");
        }
        if (bias != null) {
            Kernels.of(dy).addColumnSums(bias.gradient(), dy);
        }
        Tensor dpatches = kernel.backward(dy, patches);
        return Im2Col.scatter(dpatches, inputShape, size, stride, padding);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(kernel.parameters());
        if (bias != null) {
            out.add(bias);
        }
        return out;
    }
}
