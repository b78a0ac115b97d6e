package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.algorithms.intrinsic.IntrinsicConfig;
import org.lowrank4j.algorithms.intrinsic.IntrinsicEvaluation;
import org.lowrank4j.algorithms.intrinsic.IntrinsicPipeline;
import org.lowrank4j.algorithms.intrinsic.IntrinsicTraining;
import org.lowrank4j.algorithms.intrinsic.MethodErrors;
import org.lowrank4j.algorithms.intrinsic.TrainingOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank intrinsic train|decompose|evaluate}: intrinsic image decomposition via ordinal shading (albedo × shading = image). */
@Command(name = "intrinsic", mixinStandardHelpOptions = true,
        description = "Intrinsic image decomposition via ordinal shading: train the two small U-Nets on rendered scenes, decompose a photo into albedo and shading, or score against Retinex on held-out scenes.",
        subcommands = {IntrinsicCommand.Train.class, IntrinsicCommand.Decompose.class, IntrinsicCommand.Evaluate.class})
final class IntrinsicCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train the ordinal and merge networks on rendered scenes and write the model folder.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Model folder to write (safetensors + intrinsic.json).")
        Path out;

        @Option(names = "--scenes", defaultValue = "2000", description = "Training scenes, seeds 0 .. N-1 (default ${DEFAULT-VALUE}).")
        int scenes;

        @Option(names = "--ordinal-steps", defaultValue = "1500", description = "Adam steps of the ordinal network (default ${DEFAULT-VALUE}).")
        int ordinalSteps;

        @Option(names = "--merge-steps", defaultValue = "1000", description = "Adam steps of the merge network (default ${DEFAULT-VALUE}).")
        int mergeSteps;

        @Option(names = "--batch", defaultValue = "4", description = "Scenes per step (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--lr", defaultValue = "0.002", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
        double learningRate;

        @Option(names = "--base-size", defaultValue = "64", description = "Side of the global (low-resolution) ordinal pass (default ${DEFAULT-VALUE}).")
        int baseSize;

        @Option(names = "--high-size", defaultValue = "128", description = "Side of the scenes and of the detail pass (default ${DEFAULT-VALUE}).")
        int highSize;

        @Option(names = "--widths", defaultValue = "16,32,64", split = ",", description = "U-Net level widths, one level each; every level halves the side, so --base-size and --high-size must be"
                + " multiples of 2^levels (default ${DEFAULT-VALUE}: multiples of 8).")
        int[] widths;

        @Option(names = "--seed", defaultValue = "1", description = "Initialisation and sampling seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--retinex-input", description = "Give the merge network a Retinex shading (thresholds tuned on the first training scenes) to refine.")
        boolean retinexInput;

        @Option(names = "--ordinal-from", description = "Start the ordinal network from this model folder's (e.g. with --ordinal-steps 0 to rerun only the merge phase).")
        Path ordinalFrom;

        @Option(names = "--force", description = "Replace an existing model folder.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            // one option at a time, with the value given (the library's checks say "scenes", "base and high sizes", "U-Net level widths")
            Inputs.atLeast("--scenes", scenes, 1);
            Inputs.atLeast("--batch", batch, 1);
            Inputs.atLeast("--ordinal-steps", ordinalSteps, 0);
            Inputs.atLeast("--merge-steps", mergeSteps, 0);
            Inputs.positive("--lr", learningRate);
            if (widths.length == 0 || java.util.Arrays.stream(widths).anyMatch(w -> w < 1)) {
                throw new IllegalArgumentException("--widths must all be at least 1, got " + java.util.Arrays.toString(widths));
            }
            // the sides follow from --widths: each of its levels halves them once (the library says only "base and high sizes")
            long multiple = 1L << Math.min(widths.length, 62);
            String levels = "--widths " + String.join(",", java.util.Arrays.stream(widths).mapToObj(Integer::toString).toList()) + " has "
                    + widths.length + " U-Net level" + (widths.length == 1 ? "" : "s") + ", each halving the side";
            if (baseSize < multiple || baseSize % multiple != 0) {
                throw new IllegalArgumentException("--base-size must be a positive multiple of " + multiple + " (" + levels + "), got " + baseSize
                        + "; give such a size or fewer --widths");
            }
            if (highSize < baseSize || highSize % multiple != 0) {
                throw new IllegalArgumentException("--high-size must be a multiple of " + multiple + " (" + levels + ") and at least --base-size "
                        + baseSize + ", got " + highSize);
            }
            ProgressBar bar = ProgressBar.stderr();
            IntrinsicTraining.Summary s = IntrinsicPipeline.train(out, force, new IntrinsicConfig(baseSize, highSize, widths), retinexInput, ordinalFrom,
                    new TrainingOptions(0, scenes, ordinalSteps, mergeSteps, batch, learningRate, seed), seed,
                    (phase, step, steps, loss) -> bar.update(phase, step, steps, String.format(Locale.ROOT, "loss %.5f", loss)));
            System.out.printf(Locale.ROOT, "wrote %s: ordinal loss %.5f (last steps), merge loss %.5f, %d + %d steps, %.0f s%n", out, s.ordinalLoss(),
                    s.mergeLoss(), s.ordinalSteps(), s.mergeSteps(), s.seconds());
            return 0;
        }
    }

    @Command(name = "decompose", mixinStandardHelpOptions = true, description = "Decompose a photo: writes input, albedo, shading, recoloured and relit PNGs and decomposition.json.")
    static final class Decompose implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Model folder from 'lowrank intrinsic train'.")
        Path model;

        @Option(names = "--image", required = true, description = "An RGB image (JPEG, PNG, ...).")
        Path image;

        @Option(names = "--out", required = true, description = "Folder for the pictures (created if absent).")
        Path out;

        @Option(names = "--size", defaultValue = "256", description = "Longer side of the decomposition in pixels (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--force", description = "Replace pictures already in --out.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            IntrinsicPipeline.DecomposeResult r = IntrinsicPipeline.decomposeFile(model, image, out, size, force);
            System.out.printf(Locale.ROOT, "%s: %dx%d decomposition in %s, max |albedo x shading - image| = %.2e%n", image, r.width(), r.height(), out,
                    r.reconstructionError());
            return 0;
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Score the model, Retinex and two trivial baselines on held-out rendered scenes (si-MSE and LMSE of albedo and shading).")
    static final class Evaluate implements Callable<Integer> {
        @Option(names = "--model", description = "Model folder (omit to score the baselines only).")
        Path model;

        @Option(names = "--first-seed", defaultValue = "1000000", description = "First held-out scene seed (default ${DEFAULT-VALUE}; training uses 0 .. scenes-1).")
        long firstSeed;

        @Option(names = "--scenes", defaultValue = "50", description = "Held-out scenes (default ${DEFAULT-VALUE}).")
        int scenes;

        @Option(names = "--tuning-scenes", defaultValue = "16", description = "Training scenes on which Retinex's thresholds are chosen (default ${DEFAULT-VALUE}).")
        int tuningScenes;

        @Option(names = "--size", defaultValue = "128", description = "Scene side (default ${DEFAULT-VALUE}).")
        int size;

        @Option(names = "--json", description = "Write the figures as JSON here.")
        Path json;

        @Option(names = "--force", description = "Replace an existing --json file.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            Inputs.atLeast("--scenes", scenes, 1);
            Inputs.atLeast("--tuning-scenes", tuningScenes, 1);
            Inputs.atLeast("--size", size, 8);
            List<Long> test = new ArrayList<>(), tuning = new ArrayList<>();
            for (int i = 0; i < scenes; i++) {
                test.add(firstSeed + i);
            }
            for (int i = 0; i < tuningScenes; i++) {
                tuning.add((long) i);
            }
            IntrinsicEvaluation.Result r = IntrinsicPipeline.evaluate(model, test, tuning, size, json, force, System.err::println);
            System.out.printf(Locale.ROOT, "%d held-out scenes (seeds %d..%d), Retinex thresholds grey %.3g colour %.3g%n", scenes, firstSeed, firstSeed + scenes - 1,
                    r.retinexGreyThreshold(), r.retinexColourThreshold());
            System.out.printf(Locale.ROOT, "%-38s %12s %12s %12s %12s%n", "method", "shading siMSE", "albedo siMSE", "shading LMSE", "albedo LMSE");
            for (MethodErrors m : r.methods()) {
                System.out.printf(Locale.ROOT, "%-38s %12.5f %12.5f %12.5f %12.5f%n", m.method(), m.shadingSiMse(), m.albedoSiMse(), m.shadingLmse(), m.albedoLmse());
            }
            return 0;
        }
    }
}
