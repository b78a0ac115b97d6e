package org.lowrank4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.algorithms.butterfly.ButterflyLearner;
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
            description = "Fixed input permutation: identity, bit-reversal, makhoul-bit-reversal, or auto (each screened by a 300-step run; default).")
    String permutation;

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
        long start = System.nanoTime();
        ButterflyLearner.Learned learned = new ButterflyLearner(new ButterflyLearner.Options(steps, learningRate, 0.01, restarts, targetError, seed))
                .learn(kind, size, permutation);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s N=%d: relative error %.3e (permutation %s, restart %d, %d Adam steps), %d parameters vs %d dense, %.1f s%n",
                kind.name().toLowerCase(Locale.ROOT), size, learned.relativeError(), learned.permutationName(), learned.restart(), learned.steps(),
                learned.butterfly().parameterCount(), (long) size * size * (kind == Transforms.Kind.HADAMARD ? 1 : 2), seconds);
        return 0;
    }
}
