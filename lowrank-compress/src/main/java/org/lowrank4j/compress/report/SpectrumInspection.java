package org.lowrank4j.compress.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.Spectra;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;

/**
 * The one entry point of {@code inspect}: every linear site's spectrum under a method (plain, activation-scaled or
 * whitened singular values), summarised as effective rank, the ranks that keep 90% and 99% of the energy, the
 * break-even rank of a factor pair, and the energy kept at chosen ranks; optionally written as JSON with the spectra.
 */
public final class SpectrumInspection {

    private SpectrumInspection() {
    }

    /**
     * @param tokenizer  and {@code calibration}: needed by methods that read statistics
     * @param json       where to write the spectra and summaries (null: nowhere); replaced only with {@code force}
     */
    public record Request(Path model, String method, Path tokenizer, Path calibration, int calibrationSequences, List<Integer> ranks, Path json,
                          boolean force) {
    }

    /** One site's summary; {@code energyAtRank} follows the request's ranks. */
    public record Site(LinearWeight weight, double effectiveRank, int rankFor90, int rankFor99, int breakEvenRank, double[] energyAtRank,
                       double[] spectrum) {
    }

    public static List<Site> run(Request q, Progress progress) throws IOException {
        if (q.json() != null) {
            OutputPlan.of("--json", q.json(), q.force()).input("--model", q.model()).input("--tokenizer", q.tokenizer())
                    .input("--calib", q.calibration()).check();
        }
        OnnxCompression job = OnnxCompression.open(q.model());
        CompressionMethod m = Methods.byName(q.method());
        if (!m.requirements().isEmpty()) {
            if (q.tokenizer() == null || q.calibration() == null) {
                throw new IllegalArgumentException("--method " + m.name() + " spectra need --tokenizer and --calib");
            }
            List<String> texts = TextCorpus.calibration(q.calibration(), q.calibrationSequences(), null);
            try (HfTokenizer tok = HfTokenizer.load(q.tokenizer())) {
                ModelPairs.requireTokenizerFits(q.tokenizer(), tok.vocabularySize(), q.model());
                job.calibrate(tok, texts, 32, Runtime.getRuntime().availableProcessors(), progress);
            }
        }
        List<PreparedSite> prepared = job.prepare(m, progress);
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < prepared.size(); i++) {
            LinearWeight w = job.weights().get(i);
            double[] s = prepared.get(i).spectrum();
            double[] energy = q.ranks().stream().mapToDouble(r -> Spectra.energyAt(s, r)).toArray();
            sites.add(new Site(w, Spectra.effectiveRank(s), Spectra.rankForEnergy(s, 0.9), Spectra.rankForEnergy(s, 0.99),
                    RankRules.breakEvenRank(w.outFeatures(), w.inFeatures()), energy, s));
        }
        if (q.json() != null) {
            write(q, m.name(), sites);
        }
        return sites;
    }

    private static void write(Request q, String method, List<Site> sites) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode().put("model", q.model().toString()).put("method", method);
        ArrayNode array = root.putArray("sites");
        for (Site site : sites) {
            LinearWeight w = site.weight();
            ObjectNode node = array.addObject().put("name", w.name()).put("role", w.role()).put("out_features", w.outFeatures())
                    .put("in_features", w.inFeatures()).put("effective_rank", site.effectiveRank());
            ObjectNode energy = node.putObject("energy_at_rank");
            for (int i = 0; i < q.ranks().size(); i++) {
                energy.put(Integer.toString(q.ranks().get(i)), site.energyAtRank()[i]);
            }
            ArrayNode values = node.putArray("spectrum");
            for (double v : site.spectrum()) {
                values.add(v);
            }
        }
        AtomicFiles.writeString(q.json(), mapper.writeValueAsString(root) + "\n");
    }
}
