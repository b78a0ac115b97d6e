package org.lowrank4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.lowrank4j.algorithms.completion.CompletionSetup;
import org.lowrank4j.algorithms.completion.HoldOutScores;
import org.lowrank4j.algorithms.completion.ImageInpainting;
import org.lowrank4j.algorithms.completion.NumericTable;
import org.lowrank4j.algorithms.completion.RobustAltMinOptions;
import org.lowrank4j.algorithms.completion.TableCompletion;
import org.lowrank4j.algorithms.images.ImageFiles;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.train.TextFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank complete}: low-rank matrix completion by robust alternating minimisation (spec 15), of an RGB image
 * with a fraction of its pixels hidden (inpainting, per channel) or of a CSV table with empty cells.
 */
@Command(name = "complete", mixinStandardHelpOptions = true,
        description = {"Complete a matrix from some of its entries (robust alternating minimisation).",
                "--image: hide a fraction of an RGB photo's pixels, complete each channel, write the image and print the RMSE on the hidden pixels"
                        + " against mean filling (and soft-impute with --soft-impute).",
                "--csv: fill the empty cells of a numeric table (columns standardised); with --hide, first hide that fraction of the known"
                        + " cells and print the RMSE on them."})
final class CompleteCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--image", description = "An RGB image (JPEG, PNG …).")
        Path image;

        @Option(names = "--csv", description = "A numeric CSV table; empty cells (or NA) are the entries to fill.")
        Path csv;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--rank", required = true, description = "Rank of the completion.")
    int rank;

    @Option(names = "--hide", defaultValue = "0", description = "Fraction of the known pixels/cells to hide and score, in [0, 1) (images need > 0).")
    double hide;

    @Option(names = "--out", required = true, description = "The completed image or table (CSV) to write. An image is written in the"
            + " format its extension names: .png, .jpg/.jpeg (lossy, quality 95%%; the RMSE printed is of the completion before"
            + " encoding) or .bmp; other extensions are refused.")
    Path out;

    @Option(names = "--force", description = "Replace the output file if it exists (never an input).")
    boolean force;

    @Option(names = "--label-column", description = "CSV: the first column holds row labels (an id), not values.")
    boolean labelColumn;

    @Option(names = "--ridge", defaultValue = "1e-10", description = "Ridge of each least-squares step, relative to its mean diagonal (default ${DEFAULT-VALUE}).")
    double ridge;

    @Option(names = "--iterations", defaultValue = "100", description = "Most alternating steps (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--incoherence", defaultValue = "1.5", description = "mu of the initial row clipping, rows above 2 mu sqrt(k/m) (default ${DEFAULT-VALUE}).")
    double incoherence;

    @Option(names = "--soft-impute", description = "Also run the soft-impute baseline (lambda chosen on 10%% of the observed entries) and print its RMSE.")
    boolean softImpute;

    @Option(names = "--soft-impute-rank", defaultValue = "100", description = "Rank cap of soft-impute (default ${DEFAULT-VALUE}).")
    int softImputeRank;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the hidden entries and of the solver (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Path in = input.image != null ? input.image : input.csv;
        Inputs.requireFile(in, input.image != null ? "--image" : "--csv");
        Inputs.requireOutput("--out", out, force, input.image != null ? "--image" : "--csv", in);
        if (input.image != null) {
            ImageFiles.formatFor(out, "--out"); // before the completion, not after it
        }
        requireSettings();
        CompletionSetup setup = new CompletionSetup(new RobustAltMinOptions(rank, iterations, 1e-12, incoherence, ridge, false,
                RobustAltMinOptions.Solver.EXACT, seed), hide, seed, softImpute, softImputeRank);
        HoldOutScores scores;
        if (input.image != null) {
            ImageInpainting.Result result = ImageInpainting.run(readImage(in), in.toString(), setup);
            ImageFiles.write(result.completed(), out, "--out");
            scores = result.scores();
        } else {
            NumericTable table = NumericTable.parse(TextFiles.read(in), in.toString(), labelColumn);
            TableCompletion.Result result = TableCompletion.run(table, setup);
            AtomicFiles.writeString(out, result.completed().toCsv());
            System.out.printf(Locale.ROOT, "%s: %dx%d table, %d empty cells filled%n", in, table.rows(), table.cols(), table.missing());
            scores = result.scores();
            if (scores != null) {
                print("in column standard deviations: ", result.standardisedScores());
            }
        }
        if (scores != null) {
            print("", scores);
        }
        System.out.println("wrote " + out);
        return 0;
    }

    /** The numbers, refused by their option names (the solver's own checks say "rank", "iterations", "ridge"). */
    private void requireSettings() {
        Inputs.atLeast("--rank", rank, 1);
        if (!(hide >= 0 && hide < 1)) {
            throw new IllegalArgumentException("--hide must be in [0, 1) (the hidden fraction of the known entries), got " + hide);
        }
        Inputs.atLeast("--iterations", iterations, 1);
        if (!(ridge >= 0) || !Double.isFinite(ridge)) {
            throw new IllegalArgumentException("--ridge must be a finite number >= 0, got " + ridge);
        }
        Inputs.positive("--incoherence", incoherence);
        if (softImpute) {
            Inputs.atLeast("--soft-impute-rank", softImputeRank, 1);
        }
    }

    private void print(String prefix, HoldOutScores scores) {
        System.out.printf(Locale.ROOT, "%shidden entries %d (%.0f%%), rank %d: RMSE alt-min %.4f (%d iterations, %.1f s), mean filling %.4f", prefix,
                scores.hiddenEntries(), hide * 100, rank, scores.altMin(), scores.altMinIterations(), scores.altMinSeconds(), scores.meanFill());
        if (softImpute) {
            System.out.printf(Locale.ROOT, ", soft-impute %.4f (lambda %.4g, %.1f s)", scores.softImpute(), scores.softImputeLambda(), scores.softImputeSeconds());
        }
        System.out.println();
    }

    private static BufferedImage readImage(Path path) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(path.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(path + " cannot be read as an image (" + e.getMessage() + ")");
        }
        if (image == null) {
            throw new IllegalArgumentException(path + " is not an image this JVM can read (JPEG, PNG, GIF, BMP)");
        }
        return image;
    }
}
