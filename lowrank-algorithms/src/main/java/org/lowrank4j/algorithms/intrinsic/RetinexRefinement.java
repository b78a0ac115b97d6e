package org.lowrank4j.algorithms.intrinsic;

import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.unet.UNet;
import org.lowrank4j.nn.layers.Conv2d;

/**
 * The merge network as a refiner of a classical estimate (our CPU-scale deviation, spec "As implemented"): its input gets
 * a sixth channel, the log shading {@code p = log S_R} of a tuned {@link Retinex}, and its output y ∈ (0, 1) is read as a
 * log-space correction of that estimate,
 * <pre>
 *   S = S_R · exp(K · (y − ½)),   ŝ = 1 / (1 + S)      (K = {@value #GAIN}, so S within e^±2 of Retinex's)
 * </pre>
 * The merge network's head starts at zero (y = ½ everywhere), so an untrained refiner returns Retinex's shading exactly
 * and training only has to learn where Retinex is wrong. The overall scale of a decomposition cannot be seen in the image
 * (A/c · cS = I) and every error measure here ignores it, so in training the true shading is first rescaled to the Retinex
 * estimate's mean log ({@link #atPriorScale}, albedo by the inverse factor): the network learns the shape of the
 * correction, not a per-scene constant it cannot know.
 */
public final class RetinexRefinement {
    /** The range of the log-space correction: y ∈ (0, 1) maps to (−GAIN/2, GAIN/2). */
    public static final double GAIN = 4;

    private RetinexRefinement() {
    }

    /** log S_R of a linear RGB image, one channel. */
    public static Raster logShading(Retinex retinex, Raster image) {
        double[] s = retinex.decompose(image).shading().values();
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Math.log(s[i]);
        }
        return new Raster(image.height(), image.width(), 1, out);
    }

    /** ŝ for network output y at a pixel whose Retinex log shading is {@code logPrior}. */
    public static double inverseShading(double y, double logPrior) {
        return 1 / (1 + Math.exp(logPrior + GAIN * (y - 0.5)));
    }

    /** dŝ/dy at the same point: −K · ŝ (1 − ŝ). */
    public static double derivative(double y, double logPrior) {
        double s = inverseShading(y, logPrior);
        return -GAIN * s * (1 - s);
    }

    /**
     * The scene with its shading multiplied by c and its albedo divided by c (image unchanged), c chosen so that the
     * shading's mean log equals the mean of the Retinex log shading in {@code input}'s last channel.
     */
    static Scene atPriorScale(Scene scene, Raster input) {
        int channels = input.channels(), n = input.pixels();
        double shift = 0;
        for (int i = 0; i < n; i++) {
            shift += (input.values()[i * channels + channels - 1] - Math.log(scene.shading().values()[i])) / n;
        }
        double c = Math.exp(shift);
        return new Scene(scene.seed(), scene.image(), scaled(scene.albedo(), 1 / c), scaled(scene.shading(), c));
    }

    private static Raster scaled(Raster r, double factor) {
        double[] out = r.values().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= factor;
        }
        return new Raster(r.height(), r.width(), r.channels(), out);
    }

    /** Zeroes the head convolution (kernel and bias) so that the network outputs ½ everywhere: the refinement starts as Retinex. */
    static void zeroHead(UNet net) {
        java.util.List<Conv2d> convolutions = net.convolutions();
        for (Parameter p : convolutions.get(convolutions.size() - 1).parameters()) {
            p.value().fill(0);
        }
    }
}
