package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.harness.ComparisonReport;
import org.lowrank4j.compress.harness.EncoderComparison;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank demo}: the bundled all-MiniLM-L6-v2 and the vendored text, compressed with the three methods at
 * one ratio and evaluated on one protocol; prints a short table and writes the full results.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Compress the bundled all-MiniLM-L6-v2 with svd, asvd and whitened SVD, evaluate, and print a table.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--ratio", defaultValue = "0.2", description = "Fraction of the linear layers' parameters to remove (default ${DEFAULT-VALUE}).")
    double ratio;

    @Option(names = "--allocation", defaultValue = "global", description = "uniform | global | energy | d-rank | welore (default ${DEFAULT-VALUE}).")
    String allocation;

    @Option(names = "--out", defaultValue = "lowrank-demo", description = "Folder for the results and the compressed models (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--force", description = "Replace the results of an earlier demo in --out.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        org.lowrank4j.compress.RankRules.requireRatio(ratio, "--ratio");
        Inputs.requireResultsFolder(out, force, false, false);
        if (!org.lowrank4j.compress.allocation.SensitivityAllocator.isSensitivity(allocation)) {
            org.lowrank4j.compress.allocation.Allocators.byName(allocation); // an unknown name fails before the model is calibrated
        }
        Files.createDirectories(out);
        Path model = BundledModel.model(), tokenizerPath = BundledModel.tokenizer();
        System.out.printf(Locale.ROOT, "lowrank4j %s demo: %s (bundled), remove %.0f%% of the linear layers' parameters, %s allocation%n",
                Version.number(), BundledModel.NAME, 100 * ratio, allocation);
        try (HfTokenizer tok = HfTokenizer.load(tokenizerPath)) {
            EncoderComparison.Setup setup = new EncoderComparison.Setup(model, tok, Pooling.MEAN, TextCorpus.calibration(null, 256, null),
                    TextCorpus.heldOut().texts(), Evaluation.outOfDomainSets(Integer.MAX_VALUE), TextCorpus.partyProbe(),
                    EvalOptions.defaults().withThreads(Runtime.getRuntime().availableProcessors()), out, true);
            EncoderComparison comparison = new EncoderComparison(setup, ProgressBar.stderr());
            var rows = comparison.run(List.of("svd", "asvd", "whitened"), List.of(allocation), List.of(ratio), ProgressBar.stderr(), row -> { });
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("model", BundledModel.NAME + " (bundled)");
            context.put("calibration", "vendored mix (Moby Dick ch. 1-67 + SOTU), " + setup.calibration().size() + " sentences");
            context.put("held_out", "vendored SOTU 1900-1945, " + setup.heldOut().size() + " sentences");
            context.put("out_of_domain", String.join(", ", setup.outOfDomain().stream().map(t -> t.source() + " (" + t.texts().size() + " sentences)").toList()));
            context.put("probe", setup.probe().source());
            context.put("command", "lowrank demo --ratio " + ratio + " --allocation " + allocation);
            ComparisonReport.write(out, rows, context);
            System.out.println();
            System.out.printf("%-10s %9s %9s %9s %19s %10s %10s %9s %8s%n", "method", "mean cos", "p5 cos", "recall@10", "worst OOD cos/r@10",
                    "probe ref", "probe cand", "latency", "MB");
            for (var r : rows) {
                var e = r.eval();
                var w = e.worstOutOfDomain();
                System.out.printf(Locale.ROOT, "%-10s %9.4f %9.4f %9.4f %12.4f/%6.4f %10.4f %10.4f %8.3fx %8.1f%n", r.method(), e.fidelity().meanCosine(),
                        e.fidelity().p5Cosine(), e.fidelity().recallAtK(), w == null ? Double.NaN : w.meanCosine(), w == null ? Double.NaN : w.recallAtK(),
                        e.probe().accuracyReference(), e.probe().accuracyCandidate(), e.latency() == null ? Double.NaN : e.latency().ratio(),
                        r.outcome().bytesOut() / 1e6);
            }
            System.out.println("mean cos, p5 cos and recall@10 are on held-out SOTU sentences (in domain); worst OOD is the lower of the two"
                    + " Moby Dick sets (narrative and speech, chapters no default text comes from)");
            System.out.printf(Locale.ROOT, "original: %.1f MB; latency is candidate/original time per sentence in ONNX Runtime (lower is faster)%n",
                    rows.get(0).outcome().bytesIn() / 1e6);
            System.out.println("results: " + out.resolve("results.md") + ", " + out.resolve("report.html") + "; compressed models in " + out);
        }
        return 0;
    }
}
