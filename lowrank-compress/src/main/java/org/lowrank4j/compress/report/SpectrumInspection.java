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
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.train.TextFolder;

/**
 * The one entry point of {@code inspect}: every linear site's spectrum under a method (plain, activation-scaled or
 * whitened singular values), summarised as effective rank, the ranks that keep 90% and 99% of the energy, the
 * break-even rank of a factor pair, and the energy kept at chosen ranks; optionally written as JSON with the spectra.
 * The model is an ONNX encoder, or a decoder folder (any family {@code compress} takes), whose block projections are
 * its sites and whose calibration runs windows of its context through the JVM runtime, as {@code compress} does.
 */
public final class SpectrumInspection {

    private SpectrumInspection() {
    }

    /**
     * @param tokenizer  and {@code calibration}: needed by methods that read statistics (a decoder folder brings its own
     *                   tokenizer)
     * @param calibrationSequences sentences for an ONNX model (null: 256), windows of the context for a decoder (null: 64)
     * @param json       where to write the spectra and summaries (null: nowhere); replaced only with {@code force}
     */
    public record Request(Path model, String method, Path tokenizer, Path calibration, Integer calibrationSequences, List<Integer> ranks, Path json,
                          boolean force) {
    }

    /** One site's summary; {@code energyAtRank} follows the request's ranks. */
    public record Site(LinearWeight weight, double effectiveRank, int rankFor90, int rankFor99, int breakEvenRank, double[] energyAtRank,
                       double[] spectrum) {
    }

    public static List<Site> run(Request q, Progress progress) throws IOException {
        if (q.calibrationSequences() != null && q.calibrationSequences() < 1) {
            throw new IllegalArgumentException("--calib-sequences must be at least 1, got " + q.calibrationSequences());
        }
        for (int rank : q.ranks()) {
            if (rank < 1) {
                throw new IllegalArgumentException("--ranks must list ranks of at least 1, got " + rank);
            }
        }
        if (q.json() != null) {
            OutputPlan.of("--json", q.json(), q.force()).file().input("--model", q.model()).input("--tokenizer", q.tokenizer())
                    .input("--calib", q.calibration()).check();
        }
        CompressionMethod m = Methods.byName(q.method());
        if (java.nio.file.Files.isDirectory(q.model())) {
            return summarise(q, m.name(), decoderJob(q, m, progress));
        }
        OnnxCompression job = OnnxCompression.open(q.model());
        if (!m.requirements().isEmpty()) {
            if (q.tokenizer() == null || q.calibration() == null) {
                throw new IllegalArgumentException("--method " + m.name() + " spectra need --tokenizer and --calib");
            }
            List<String> texts = TextCorpus.calibration(q.calibration(), q.calibrationSequences() == null ? 256 : q.calibrationSequences(), null);
            try (HfTokenizer tok = HfTokenizer.load(q.tokenizer())) {
                ModelPairs.requireTokenizerFits(q.tokenizer(), tok.vocabularySize(), q.model());
                job.calibrate(tok, texts, 32, Runtime.getRuntime().availableProcessors(), progress);
            }
        }
        return summarise(q, m.name(), new Prepared(job.weights(), job.prepare(m, progress)));
    }

    /** The sites and their decompositions under the method, in site order. */
    private record Prepared(List<LinearWeight> weights, List<PreparedSite> sites) {
    }

    /** A decoder folder's block projections prepared as {@code compress} prepares them (calibrated on --calib when the method reads data). */
    private static Prepared decoderJob(Request q, CompressionMethod m, Progress progress) throws IOException {
        if (q.tokenizer() != null) {
            throw new IllegalArgumentException("--tokenizer applies to ONNX models; the decoder folder " + q.model() + " brings its own tokenizer.json");
        }
        boolean data = !m.requirements().isEmpty();
        if (data && q.calibration() == null) {
            throw new IllegalArgumentException("--method " + m.name() + " spectra need --calib (a .txt file or a folder of them)");
        }
        if (org.lowrank4j.nn.arch.mamba.MambaConfig.isMambaFolder(q.model())) { // its mixer projections are not block N ROLE sites
            throw new IllegalArgumentException("inspect takes ONNX models and LLaMA-, GPT-2- and OPT-family decoder folders; --model " + q.model()
                    + " is a Mamba folder");
        }
        CausalLanguageModel decoder = DecoderFolder.loadCompressible(q.model());
        int context = decoder.defaultWindow();
        int[][] windows = data ? DecoderRuntime.calibrationWindows(DecoderFolder.loadTokenizer(q.model(), decoder.vocabSize()),
                TextFolder.readText(q.calibration(), null, null, "--calib"), q.calibration(), context,
                q.calibrationSequences() == null ? DecoderRuntime.DEFAULT_WINDOWS : q.calibrationSequences(), "--calib-sequences")
                : new int[][] {{0, 0}}; // a method that reads no data never runs the model
        RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(decoder, windows, DecoderRuntime.windowsPerBatch(context)));
        return new Prepared(job.weights(), job.prepare(m, progress));
    }

    private static List<Site> summarise(Request q, String method, Prepared job) throws IOException {
        List<PreparedSite> prepared = job.sites();
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < prepared.size(); i++) {
            LinearWeight w = job.weights().get(i);
            double[] s = prepared.get(i).spectrum();
            double[] energy = q.ranks().stream().mapToDouble(r -> Spectra.energyAt(s, r)).toArray();
            sites.add(new Site(w, Spectra.effectiveRank(s), Spectra.rankForEnergy(s, 0.9), Spectra.rankForEnergy(s, 0.99),
                    RankRules.breakEvenRank(w.outFeatures(), w.inFeatures()), energy, s));
        }
        if (q.json() != null) {
            write(q, method, sites);
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
