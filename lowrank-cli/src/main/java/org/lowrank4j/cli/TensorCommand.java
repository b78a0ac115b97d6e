package org.lowrank4j.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.lowrank4j.algorithms.funbat.FunctionalTucker;
import org.lowrank4j.algorithms.tensor.CpAls;
import org.lowrank4j.algorithms.tensor.DenseTensor;
import org.lowrank4j.algorithms.tensor.Hosvd;
import org.lowrank4j.algorithms.tensor.TensorData;
import org.lowrank4j.algorithms.tensor.TensorHoldOut;
import org.lowrank4j.algorithms.tensor.TuckerHooi;
import org.lowrank4j.algorithms.tensor.TuckerTensor;
import org.lowrank4j.nn.train.TextFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank tensor}: HOSVD, Tucker (HOOI) or CP-ALS of an RGB photo or an indexed CSV, with the reconstruction error. */
@Command(name = "tensor", mixinStandardHelpOptions = true,
        description = {"Decompose a tensor (HOSVD, Tucker by HOOI, or CP-ALS) and print the relative reconstruction error and the parameter count.",
                "--image: an RGB photo as height x width x 3. --csv with --index and --value: one mode per index column (cells no row gives are"
                        + " filled with the mean and left out of the error)."})
final class TensorCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--image", description = "An RGB image.")
        Path image;

        @Option(names = "--csv", description = "A CSV table with a header.")
        Path csv;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--index", split = ",", description = "CSV: the index columns, one mode each (e.g. year,month,date_of_month).")
    List<String> index;

    @Option(names = "--value", description = "CSV: the column of values.")
    String value;

    @Option(names = "--method", defaultValue = "hooi", description = "hosvd, hooi, cp, or funbat (Bayesian Tucker with Gaussian-process factor functions of the index columns' numeric values; needs --hide and --length-scales). Default ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--ranks", required = true, split = ",", description = "Tucker: one rank per mode (e.g. 50,50,3); cp: one rank.")
    int[] ranks;

    @Option(names = "--iterations", defaultValue = "50", description = "Most HOOI / CP-ALS iterations (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--seed", defaultValue = "1", description = "CP-ALS and --hide seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--hide", description = "Tucker with missing entries (EM-HOOI): hide this fraction of the given entries, fit the rest, print the RMSE"
            + " on the hidden ones against mean filling.")
    Double hide;

    @Option(names = "--smooth", split = ",", description = "With --hide: modes (CSV index column names) whose factors are smooth functions of their"
            + " numeric labels, as NAME=COUNT Gaussian basis functions (a FunBaT-like stand-in, not the paper's method).")
    List<String> smooth;

    @Option(names = "--length-scales", split = ",", description = "--method funbat: NAME=VALUE per continuous mode (CSV index column), the Matérn-1/2 length-scale in the column's units; modes not named are discrete (length-scale 0).")
    List<String> lengthScales;

    @Option(names = "--center", defaultValue = "true", arity = "1", description = "--method funbat: subtract the mean first, so that the functions' prior mean is the data's (true) or keep the level in the model (false; saves a rank per mode for products of positive factors). Default ${DEFAULT-VALUE}.")
    boolean center;

    @Override
    public Integer call() throws Exception {
        String kind = method.trim().toLowerCase(Locale.ROOT);
        if (!List.of("hosvd", "hooi", "cp", "funbat").contains(kind)) {
            throw new IllegalArgumentException("--method must be hosvd, hooi, cp or funbat, got " + method);
        }
        if (smooth != null && hide == null) {
            throw new IllegalArgumentException("--smooth needs --hide (it applies to the held-out Tucker fit)");
        }
        if (hide != null && !kind.equals("hooi") && !kind.equals("funbat")) {
            throw new IllegalArgumentException("--hide fits a Tucker model with missing entries; use --method hooi or funbat");
        }
        if (kind.equals("funbat") && (hide == null || input.csv == null || smooth != null)) {
            throw new IllegalArgumentException("--method funbat fits indexed CSV data with entries held out: give --csv, --index, --value and --hide "
                    + "(and --length-scales, not --smooth)");
        }
        if (lengthScales != null && !kind.equals("funbat")) {
            throw new IllegalArgumentException("--length-scales is for --method funbat");
        }
        if (Arrays.stream(ranks).anyMatch(r -> r < 1)) {
            throw new IllegalArgumentException("--ranks must all be at least 1, got " + Arrays.toString(ranks));
        }
        Inputs.atLeast("--iterations", iterations, 1);
        if (hide != null && !(hide > 0 && hide < 1)) {
            throw new IllegalArgumentException("--hide must be in (0, 1) (the held-out fraction of the given entries), got " + hide);
        }
        double[] scales = lengthScalesByMode();
        java.util.Map<Integer, Integer> smoothModes = smoothModes();
        TensorData.Indexed data;
        if (input.image != null) {
            BufferedImage image;
            try {
                image = ImageIO.read(Inputs.requireFile(input.image, "--image").toFile());
            } catch (java.io.IOException e) { // a truncated or damaged file: ImageIO's message names no file
                throw new IllegalArgumentException(input.image + " cannot be read as an image (" + e.getMessage() + ")");
            }
            if (image == null) {
                throw new IllegalArgumentException(input.image + " is not an image this JVM can read (JPEG, PNG, GIF, BMP)");
            }
            DenseTensor t = TensorData.fromImage(image, input.image.toString());
            boolean[] all = new boolean[t.count()];
            Arrays.fill(all, true);
            data = new TensorData.Indexed(t, all, List.of());
        } else {
            if (index == null || index.isEmpty() || value == null) {
                throw new IllegalArgumentException("--csv needs --index (the index columns) and --value (the value column)");
            }
            data = TensorData.fromCsv(TextFiles.read(Inputs.requireFile(input.csv, "--csv")), input.csv.toString(), index, value);
        }
        DenseTensor x = data.tensor();
        if (kind.equals("funbat")) {
            return funbat(data, scales);
        }
        if (hide != null) {
            return holdOut(data, smoothModes);
        }
        long start = System.nanoTime();
        DenseTensor approximation;
        long parameters;
        String detail;
        if (kind.equals("cp")) {
            if (ranks.length != 1) {
                throw new IllegalArgumentException("--ranks for cp is one rank, got " + ranks.length);
            }
            CpAls.Result cp = CpAls.decompose(x, ranks[0], iterations, 1e-4, seed);
            approximation = cp.cp().reconstruct();
            parameters = cp.cp().parameterCount();
            detail = cp.iterations() + " iterations, fit " + String.format(Locale.ROOT, "%.5f", cp.fit());
        } else {
            TuckerTensor tucker;
            if (kind.equals("hosvd")) {
                tucker = Hosvd.decompose(x, ranks);
                detail = "one pass";
            } else {
                TuckerHooi.Result hooi = TuckerHooi.decompose(x, iterations, 1e-6, ranks);
                tucker = hooi.tucker();
                detail = hooi.iterations() + " iterations";
            }
            approximation = tucker.reconstruct();
            parameters = tucker.parameterCount();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s shape %s, %s ranks %s: relative error %.4f on %d given entries, %d parameters (%.4f of %d entries), %s, %.1f s%n",
                input.image != null ? input.image : input.csv, Arrays.toString(x.shape()), kind, Arrays.toString(ranks),
                data.relativeErrorOnObserved(approximation), data.observedCount(), parameters, (double) parameters / x.count(), x.count(), detail, seconds);
        return 0;
    }

    /** --smooth NAME=COUNT items as mode index → basis size, checked before any data is read. */
    private java.util.Map<Integer, Integer> smoothModes() {
        java.util.Map<Integer, Integer> modes = new java.util.LinkedHashMap<>();
        for (String item : smooth == null ? List.<String>of() : smooth) {
            String[] parts = item.split("=", 2);
            int mode = index == null ? -1 : index.indexOf(parts[0].trim());
            if (parts.length != 2 || mode < 0) {
                throw new IllegalArgumentException("--smooth takes NAME=COUNT with NAME one of the --index columns, got " + item);
            }
            try {
                modes.put(mode, Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--smooth " + item + ": the count of basis functions must be a whole number");
            }
            if (modes.get(mode) < 1) {
                throw new IllegalArgumentException("--smooth " + item + ": the count of basis functions must be at least 1");
            }
        }
        return modes;
    }

    /** --length-scales NAME=VALUE items as one length-scale per --index column (0 where not named), checked before any data is read. */
    private double[] lengthScalesByMode() {
        double[] out = new double[index == null ? 0 : index.size()];
        for (String item : lengthScales == null ? List.<String>of() : lengthScales) {
            String[] parts = item.split("=", 2);
            int mode = index == null ? -1 : index.indexOf(parts[0].trim());
            if (parts.length != 2 || mode < 0) {
                throw new IllegalArgumentException("--length-scales takes NAME=VALUE with NAME one of the --index columns, got " + item);
            }
            try {
                out[mode] = Double.parseDouble(parts[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--length-scales " + item + ": the length-scale must be a number");
            }
            if (!(out[mode] >= 0) || Double.isInfinite(out[mode])) {
                throw new IllegalArgumentException("--length-scales " + item + ": the length-scale must be finite and >= 0");
            }
        }
        return out;
    }

    private int funbat(TensorData.Indexed data, double[] scales) {
        if (ranks.length != data.tensor().order()) {
            throw new IllegalArgumentException("--ranks gives " + ranks.length + " ranks for " + data.tensor().order() + " modes");
        }
        long start = System.nanoTime();
        ProgressBar bar = ProgressBar.stderr();
        TensorHoldOut.Scores scores = TensorHoldOut.runFunbat(data, new FunctionalTucker.Settings(ranks, scales, iterations, 1e-6, seed, center), hide, seed,
                sweep -> bar.update("funbat", sweep, iterations, "sweeps (stops early when the fit settles)"));
        System.out.printf(Locale.ROOT, "%s shape %s, FunBaT ranks %s, length-scales %s%s: %d of %d given entries held out, RMSE %.2f (mean filling %.2f), %d sweeps, %.1f s%n",
                input.csv, Arrays.toString(data.tensor().shape()), Arrays.toString(ranks), Arrays.toString(scales), center ? "" : ", not centred", scores.heldOut(), data.observedCount(),
                scores.tuckerRmse(), scores.meanRmse(), scores.iterations(), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private int holdOut(TensorData.Indexed data, java.util.Map<Integer, Integer> modes) {
        long start = System.nanoTime();
        TensorHoldOut.Scores scores = TensorHoldOut.run(data, ranks, modes, hide, seed, iterations);
        System.out.printf(Locale.ROOT, "%s shape %s, EM-HOOI ranks %s%s: %d of %d given entries held out, RMSE %.2f (mean filling %.2f), %d iterations, %.1f s%n",
                input.image != null ? input.image : input.csv, Arrays.toString(data.tensor().shape()), Arrays.toString(ranks),
                smooth == null ? "" : ", smooth " + smooth, scores.heldOut(), data.observedCount(), scores.tuckerRmse(), scores.meanRmse(), scores.iterations(),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
