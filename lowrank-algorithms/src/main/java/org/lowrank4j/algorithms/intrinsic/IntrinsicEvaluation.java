package org.lowrank4j.algorithms.intrinsic;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The held-out comparison: every method decomposes the same rendered scenes and is scored against their true albedo and
 * shading with si-MSE and LMSE (20-pixel windows). Methods: the learned model (when given), Retinex with its two thresholds
 * chosen on training scenes (the lowest albedo + shading LMSE over a small grid, so the baseline is tuned as fairly as the
 * network is trained), and two trivial references: all of the image is albedo (constant shading), and all of the
 * luminance is shading (constant albedo up to colour).
 */
public final class IntrinsicEvaluation {
    public static final int WINDOW = 20;
    private static final double[] GREY = {0.02, 0.05, 0.1, 0.2, 0.4};
    private static final double[] COLOUR = {0.02, 0.05, 0.1, 0.3};

    /** The errors per method and the Retinex thresholds chosen. */
    public record Result(List<MethodErrors> methods, double retinexGreyThreshold, double retinexColourThreshold, List<Long> testSeeds) {
    }

    private IntrinsicEvaluation() {
    }

    /** Retinex's thresholds tuned on the scenes of {@code tuningSeeds}. */
    public static Retinex tuneRetinex(SceneRenderer renderer, List<Long> tuningSeeds) {
        List<Scene> scenes = tuningSeeds.stream().map(renderer::render).toList();
        Retinex best = null;
        double bestError = Double.POSITIVE_INFINITY;
        for (double g : GREY) {
            for (double c : COLOUR) {
                Retinex candidate = new Retinex(g, c);
                MethodErrors e = score("retinex", candidate::decompose, scenes);
                double error = e.albedoLmse() + e.shadingLmse();
                if (error < bestError) {
                    bestError = error;
                    best = candidate;
                }
            }
        }
        return best;
    }

    /**
     * @param model       the learned model, or null to score the baselines only
     * @param testSeeds   held-out scene seeds
     * @param tuningSeeds training scene seeds for Retinex's thresholds
     */
    public static Result run(IntrinsicModel model, int side, List<Long> testSeeds, List<Long> tuningSeeds) {
        SceneRenderer renderer = new SceneRenderer(side, side);
        Retinex retinex = tuneRetinex(renderer, tuningSeeds);
        List<Scene> scenes = testSeeds.stream().map(renderer::render).toList();
        List<MethodErrors> methods = new ArrayList<>();
        if (model != null) {
            methods.add(score("ordinal-shading (learned)", image -> model.decompose(image, side), scenes));
        }
        methods.add(score("retinex", retinex::decompose, scenes));
        methods.add(score("constant shading (albedo = image)", IntrinsicEvaluation::constantShading, scenes));
        methods.add(score("luminance shading (constant albedo)", IntrinsicEvaluation::luminanceShading, scenes));
        return new Result(methods, retinex.greyThreshold(), retinex.colourThreshold(), testSeeds);
    }

    static MethodErrors score(String name, Function<Raster, Decomposition> method, List<Scene> scenes) {
        MethodErrors.Accumulator errors = new MethodErrors.Accumulator(name);
        for (Scene scene : scenes) {
            errors.add(method.apply(scene.image()), scene, WINDOW);
        }
        return errors.result();
    }

    static Decomposition constantShading(Raster image) {
        double[] ones = new double[image.pixels()];
        java.util.Arrays.fill(ones, 1);
        return new Decomposition(image, image, new Raster(image.height(), image.width(), 1, ones));
    }

    static Decomposition luminanceShading(Raster image) {
        Raster grey = image.grey();
        double[] s = grey.values().clone();
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.max(1e-4, s[i]);
        }
        Raster shading = new Raster(image.height(), image.width(), 1, s);
        return new Decomposition(image, InverseShading.impliedAlbedo(image, shading), shading);
    }
}
