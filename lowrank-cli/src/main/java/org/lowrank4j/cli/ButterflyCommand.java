package org.lowrank4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.algorithms.butterfly.ButterflyLearner;
import org.lowrank4j.algorithms.butterfly.RelaxedPermutation;
import org.lowrank4j.algorithms.butterfly.Transforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank butterfly}: learn a butterfly factorisation of a known transform (spec 17) and print how close it got. */
@Command(name = "butterfly", mixinStandardHelpOptions = true,
        description = "Learn a butterfly factorisation (O(N log N) parameters) of the DFT, DCT or Hadamard transform from its matrix by Adam.")
final class ButterflyCommand implements Callable<Integer> {

    @Option(names = "--transform", required = true, description = "dft, dct or hadamard.")
    String transform;

    @Option(names = "--size", required = true, description = "N, a power of two (16 to 1024 are practical).")
    int size;

    @Option(names = "--steps", defaultValue = "3000", description = "Adam steps per restart (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "0.02", description = "Initial Adam step size, decaying 100x over the steps (default ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--restarts", defaultValue = "3", description = "Random 'ortho' initialisations per permutation candidate (default ${DEFAULT-VALUE}).")
    int restarts;

    @Option(names = "--target-error", defaultValue = "1e-6", description = "Stop once the relative error is below this (default ${DEFAULT-VALUE}).")
    double targetError;

    @Option(names = "--permutation", defaultValue = "auto",
            description = "Input permutation: identity, bit-reversal, makhoul-bit-reversal (fixed), auto (each fixed one screened by a 300-step run; default), "
                    + "or relaxed (learned as a product of soft permutation factors, hardened, then the twiddles polished).")
    String permutation;

    @Option(names = "--objective", defaultValue = "real-part",
            description = "DCT only: real-part (match Re(B·P) to the DCT, the paper's objective; default) or complex (match B·P to the DCT plus i times "
                    + "its sine companion, the exact complex Makhoul form; the error printed is still Re(B·P) against the DCT).")
    String objective;

    @Option(names = "--init", defaultValue = "ortho",
            description = "Starting twiddles of each restart: ortho (random orthogonal/unitary 2x2 blocks; default) or fft (the unitary FFT factors, "
                    + "the reference's 'fft_no_br'; dft and dct only), plus --init-noise.")
    String init;

    @Option(names = "--init-noise", defaultValue = "0", description = "With --init fft: Gaussian noise of this standard deviation added to every twiddle (default ${DEFAULT-VALUE}).")
    double initNoise;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the initialisations (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        Transforms.Kind kind;
        try {
            kind = Transforms.Kind.valueOf(transform.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--transform must be dft, dct or hadamard, got " + transform);
        }
        if (size < 2 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("--size must be a power of two (at least 2), got " + size);
        }
        if (size > Transforms.MAX_SIZE) {
            throw new IllegalArgumentException("--size can be at most " + Transforms.MAX_SIZE + " (the N×N transform must fit one array), got " + size);
        }
        ButterflyLearner.Objective goal = switch (objective.trim().toLowerCase(Locale.ROOT)) {
            case "real-part" -> ButterflyLearner.Objective.REAL_PART;
            case "complex" -> ButterflyLearner.Objective.COMPLEX;
            default -> throw new IllegalArgumentException("--objective must be real-part or complex, got " + objective);
        };
        if (goal == ButterflyLearner.Objective.COMPLEX && kind != Transforms.Kind.DCT) {
            throw new IllegalArgumentException("--objective complex is for --transform dct only (the DFT is matched in full already, Hadamard is real)");
        }
        if (permutation.equals("relaxed") && size < 4) {
            throw new IllegalArgumentException("--permutation relaxed needs --size 4 or more, got " + size);
        }
        ButterflyLearner.Init start0 = switch (init.trim().toLowerCase(Locale.ROOT)) {
            case "ortho" -> ButterflyLearner.Init.ORTHO;
            case "fft" -> ButterflyLearner.Init.FFT;
            default -> throw new IllegalArgumentException("--init must be ortho or fft, got " + init);
        };
        if (start0 == ButterflyLearner.Init.FFT && kind == Transforms.Kind.HADAMARD) {
            throw new IllegalArgumentException("--init fft starts from complex FFT twiddles; the Hadamard butterfly is real, use --init ortho");
        }
        if (!(initNoise >= 0) || Double.isInfinite(initNoise)) {
            throw new IllegalArgumentException("--init-noise must be a finite number >= 0, got " + initNoise);
        }
        // the learner's own check lists every setting at once; these name the one that is wrong
        Inputs.atLeast("--steps", steps, 1);
        Inputs.positive("--lr", learningRate);
        Inputs.atLeast("--restarts", restarts, 1);
        if (!(targetError >= 0) || !Double.isFinite(targetError)) {
            throw new IllegalArgumentException("--target-error must be a finite number >= 0, got " + targetError);
        }
        long start = System.nanoTime();
        ButterflyLearner.Learned learned = new ButterflyLearner(new ButterflyLearner.Options(steps, learningRate, 0.01, restarts, targetError, seed, start0, initNoise))
                .learn(kind, size, permutation, goal);
        double seconds = (System.nanoTime() - start) / 1e9;
        String logits = permutation.equals("relaxed")
                ? " (+" + 3 * RelaxedPermutation.decreasingBlocks(size, kind == Transforms.Kind.DCT).length + " permutation logits)" : "";
        System.out.printf(Locale.ROOT, "%s N=%d%s: relative error %.3e (permutation %s, restart %d, %d Adam steps), %d parameters%s vs %d dense, %.1f s%n",
                kind.name().toLowerCase(Locale.ROOT), size, goal == ButterflyLearner.Objective.COMPLEX ? " (complex objective)" : "", learned.relativeError(),
                learned.permutationName(), learned.restart(), learned.steps(), learned.butterfly().parameterCount(), logits,
                (long) size * size * (kind == Transforms.Kind.HADAMARD ? 1 : 2), seconds);
        return 0;
    }
}
