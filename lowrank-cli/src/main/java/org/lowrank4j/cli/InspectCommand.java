package org.lowrank4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.Spectra;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank inspect}: per-site spectra, effective rank and energy kept at chosen ranks. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show each linear site's spectrum summary: effective rank, ranks for 90%%/99%% energy, energy at given ranks.")
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model.")
    Path model;

    @Option(names = "--method", defaultValue = "svd", description = "Whose spectrum: svd (weights) | asvd | whitened (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--tokenizer", description = "tokenizer.json (for asvd / whitened spectra).")
    Path tokenizer;

    @Option(names = "--calib", description = "Calibration text (for asvd / whitened spectra).")
    Path calib;

    @Option(names = "--calib-sequences", defaultValue = "256", description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--ranks", split = ",", defaultValue = "16,32,64,128", description = "Ranks to report energy at (default ${DEFAULT-VALUE}).")
    List<Integer> ranks;

    @Option(names = "--json", description = "Also write the spectra and summaries as JSON here.")
    Path json;

    @Option(names = "--force", description = "Replace the --json file if it exists (never an input).")
    boolean force;


    @Override
    public Integer call() throws Exception {
        if (json != null) {
            Inputs.requireOutput("--json", json, force, "--model", model, "--tokenizer", tokenizer, "--calib", calib);
        }
        OnnxCompression job = OnnxCompression.open(Inputs.requireFile(model, "--model"));
        CompressionMethod m = Methods.byName(method);
        if (!m.requirements().isEmpty()) {
            if (tokenizer == null || calib == null) {
                throw new IllegalArgumentException("--method " + m.name() + " spectra need --tokenizer and --calib");
            }
            try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
                org.lowrank4j.compress.check.ModelPairs.requireTokenizerFits(tokenizer, tok.vocabularySize(), model);
                job.calibrate(tok, Inputs.calibrationText(calib, sequences), 32, Runtime.getRuntime().availableProcessors(), ProgressBar.stderr());
            }
        }
        List<PreparedSite> prepared = job.prepare(m, ProgressBar.stderr());
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-28s %11s %9s %7s %7s %9s", "site", "out×in", "eff.rank", "r@90%", "r@99%", "break-even"));
        for (int r : ranks) {
            header.append(String.format(Locale.ROOT, " %8s", "E@" + r));
        }
        System.out.println(header);
        ObjectNode root = new ObjectMapper().createObjectNode().put("model", model.toString()).put("method", m.name());
        ArrayNode sites = root.putArray("sites");
        for (int i = 0; i < prepared.size(); i++) {
            LinearWeight w = job.weights().get(i);
            double[] s = prepared.get(i).spectrum();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-28s %11s %9.1f %7d %7d %9d", w.name(), w.outFeatures() + "×" + w.inFeatures(),
                    Spectra.effectiveRank(s), Spectra.rankForEnergy(s, 0.9), Spectra.rankForEnergy(s, 0.99),
                    RankRules.breakEvenRank(w.outFeatures(), w.inFeatures())));
            ObjectNode site = sites.addObject().put("name", w.name()).put("role", w.role()).put("out_features", w.outFeatures())
                    .put("in_features", w.inFeatures()).put("effective_rank", Spectra.effectiveRank(s));
            ObjectNode energy = site.putObject("energy_at_rank");
            for (int r : ranks) {
                double e = Spectra.energyAt(s, r);
                line.append(String.format(Locale.ROOT, " %8.4f", e));
                energy.put(Integer.toString(r), e);
            }
            ArrayNode values = site.putArray("spectrum");
            for (double v : s) {
                values.add(v);
            }
            System.out.println(line);
        }
        if (json != null) {
            AtomicFiles.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n");
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
