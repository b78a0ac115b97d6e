package org.lowrank4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.linalg.QuickCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A short self-check of the numerical core on this machine ({@link QuickCheck}): which BLAS loaded, sgemm throughput,
 * exact and randomized SVD times. The full side-by-side benchmark (with EJML) is the lowrank-bench module.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Quick benchmark of the numerical core on this machine.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "1024", description = "Matrix size n (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rank", defaultValue = "64", description = "Rank for the truncated SVDs (default ${DEFAULT-VALUE}).")
    int rank;

    @Override
    public Integer call() {
        QuickCheck.Result r = QuickCheck.run(size, rank);
        System.out.println("lowrank4j " + Version.number() + " — backend: " + r.backend());
        System.out.printf(Locale.ROOT, "sgemm %d³: %.1f GFLOP/s (%d threads)%n", size, r.gemmGflops(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "thin SVD %d² truncated to %d: exact %.3f s, randomized %.3f s (%.1fx faster); top singular value %.4f vs %.4f%n",
                size, rank, r.exactSeconds(), r.randomizedSeconds(), r.exactSeconds() / r.randomizedSeconds(), r.exactTopSingularValue(),
                r.randomizedTopSingularValue());
        return 0;
    }
}
