package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * {@code lowrank compress} and {@code lowrank recover} on decoder model folders (a tiny random byte-level LLaMA): the
 * low-rank folder they write, that {@code perplexity} and {@code generate} run it, resume, and each user mistake as one line.
 */
class DecoderFolderCompressRecoverTest {
    private static final String TEXT = """
            Fellow-Citizens of the Senate and of the House of Representatives: I embrace with great satisfaction the
            opportunity which now presents itself of congratulating you on the present favorable prospects of our public
            affairs. The recent accession of the important State of North Carolina to the Constitution of the United
            States gives me great pleasure. The Congress met in the capital and the treaty was signed in the spring.
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path dense, text, lowRank;

    @BeforeAll
    static void denseDecoderAndItsLowRankFolder() throws IOException {
        dense = tinyDecoder(dir.resolve("dense"));
        text = Files.writeString(dir.resolve("train.txt"), TEXT.repeat(3));
        lowRank = dir.resolve("lr-svd");
        ok("compress", "--model", dense.toString(), "--ratio", "0.5", "--method", "svd", "--allocation", "uniform", "--out", lowRank.toString());
    }

    /** A random byte-level LLaMA (C=32, MLP 48, 2 layers, GQA 4 over 2 heads, context 16) saved with its tokenizer. */
    static Path tinyDecoder(Path folder) throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(32).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(256).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(1));
        Files.createDirectories(folder);
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static Object[] ok(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        return r;
    }

    private static void assertOneLineError(Object[] result, String... fragments) {
        String err = (String) result[2];
        assertThat((int) result[0]).as(err).isEqualTo(2);
        assertThat(err).as("stderr").contains("lowrank ");
        List<String> lines = err.lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).as(err).hasSize(1);
        for (String f : fragments) {
            assertThat(lines.get(0)).contains(f);
        }
        assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static String[] recover(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("recover", "--original", dense.toString(), "--compressed", lowRank.toString(), "--out",
                out.toString(), "--text", text.toString(), "--steps", "3", "--batch", "2", "--window", "8", "--threads", "1"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void compressAtRatio03WritesALowRankFolderWithTheReportedCountsThatRuns() throws IOException {
        Path out = dir.resolve("lr-whitened");
        Object[] r = ok("compress", "--model", dense.toString(), "--calib", text.toString(), "--calib-windows", "4", "--ratio", "0.3",
                "--method", "whitened", "--allocation", "global", "--threads", "1", "--out", out.toString());
        assertThat((String) r[1]).contains("wrote " + out + ": targeted layers").contains("record: ");
        assertThat((String) r[2]).contains("14 linear sites, method whitened, allocation global, ratio 0.300");

        JsonNode record = JSON.readTree(dir.resolve("lr-whitened.json").toFile());
        assertThat(dir.resolve("lr-whitened.html")).exists();
        long targetedBefore = record.get("parameters_targeted_before").asLong(), targetedAfter = record.get("parameters_targeted_after").asLong();
        assertThat(targetedBefore).isEqualTo(2L * (2 * 32 * 32 + 2 * 16 * 32 + 3 * 32 * 48)); // q, o 32x32; k, v 16x32; MLP
        assertThat(record.get("ratio_targeted_layers").asDouble()).isBetween(0.2, 0.35);
        assertThat(targetedAfter).isEqualTo(Math.round(targetedBefore * (1 - record.get("ratio_targeted_layers").asDouble())));
        assertThat(record.get("calibration_tokens").asLong()).isEqualTo(4 * 16);
        assertThat((String) r[1]).contains("targeted layers " + targetedBefore + " → " + targetedAfter + " parameters");

        LlamaModel loaded = LlamaModel.load(out, Precision.FLOAT32);
        assertThat(loaded.parameterCount()).isEqualTo(record.get("parameters_model_after").asLong());
        long factorised = loaded.linearSites().values().stream().filter(l -> l.weight() instanceof LowRankWeight).count();
        LowRankFolder.Manifest m = LowRankFolder.readManifest(out).orElseThrow();
        assertThat(m.ranks()).hasSize((int) factorised);
        assertThat(factorised).isPositive();
        assertThat(m.method()).isEqualTo("whitened");
        assertThat(m.allocation()).isEqualTo("global");
        assertThat(m.ratioRequested()).isEqualTo(0.3);
        assertThat(m.parametersTargetedAfter()).isEqualTo(targetedAfter);
        assertThat(m.source()).isEqualTo(dense.toString());
        assertThat(out.resolve("tokenizer.json")).hasSameTextualContentAs(dense.resolve("tokenizer.json"));

        Object[] ppl = ok("perplexity", "--model", out.toString(), "--text", text.toString());
        assertThat((String) ppl[1]).contains("perplexity").contains("bits per byte");
        Object[] gen = ok("generate", "--model", out.toString(), "--prompt", "The Congress", "--max-tokens", "5");
        assertThat((String) gen[1]).startsWith("The Congress");
    }

    @Test
    void aTargetSizeCountsTheFloat32ParametersOfTheFolder() throws IOException {
        long parameters = LlamaModel.load(dense, Precision.FLOAT32).parameterCount();
        long target = (long) (parameters * 4 * 0.85);
        Path out = dir.resolve("lr-sized");
        ok("compress", "--model", dense.toString(), "--target-size", Long.toString(target), "--method", "svd", "--allocation", "uniform",
                "--out", out.toString());
        long after = LlamaModel.load(out, Precision.FLOAT32).parameterCount();
        assertThat(after * 4).isLessThanOrEqualTo(target).isGreaterThan((long) (parameters * 4 * 0.80));
    }

    @Test
    void sequentialAndGradientMethodsRunOnDecoderFolders() throws IOException {
        for (String method : List.of("svd-llm", "fwsvd")) {
            Path out = dir.resolve("lr-" + method);
            ok("compress", "--model", dense.toString(), "--calib", text.toString(), "--calib-windows", "2", "--ratio", "0.4", "--method", method,
                    "--allocation", "uniform", "--threads", "1", "--out", out.toString());
            assertThat(LowRankFolder.readManifest(out).orElseThrow().method()).isEqualTo(method);
        }
    }

    @Test
    void anInterruptedRecoveryResumesAndWritesALoadableFolderWithTrainedFactors() throws IOException {
        Path out = dir.resolve("recovered");
        Object[] first = ok(recover(out, "--checkpoint-every", "1", "--stop-after", "1"));
        assertThat((String) first[1]).contains("stopped after step 1 of 3");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("recovered.recover.safetensors")).exists();
        assertOneLineError(run(recover(out)), "use --resume");

        Object[] rest = ok(recover(out, "--resume", "--eval-text", text.toString(), "--eval-max-bytes", "400"));
        String printed = (String) rest[1];
        assertThat(printed).contains("recovered 2 steps").contains("original perplexity").contains("before perplexity")
                .contains("after  perplexity").contains("bits per byte");
        assertThat((String) rest[2]).contains("resuming from");

        JsonNode record = JSON.readTree(dir.resolve("recovered.json").toFile());
        assertThat(record.get("firstStep").asLong()).isEqualTo(1);
        assertThat(record.get("endStep").asLong()).isEqualTo(3);
        assertThat(Double.isFinite(record.get("finalLoss").asDouble())).isTrue();
        assertThat(Double.isFinite(record.get("initialLoss").asDouble())).isTrue();
        assertThat(record.get("after").get("bitsPerByte").asDouble()).isPositive();
        assertThat(record.get("before").get("bytes").asLong()).isEqualTo(400);
        // ‖AB − W‖ per factorised site, before and after this session's steps (PELA's quantity)
        JsonNode distanceBefore = record.get("weightDistanceBefore"), distanceAfter = record.get("weightDistanceAfter");
        assertThat(distanceBefore.size()).isPositive().isEqualTo(distanceAfter.size());
        assertThat(distanceBefore.get(0).get("relative").asDouble()).isPositive();
        assertThat(distanceAfter.get(0).get("relative").asDouble()).isNotEqualTo(distanceBefore.get(0).get("relative").asDouble());

        LlamaModel before = LlamaModel.load(lowRank, Precision.FLOAT32), after = LlamaModel.load(out, Precision.FLOAT32);
        assertThat(after.parameterCount()).isEqualTo(before.parameterCount());
        double change = 0, size = 0;
        for (String site : before.linearSites().keySet()) {
            Linear a = before.linearSites().get(site), b = after.linearSites().get(site);
            assertThat(b.weight().getClass()).isEqualTo(a.weight().getClass());
            if (a.weight() instanceof LowRankWeight fa) {
                assertThat(((LowRankWeight) b.weight()).rank()).isEqualTo(fa.rank());
                Tensor wa = a.weight().toDense(), wb = b.weight().toDense();
                for (int i = 0; i < wa.size(); i++) {
                    change += Math.abs(wa.get(i) - wb.get(i));
                    size += Math.abs(wa.get(i));
                }
            }
        }
        assertThat(change / size).as("relative change of the factorised weights").isGreaterThan(1e-4);
        LowRankFolder.Manifest m = LowRankFolder.readManifest(out).orElseThrow();
        assertThat(m.method()).isEqualTo("svd");
        assertThat(m.recovery().get("steps").asInt()).isEqualTo(3);
        assertThat(m.source()).isEqualTo(dense.toString());
        ok("perplexity", "--model", out.toString(), "--text", text.toString());
    }

    @Test
    void aDivergingRecoveryIsOneLineWithExitCode2() {
        Path out = dir.resolve("diverged");
        Object[] r = run(recover(out, "--lr", "1e30", "--checkpoint-every", "1"));
        assertOneLineError(r, "became", "of 3");
        assertThat(out).doesNotExist();
    }

    @Test
    void userMistakesAreOneLine() throws IOException {
        Path out = dir.resolve("never");
        // compress
        assertOneLineError(run("compress", "--model", dense.toString(), "--ratio", "0.3", "--method", "svd", "--out", dense.toString()),
                "input; choose another path");
        assertOneLineError(run("compress", "--model", dense.toString(), "--ratio", "0.3", "--out", out.toString()), "--calib");
        assertOneLineError(run("compress", "--model", dense.toString(), "--ratio", "0.3", "--tokenizer", "t.json", "--calib", text.toString(),
                "--out", out.toString()), "--tokenizer");
        assertOneLineError(run("compress", "--model", dense.toString(), "--ratio", "0.3", "--method", "basis-sharing", "--calib",
                text.toString(), "--out", out.toString()), "basis-sharing");
        assertOneLineError(run("compress", "--model", lowRank.toString(), "--ratio", "0.3", "--method", "svd", "--out", out.toString()),
                "already a low-rank model folder");
        Path tiny = Files.writeString(dir.resolve("tiny.txt"), "too short");
        assertOneLineError(run("compress", "--model", dense.toString(), "--ratio", "0.3", "--calib", tiny.toString(), "--out", out.toString()),
                "too few for one calibration window");
        Path onnx = Files.writeString(dir.resolve("model.onnx"), "never read");
        assertOneLineError(run("compress", "--model", onnx.toString(), "--ratio", "0.3", "--calib-windows", "4", "--out",
                dir.resolve("x.onnx").toString()), "--calib-windows", "decoder model folders");
        // recover
        assertOneLineError(run("recover", "--compressed", lowRank.toString(), "--out", out.toString(), "--text", text.toString()),
                "--original is required");
        assertOneLineError(run("recover", "--original", dense.toString(), "--compressed", dense.toString(), "--out", out.toString(), "--text",
                text.toString()), "same folder");
        Path denseCopy = tinyDecoder(dir.resolve("dense-copy"));
        assertOneLineError(run("recover", "--original", dense.toString(), "--compressed", denseCopy.toString(), "--out", out.toString(),
                "--text", text.toString()), "was not compressed by lowrank4j");
        assertOneLineError(run("recover", "--original", dense.toString(), "--compressed", lowRank.toString(), "--out", out.toString()),
                "--text is required");
        assertOneLineError(run("recover", "--original", dense.toString(), "--compressed", lowRank.toString(), "--out", lowRank.toString(),
                "--text", text.toString()), "input; choose another path");
        assertOneLineError(run("recover", "--original", dense.toString(), "--compressed", lowRank.toString(), "--out", out.toString(), "--text",
                tiny.toString(), "--batch", "2", "--window", "8"), "too few to fill one batch of 2");
        assertOneLineError(run(recover(out, "--tokenizer", "t.json")), "--tokenizer applies to ONNX encoders");
        assertOneLineError(run("recover", "--original", dense.toString(), "--compressed", lowRank.toString(), "--out", out.toString(), "--text",
                text.toString(), "--window", "17"), "--window must be in [2, 16]");
        assertOneLineError(run(recover(out, "--text-from", "1790")), "--text-from and --text-to select");
        assertOneLineError(run("recover", "--compressed", onnx.toString(), "--out", dir.resolve("y.onnx").toString(), "--eval-text",
                text.toString()), "--eval-text", "decoder model folders");
        assertThat(out).doesNotExist();

        // a broken low-rank folder: an A without its B, as generate and perplexity report it
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        for (String f : List.of("config.json", "tokenizer.json", LowRankFolder.MANIFEST)) {
            Files.copy(lowRank.resolve(f), broken.resolve(f));
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        String lonely = "model.layers.1.mlp.up_proj.lowrank_B";
        try (SafetensorsModel file = SafetensorsModel.open(lowRank)) {
            for (String n : file.names()) {
                if (!n.equals(lonely)) {
                    writer.add(n, file.info(n).shape(), file.readFloats(n));
                }
            }
        }
        writer.write(broken.resolve("model.safetensors"));
        assertOneLineError(run("perplexity", "--model", broken.toString(), "--text", text.toString()),
                "'model.layers.1.mlp.up_proj.lowrank_A'", "no matching '" + lonely + "'");
    }
}
