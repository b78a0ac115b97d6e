package org.lowrank4j.algorithms.intrinsic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.nn.arch.unet.UNet;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/**
 * Trains an {@link IntrinsicModel} on rendered scenes in two phases: the ordinal network with the
 * {@link ShiftScaleInvariantLoss} on the inverse shading (every other step at the base size, the image and the shading box-filtered
 * down, else at the high size), then, with it fixed, the merge network with the {@link MergeLoss}. Adam (β = 0.9, 0.999,
 * no weight decay) from the runtime's {@link AdamW}; scenes are mirrored at random.
 */
public final class IntrinsicTraining {
    /** The losses of the last {@link #LAST} steps of each phase, averaged. */
    public record Summary(double ordinalLoss, double mergeLoss, int ordinalSteps, int mergeSteps, double seconds) {
    }

    static final int LAST = 50;
    private final IntrinsicModel model;
    private final TrainingOptions options;
    private final SceneRenderer renderer;
    private final Map<Long, Scene> cache = new HashMap<>();
    private final Map<Long, Raster> mergeInputs = new HashMap<>();

    public IntrinsicTraining(IntrinsicModel model, TrainingOptions options) {
        this.model = model;
        this.options = options;
        int side = model.config().highSize();
        this.renderer = new SceneRenderer(side, side);
    }

    public Summary run(TrainingListener listener) {
        long start = System.nanoTime();
        Random random = new Random(options.seed());
        double ordinal = phase("ordinal", model.ordinal(), options.ordinalSteps(), random, listener, this::ordinalStep);
        double merge = phase("merge", model.merge(), options.mergeSteps(), random, listener, this::mergeStep);
        return new Summary(ordinal, merge, options.ordinalSteps(), options.mergeSteps(), (System.nanoTime() - start) / 1e9);
    }

    private interface Step {
        double run(List<Sample> batch, int step, Random random);
    }

    /** A training scene, maybe mirrored left–right. */
    private record Sample(Scene original, boolean mirrored) {
        Scene scene() {
            Scene s = original;
            return mirrored ? new Scene(s.seed(), s.image().flipped(), s.albedo().flipped(), s.shading().flipped()) : s;
        }
    }

    private double phase(String name, UNet net, int steps, Random random, TrainingListener listener, Step body) {
        AdamW adam = new AdamW(net.parameters(), new AdamW.Settings(0.9, 0.999, 1e-8, 0));
        double recent = 0;
        int counted = 0;
        for (int step = 0; step < steps; step++) {
            List<Sample> batch = new ArrayList<>();
            for (int b = 0; b < options.batch(); b++) {
                batch.add(new Sample(scene(options.firstSeed() + random.nextInt(options.scenes())), random.nextBoolean()));
            }
            net.zeroGradients();
            double loss = body.run(batch, step, random);
            if (!Double.isFinite(loss)) {
                throw new ArithmeticException(name + " training diverged at step " + step + " (loss " + loss + "); lower the learning rate");
            }
            double progress = steps <= 1 ? 0 : (double) step / (steps - 1);
            adam.step(options.learningRate() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress))));
            if (step >= steps - LAST) {
                recent += loss;
                counted++;
            }
            listener.step(name, step + 1, steps, loss);
        }
        return counted == 0 ? Double.NaN : recent / counted;
    }

    private double ordinalStep(List<Sample> batch, int step, Random random) {
        boolean base = step % 2 == 0;
        List<Raster> images = new ArrayList<>(), targets = new ArrayList<>();
        for (Sample sample : batch) {
            Scene s = sample.scene();
            int side = base ? model.config().baseSize() : model.config().highSize();
            images.add(s.image().resize(side, side));
            targets.add(InverseShading.fromShading(s.shading().resize(side, side)));
        }
        UNet net = model.ordinal();
        Tensor out = net.forward(Raster.batch(images, net.precision()));
        ShiftScaleInvariantLoss loss = ShiftScaleInvariantLoss.defaults();
        return backward(net, out, targets.size(), (b, prediction) -> {
            Raster t = targets.get(b);
            return loss.evaluate(prediction, t.values(), t.height(), t.width());
        });
    }

    /**
     * The merge network's input is computed once per scene (the ordinal network is fixed in this phase) and mirrored with
     * the scene; the ordinal maps of a mirrored scene are taken as the mirrored maps.
     */
    private double mergeStep(List<Sample> batch, int step, Random random) {
        List<Raster> inputs = new ArrayList<>();
        List<Scene> scenes = new ArrayList<>();
        int baseSide = model.config().baseSize();
        for (Sample sample : batch) {
            Scene original = sample.original();
            Raster input = mergeInputs.computeIfAbsent(original.seed(), seed -> model.mergeInput(original.image(), original.image().resize(baseSide, baseSide)));
            inputs.add(sample.mirrored() ? input.flipped() : input);
            scenes.add(sample.scene());
        }
        UNet net = model.merge();
        Tensor out = net.forward(Raster.batch(inputs, net.precision()));
        MergeLoss loss = MergeLoss.defaults();
        return backward(net, out, batch.size(), (b, prediction) -> {
            Scene s = model.config().retinexInput() == null ? scenes.get(b) : RetinexRefinement.atPriorScale(scenes.get(b), inputs.get(b));
            Raster inverse = model.toInverseShading(prediction, inputs.get(b));
            LossValue value = loss.evaluate(inverse.values(), InverseShading.fromShading(s.shading()), s.image(), s.albedo());
            model.chainToOutput(value.gradient(), prediction, inputs.get(b));
            return value;
        });
    }

    private interface PerImageLoss {
        LossValue evaluate(int index, double[] prediction);
    }

    /** Mean over the batch of the per-image losses of {@code out (B,H,W,1)}; runs the network's backward with their gradient. */
    private static double backward(UNet net, Tensor out, int count, PerImageLoss loss) {
        int n = out.size() / count;
        Tensor gradient = out.zerosLike();
        double total = 0;
        for (int b = 0; b < count; b++) {
            double[] prediction = new double[n];
            for (int i = 0; i < n; i++) {
                prediction[i] = out.get(b * n + i);
            }
            LossValue value = loss.evaluate(b, prediction);
            total += value.value() / count;
            for (int i = 0; i < n; i++) {
                gradient.set(b * n + i, value.gradient()[i] / count);
            }
        }
        net.backward(gradient);
        return total;
    }

    private Scene scene(long seed) {
        return cache.computeIfAbsent(seed, renderer::render);
    }
}
