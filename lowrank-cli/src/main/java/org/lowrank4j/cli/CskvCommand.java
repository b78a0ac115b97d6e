package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.cskv.CskvCompression;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank cskv}: a decoder folder whose KV cache keeps shrunk key/value channels (CSKV) and a full-precision window. */
@Command(name = "cskv", mixinStandardHelpOptions = true,
        description = "Shrink a LLaMA-family decoder's KV cache (CSKV): cache low-rank features of K and V, keep a recent window in full precision."
                + " perplexity and generate run the written folder through the shrunk cache.")
final class CskvCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Dense decoder folder (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--out", required = true, description = "Output folder.")
    Path out;

    @Option(names = "--k-density", defaultValue = "0.25", description = "Fraction of key channels cached, per head (default ${DEFAULT-VALUE}).")
    double keyDensity;

    @Option(names = "--v-density", defaultValue = "0.75", description = "Fraction of value channels cached, per head (default ${DEFAULT-VALUE}).")
    double valueDensity;

    @Option(names = "--window", description = "Recent positions kept in full precision, at most the model's context (default "
            + CskvCompression.DEFAULT_WINDOW + ", or the context where it is shorter).")
    Integer window;

    @Option(names = "--init", defaultValue = "asvd", description = "svd, or asvd (scaled by calibration activations; needs --calib) (default ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--calib", description = "Calibration text for asvd: a .txt file or a folder of them.")
    Path calibration;

    @Option(names = "--calib-from", description = "With a --calib folder: only YEAR_*.txt files with YEAR >= this.")
    Integer calibrationFrom;

    @Option(names = "--calib-to", description = "With a --calib folder: only YEAR_*.txt files with YEAR <= this.")
    Integer calibrationTo;

    @Option(names = "--calib-windows", description = "Calibration windows of the model's context (default " + CskvCompression.DEFAULT_WINDOWS + ").")
    Integer windows;

    @Option(names = "--train-steps", defaultValue = "0", description = "Layer-wise training of A and B after the initialisation: full-batch Adam"
            + " steps on the key/value reconstruction error over the calibration inputs (needs --calib; default ${DEFAULT-VALUE}: none).")
    int trainSteps;

    @Option(names = "--train-lr", defaultValue = "1e-3", description = "Adam's learning rate of that training (default ${DEFAULT-VALUE}).")
    double trainLr;

    @Option(names = "--force", description = "Replace --out if it exists (never an input).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        CskvCompression.Report r = CskvCompression.run(new CskvCompression.Request(model, out, keyDensity, valueDensity, window, init, calibration,
                calibrationFrom, calibrationTo, windows, force, trainSteps, trainLr), ProgressBar.stderr());
        System.out.printf(Locale.ROOT, "%s: %s init, key rank %d, value rank %d, window %d; cached values per token per layer %d (was %d, %.3f×)"
                        + " plus the window's full-precision keys and values (%.1f s)%n", out, r.manifest().init(), r.manifest().keyRank(),
                r.manifest().valueRank(), r.manifest().window(), r.shrunkValuesPerToken(), r.fullValuesPerToken(),
                (double) r.shrunkValuesPerToken() / r.fullValuesPerToken(), r.seconds());
        if (trainSteps > 0) {
            System.out.printf(Locale.ROOT, "layer-wise training, %d steps: key/value reconstruction error %.5f → %.5f of the output energy (mean over"
                    + " projections)%n", trainSteps, r.lossBefore(), r.lossAfter());
        }
        return 0;
    }
}
