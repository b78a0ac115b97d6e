package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.report.SpectrumInspection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank inspect}: per-site spectra, effective rank and energy kept at chosen ranks. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show each linear site's spectrum summary: effective rank, ranks for 90%%/99%% energy, energy at given ranks.")
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model, or a decoder folder (its block projections; --calib for asvd / whitened).")
    Path model;

    @Option(names = "--method", defaultValue = "svd", description = "Whose spectrum: svd (weights) | asvd | whitened (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--tokenizer", description = "tokenizer.json (for asvd / whitened spectra of an ONNX model; a decoder folder has its own).")
    Path tokenizer;

    @Option(names = "--calib", description = "Calibration text (for asvd / whitened spectra).")
    Path calib;

    @Option(names = "--calib-sequences", description = "Calibration sentences of an ONNX model (default 256), or windows of a decoder's context (default 64).")
    Integer sequences;

    @Option(names = "--ranks", split = ",", defaultValue = "16,32,64,128", description = "Ranks to report energy at (default ${DEFAULT-VALUE}).")
    List<Integer> ranks;

    @Option(names = "--json", description = "Also write the spectra and summaries as JSON here.")
    Path json;

    @Option(names = "--force", description = "Replace the --json file if it exists (never an input).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        List<SpectrumInspection.Site> sites = SpectrumInspection.run(new SpectrumInspection.Request(model, method, tokenizer, calib, sequences, ranks,
                json, force), ProgressBar.stderr());
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-28s %11s %9s %7s %7s %9s", "site", "out×in", "eff.rank", "r@90%",
                "r@99%", "break-even"));
        ranks.forEach(r -> header.append(String.format(Locale.ROOT, " %8s", "E@" + r)));
        System.out.println(header);
        for (SpectrumInspection.Site site : sites) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-28s %11s %9.1f %7d %7d %9d", site.weight().name(),
                    site.weight().outFeatures() + "×" + site.weight().inFeatures(), site.effectiveRank(), site.rankFor90(), site.rankFor99(),
                    site.breakEvenRank()));
            for (double e : site.energyAtRank()) {
                line.append(String.format(Locale.ROOT, " %8.4f", e));
            }
            System.out.println(line);
        }
        if (json != null) {
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
