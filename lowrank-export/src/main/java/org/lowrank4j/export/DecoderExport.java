package org.lowrank4j.export;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.mamba.MambaConfig;
import org.lowrank4j.nn.cskv.CskvFolder;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.DecoderTraining;

/**
 * {@code lowrank export}: a LLaMA-family decoder folder (dense, low-rank, quantized or narrowed, as {@code compress}
 * writes them) or a GPT-2 one (dense or low-rank) as a folder that ONNX Runtime runs, laid out as transformers.js loads a text-generation model:
 * {@code onnx/model.onnx} ({@link LlamaGraph}, {@link Gpt2Graph}; initializers over 1 KB go to {@code onnx/model.onnx_data} when the model
 * is over 1.5 GB, ONNX's protobuf limit being 2 GB, streamed there by an {@link ExternalDataWriter} as the graph is built), the source's {@code config.json}, {@code tokenizer.json},
 * {@code tokenizer_config.json} (a minimal one when the source has none), {@code generation_config.json} and
 * {@code special_tokens_map.json} when it has them, and {@code export.json} (what became of each projection, the sizes
 * and the check).
 *
 * <p>The check runs the written file in ONNX Runtime against the JVM runtime on the same tokens before the folder is
 * put in place: a prompt of seeded random ids, then greedy steps one token at a time through the cache. It fails the
 * export when the logits differ by more than {@link #TOLERANCE} of their largest magnitude (at least 1).
 */
public final class DecoderExport {
    public static final String MODEL = "onnx/model.onnx", DATA = "onnx/model.onnx_data", RECORD = "export.json";
    private static final String DATA_FILE = Path.of(DATA).getFileName().toString(); // as model.onnx names it
    /** The largest logit difference the check accepts, relative to max(1, the largest |logit|). */
    public static final double TOLERANCE = 1e-3;
    private static final long EXTERNAL_ABOVE_BYTES = 1_500_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DecoderExport() {
    }

    /**
     * @param checkPrompt tokens of the check's prompt (0: no check); {@code checkSteps} greedy tokens follow it
     * @param adapter     a PEFT LoRA adapter folder written into the graph unmerged over the model, or null
     */
    public record Request(Path model, Path out, boolean force, int checkPrompt, int checkSteps, long seed, Path adapter) {
        /** A request without an adapter. */
        public Request(Path model, Path out, boolean force, int checkPrompt, int checkSteps, long seed) {
            this(model, out, force, checkPrompt, checkSteps, seed, null);
        }

        public Request {
            if (checkPrompt < 0 || checkSteps < 0) {
                throw new IllegalArgumentException("the check's prompt and steps must be 0 or more, got " + checkPrompt + " and " + checkSteps);
            }
        }
    }

    /** The check: the largest |ONNX Runtime − JVM| over every logit of the prompt and the steps, and the largest |logit|. */
    public record Check(int promptTokens, int steps, double maxDifference, double maxLogit, boolean passed) {}

    /** How one projection was written (see {@link DecoderGraph}) and the values it stores. */
    public record Site(String name, String form, long storedValues) {}

    public record Report(Path out, List<Site> sites, long onnxBytes, boolean externalData, Check check, double seconds) {}

    /**
     * Writes the folder {@code out} (atomically: nothing is left at {@code out} when any step fails).
     *
     * @throws IllegalArgumentException for a folder that is not a LLaMA-family or GPT-2 decoder (naming what it is), an output
     *                                  that is an input or exists without {@code force}, or a failed check
     */
    public static Report run(Request r, Consumer<String> progress) throws IOException {
        return run(r, progress, EXTERNAL_ABOVE_BYTES);
    }

