package org.lowrank4j.algorithms.intrinsic;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.unet.UNet;
import org.lowrank4j.nn.arch.unet.UNetConfig;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The two networks of ordinal-shading decomposition: the ordinal U-Net f (linear RGB → inverse shading, trusted up to
 * shift and scale) and the merge U-Net g (image, f at the base size upsampled, f at the working size → inverse shading).
 * {@link #decompose} runs the whole pipeline on a linear image; albedo is implied as I / S.
 */
public final class IntrinsicModel {
    /** Parameter-name prefixes in the saved tensors. */
    public static final String ORDINAL = "ordinal.", MERGE = "merge.";

    private final IntrinsicConfig config;
    private final UNet ordinal;
    private final UNet merge;

    public IntrinsicModel(IntrinsicConfig config, Precision precision, long seed) {
        this.config = config;
        Random random = new Random(seed);
        this.ordinal = new UNet(new UNetConfig(3, 1, config.widths()), precision, random);
        this.merge = new UNet(new UNetConfig(config.mergeChannels(), 1, config.widths()), precision, random);
        if (config.retinexInput() != null) {
            RetinexRefinement.zeroHead(merge);
        }
    }

    public IntrinsicConfig config() {
        return config;
    }

    public UNet ordinal() {
        return ordinal;
    }

    public UNet merge() {
        return merge;
    }

    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(ordinal.parameters());
        out.addAll(merge.parameters());
        return out;
    }

    /** The ordinal network on one linear image (sides multiples of 2^levels): its raw output, one channel. */
    public Raster ordinal(Raster image) {
        return Raster.fromTensor(ordinal.forward(image.toTensor(ordinal.precision())), 0);
    }

    /**
     * The merge network's input for one image at the working grid: RGB, the base-size ordinal estimate upsampled, the
     * working-size ordinal estimate, each ordinal map standardised (zero mean, unit deviation) since only its order counts;
     * with a Retinex input, last its log shading on the working grid.
     */
    public Raster mergeInput(Raster image, Raster base) {
        Raster low = standardised(ordinal(base)).resize(image.height(), image.width());
        Raster high = standardised(ordinal(image));
        if (config.retinexInput() == null) {
            return Raster.stackChannels(image, low, high);
        }
        return Raster.stackChannels(image, low, high, RetinexRefinement.logShading(config.retinexInput(), image));
    }

    /** The merged inverse shading of one linear image at the working grid. */
    public Raster inverseShading(Raster image, Raster base) {
        Raster input = mergeInput(image, base);
        return toInverseShading(Raster.fromTensor(merge.forward(input.toTensor(merge.precision())), 0).values(), input);
    }

    /**
     * The inverse shading ŝ that the merge network's raw output {@code y} (one image) means for {@code input}: y itself, or
     * with a Retinex input its refinement of the Retinex shading held in the input's last channel.
     */
    Raster toInverseShading(double[] y, Raster input) {
        double[] out = y.clone();
        if (config.retinexInput() != null) {
            int c = input.channels();
            for (int i = 0; i < out.length; i++) {
                out[i] = RetinexRefinement.inverseShading(y[i], input.values()[i * c + c - 1]);
            }
        }
        return new Raster(input.height(), input.width(), 1, out);
    }

    /** Turns ∂L/∂ŝ into ∂L/∂y in place, for {@link #toInverseShading}'s map (nothing to do without a Retinex input). */
    void chainToOutput(double[] gradient, double[] y, Raster input) {
        if (config.retinexInput() != null) {
            int c = input.channels();
            for (int i = 0; i < gradient.length; i++) {
                gradient[i] *= RetinexRefinement.derivative(y[i], input.values()[i * c + c - 1]);
            }
        }
    }

    /**
     * Decomposes a linear RGB image: resized so that its longer side is {@code side} (sides rounded to multiples of
     * 2^levels), the ordinal network run there and at the base size, merged; shading S = 1/ŝ − 1, albedo = image / S.
     */
    public Decomposition decompose(Raster linear, int side) {
        if (side < config.sideMultiple()) {
            throw new IllegalArgumentException("the output size must be at least " + config.sideMultiple() + " pixels, got " + side);
        }
        if (linear.channels() != 3) {
            throw new IllegalArgumentException("decomposition needs an RGB image, got " + linear.channels() + " channels");
        }
        Raster work = resizeLonger(linear, side);
        Raster base = resizeLonger(linear, config.baseSize());
        Raster shading = InverseShading.toShading(inverseShading(work, base));
        return new Decomposition(work, InverseShading.impliedAlbedo(work, shading), shading);
    }

    /** The image resized so its longer side is {@code side} and both sides are multiples of 2^levels (at least one multiple). */
    Raster resizeLonger(Raster image, int side) {
        int m = config.sideMultiple();
        double scale = (double) side / Math.max(image.height(), image.width());
        int h = Math.max(m, (int) Math.round(image.height() * scale / m) * m);
        int w = Math.max(m, (int) Math.round(image.width() * scale / m) * m);
        return image.resize(h, w);
    }

    static Raster standardised(Raster r) {
        double mean = 0, square = 0;
        double[] v = r.values();
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        for (double x : v) {
            square += (x - mean) * (x - mean);
        }
        double std = Math.sqrt(square / v.length) + 1e-6;
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (v[i] - mean) / std;
        }
        return new Raster(r.height(), r.width(), r.channels(), out);
    }

    /** A (1, H, W, 1) tensor of one one-channel raster's values, for backward. */
    static Tensor gradientTensor(double[] gradient, int height, int width, Precision precision) {
        return Tensor.of(precision, gradient, 1, height, width, 1);
    }
}