    /** As {@link #run(Request, Consumer)}, with initializers moved to {@link #DATA} when they hold more than {@code externalAbove} bytes. */
    static Report run(Request r, Consumer<String> progress, long externalAbove) throws IOException {
        long start = System.nanoTime();
        DecoderTraining.requireModelFolder(r.model());
        OutputPlan.of("--out", r.out(), r.force()).folderOutput(true).input("--model", r.model()).input("--adapter", r.adapter()).check();
        HfConfig config = requireExportable(r.model());
        progress.accept("loading " + r.model());
        CausalLanguageModel model = org.lowrank4j.nn.arch.DenseDecoders.load(r.model(), Precision.FLOAT32);
        if (r.adapter() != null) {
            progress.accept("attaching " + r.adapter());
            AdapterSwitch.attach(model, java.util.Map.of("default", r.adapter())).use("default"); // PEFT's name for a lone adapter
        }
        // a model past the threshold streams its weights to the data file while the graph is built, so that no second copy
        // of them is held; a smaller one is built in memory and written as one file (or, when the estimate fell short, split)
        boolean streamed = 4L * model.parameterCount() > externalAbove;
        try {
            return AtomicFiles.replacing(r.out(), staging -> {
                Files.createDirectory(staging);
                Path file = staging.resolve(MODEL);
                Files.createDirectory(file.getParent());
                DecoderGraph.Built built;
                boolean external = streamed;
                if (streamed) {
                    progress.accept("building the graph, weights streamed to " + r.out().resolve(DATA));
                    try (ExternalDataWriter sink = ExternalDataWriter.create(staging.resolve(DATA), DATA_FILE)) {
                        built = build(model, sink);
                        sink.externalize(built.model(), GraphNodes.EXTERNAL_MIN_BYTES); // what the quantized rewrite added in the graph
                    }
                    progress.accept("writing " + r.out().resolve(MODEL));
                    built.model().write(file);
                } else {
                    progress.accept("building the graph");
                    built = build(model, null);
                    external = initializerBytes(built.model()) > externalAbove;
                    progress.accept("writing " + r.out().resolve(MODEL));
                    if (external) {
                        built.model().write(file, DATA_FILE, GraphNodes.EXTERNAL_MIN_BYTES);
                    } else {
                        built.model().write(file);
                    }
                }
                List<Site> sites = built.sites();
                for (String name : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "special_tokens_map.json")) {
                    if (Files.isRegularFile(r.model().resolve(name))) {
                        Files.copy(r.model().resolve(name), staging.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
                if (!Files.exists(staging.resolve("tokenizer_config.json"))) {
                    AtomicFiles.writeString(staging.resolve("tokenizer_config.json"), "{\n  \"model_max_length\": " + model.maxPositions()
                            + ",\n  \"clean_up_tokenization_spaces\": false\n}\n");
                }
                Check check = null;
                if (r.checkPrompt() > 0) {
                    progress.accept("checking " + MODEL + " in ONNX Runtime against the JVM runtime");
                    check = check(model, file, r.checkPrompt(), r.checkSteps(), r.seed());
                    if (!check.passed()) {
                        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the written %s disagrees with the JVM runtime on %s: logits"
                                + " differ by up to %.3g (largest |logit| %.3g; tolerance %.0e of it); nothing was written", MODEL, r.model(),
                                check.maxDifference(), check.maxLogit(), TOLERANCE));
                    }
                }
                long bytes = Files.size(file) + (external ? Files.size(staging.resolve(DATA)) : 0);
                Report report = new Report(r.out(), sites, bytes, external, check, (System.nanoTime() - start) / 1e9);
                AtomicFiles.writeString(staging.resolve(RECORD), record(r, config, report));
                return report;
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("export to " + r.out() + " failed: " + e.getMessage(), e);
        }
    }

    /** The folder's config, when export writes its architecture. */
    private static HfConfig requireExportable(Path folder) throws IOException {
        if (MambaConfig.isMambaFolder(folder)) {
            throw new IllegalArgumentException("--model " + folder + " is a Mamba folder; export writes LLaMA-family and GPT-2 decoders (Mamba's"
                    + " selective scan has no ONNX form here yet)");
        }
        if (CskvFolder.isCskv(folder)) {
            throw new IllegalArgumentException("--model " + folder + " is a CSKV folder (shrunk KV caches), whose cache the ONNX graph does not"
                    + " have; export its dense or compressed original instead");
        }
        HfConfig config = HfConfig.read(folder);
        if (config.architecture() != HfArchitecture.LLAMA && config.architecture() != HfArchitecture.GPT2) {
            throw new IllegalArgumentException("--model " + folder + " is " + config.architecture() + " (model_type " + config.modelType()
                    + "); export writes LLaMA-family decoders (" + HfArchitecture.LLAMA.modelTypes() + "), GPT-2 and OPT");
        }
        return config;
    }

    private static DecoderGraph.Built build(CausalLanguageModel model, ExternalDataWriter sink) {
        return model instanceof Gpt2Model gpt2 ? Gpt2Graph.build(gpt2, sink) : LlamaGraph.build((LlamaModel) model, sink);
    }

    private static long initializerBytes(OnnxModel model) {
        long bytes = 0;
        for (TensorProto t : model.graph().getInitializerList()) {
            bytes += t.getRawData().size() + 4L * t.getFloatDataCount() + 8L * t.getInt64DataCount();
        }
        return bytes;
    }

    /**
     * The logits of {@code promptTokens} seeded random ids and then of {@code steps} greedy tokens, in ONNX Runtime from
     * {@code file} and in the JVM runtime, both through their caches.
     */
    public static Check check(CausalLanguageModel model, Path file, int promptTokens, int steps, long seed) throws IOException {
        int positions = Math.min(model.maxPositions(), promptTokens + steps);
        int prompt = Math.min(promptTokens, positions), extra = positions - prompt;
        Random random = new Random(seed);
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            ids[i] = random.nextInt(model.vocabSize());
        }
        double worst = 0, largest = 0;
        try (OnnxDecoder onnx = OnnxDecoder.open(file, 0); OnnxDecoder.Sequence sequence = onnx.start()) {
            DecoderCache cache = model.newCache(1, positions);
            int[] next = ids;
            for (int step = 0; step <= extra; step++) {
                float[][] got = sequence.append(next);
                Tensor want = model.decode(next, 1, next.length, cache);
                int vocab = model.vocabSize(), best = 0;
                for (int t = 0; t < next.length; t++) {
                    for (int v = 0; v < vocab; v++) {
                        double w = want.get(t * vocab + v);
                        if (!Double.isFinite(got[t][v])) {
                            return new Check(prompt, extra, Double.POSITIVE_INFINITY, largest, false);
                        }
                        worst = Math.max(worst, Math.abs(got[t][v] - w));
                        largest = Math.max(largest, Math.abs(w));
                        if (t == next.length - 1 && w > want.get(t * vocab + best)) {
                            best = v;
                        }
                    }
                }
                next = new int[] {best};
            }
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime could not run " + file + ": " + e.getMessage(), e);
        }
        return new Check(prompt, extra, worst, largest, worst <= TOLERANCE * Math.max(1, largest));
    }

    private static String record(Request r, HfConfig config, Report report) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "lowrank4j-onnx-decoder");
        root.put("format_version", 1);
        root.put("source", r.model().toAbsolutePath().normalize().toString());
        root.put("opset", DecoderGraph.OPSET);
        if (r.adapter() != null) {
            root.put("adapter", r.adapter().toAbsolutePath().normalize().toString());
        }
        root.put("architecture", config.modelType());
        root.put("onnx_bytes", report.onnxBytes());
        root.put("external_data", report.externalData());
        ArrayNode sites = root.putArray("projections");
        for (Site s : report.sites()) {
            sites.addObject().put("name", s.name()).put("form", s.form()).put("stored_values", s.storedValues());
        }
        if (report.check() != null) {
            Check c = report.check();
            root.putObject("check").put("prompt_tokens", c.promptTokens()).put("greedy_steps", c.steps()).put("seed", r.seed())
                    .put("max_logit_difference", c.maxDifference()).put("max_abs_logit", c.maxLogit()).put("tolerance", TOLERANCE)
                    .put("passed", c.passed());
        }
        return JSON.writeValueAsString(root) + "\n";
    }
}
