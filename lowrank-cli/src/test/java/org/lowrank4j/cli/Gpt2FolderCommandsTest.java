package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.tensor.Precision;

/**
 * A GPT-2-style folder (config.json with model_type gpt2, Hugging Face's safetensors layout, a byte-level tokenizer),
 * tiny and random, written here: generate and perplexity run it, the perplexity figure is the runtime's own on the
 * same tokens; compress writes a low-rank GPT-2 folder that both run, and compare refuses it in one line. An OPT folder
 * takes the same path.
 */
class Gpt2FolderCommandsTest {
    private static final String TEXT = "The Congress met in the capital and the treaty was signed in the spring. ".repeat(4);

    static Path tinyGpt2(Path folder) throws Exception {
        Files.createDirectories(folder);
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(16).numHiddenLayers(2).numAttentionHeads(2).vocabSize(256)
                .maxPositionEmbeddings(32).build();
        Gpt2Model model = new Gpt2Model(config, Precision.FLOAT32);
        model.initialize(new Random(4));
        model.save(folder);
        ByteTokenizer.writeJson(folder);
        return folder;
    }

    /** A random OPT of width 16 (2 layers, ReLU MLP of 64, 32 positions, the 256 byte ids) in OPT's layout, no tokenizer. */
    static Path tinyOpt(Path folder) throws Exception {
        Files.createDirectories(folder);
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).modelType("opt").className("OPTForCausalLM").hiddenSize(16).intermediateSize(64)
                .numHiddenLayers(2).numAttentionHeads(2).vocabSize(256).maxPositionEmbeddings(32).hiddenAct("relu").build();
        Gpt2Model opt = new Gpt2Model(config, Precision.FLOAT32);
        opt.initialize(new Random(4));
        opt.save(folder);
        return folder;
    }

    @Test
    void generateAndPerplexityRunAGpt2Folder(@TempDir Path dir) throws Exception {
        Path model = tinyGpt2(dir.resolve("gpt2"));
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Object[] generated = CliRun.run("generate", "--model", model.toString(), "--prompt", "The Congress", "--max-tokens", "12");
        assertThat((int) generated[0]).as("stderr: %s", generated[2]).isZero();
        assertThat((String) generated[1]).startsWith("The Congress");

        Path json = dir.resolve("ppl.json");
        Object[] ppl = CliRun.run("perplexity", "--model", model.toString(), "--text", text.toString(), "--json", json.toString());
        assertThat((int) ppl[0]).as("stderr: %s", ppl[2]).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        // the same windows scored by the runtime's GPT-2 directly (byte ids, the model's 32 positions)
        int[] ids = new ByteTokenizer().encode(TEXT);
        double direct = Perplexity.evaluate(Gpt2Model.load(model, Precision.FLOAT32), ids, 32, TEXT.getBytes(StandardCharsets.UTF_8).length).perplexity();
        assertThat(figures.get("perplexity").asDouble()).isCloseTo(direct, org.assertj.core.data.Offset.offset(1e-9 * direct));
        assertThat(direct).isFinite().isGreaterThan(100).isLessThan(600); // a random byte model sits near the 256 of a uniform guess
    }

    @Test
    void compressWritesALowRankGpt2FolderThatPerplexityAndGenerateRun(@TempDir Path dir) throws Exception {
        Path model = tinyGpt2(dir.resolve("gpt2"));
        Path calib = Files.writeString(dir.resolve("calib.txt"), TEXT.repeat(3));
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        for (String method : new String[] {"svd", "whitened", "asvd"}) {
            Path out = dir.resolve("gpt2-" + method);
            Object[] r = CliRun.run("compress", "--model", model.toString(), "--method", method, "--ratio", "0.3", "--allocation", "uniform",
                    "--calib", calib.toString(), "--calib-windows", "4", "--out", out.toString());
            assertThat((int) r[0]).as("%s stderr: %s", method, r[2]).isZero();
            JsonNode manifest = new ObjectMapper().readTree(out.resolve("lowrank.json").toFile());
            assertThat(manifest.get("method").asText()).isEqualTo(method);
            // 2 blocks × 6 sites; uniform 0.3 factorises each 16-wide projection (64-wide for the MLP) below its dense size
            assertThat(manifest.get("ranks").size()).isEqualTo(12);
            assertThat(manifest.get("ranks").get("transformer.h.0.attn.c_attn.q").asInt()).isEqualTo((int) Math.floor(0.7 * 16 * 16 / 32));
            // rank 5 of a 16×16 projection keeps 160 of 256 parameters, rank 8 of a 64×16 one 640 of 1024: 0.375 removed everywhere
            assertThat(manifest.get("ratio_targeted_layers").asDouble()).isCloseTo(0.375, org.assertj.core.data.Offset.offset(1e-12));

            Gpt2Model loaded = Gpt2Model.load(out, Precision.FLOAT32);
            assertThat(loaded.linearSites().values()).allSatisfy(l -> assertThat(l.weight()).isInstanceOf(org.lowrank4j.nn.weight.LowRankWeight.class));
            perplexityIsTheRuntimes(out, loaded, text, dir.resolve(method + "-ppl.json"));
            Object[] generated = CliRun.run("generate", "--model", out.toString(), "--prompt", "The", "--max-tokens", "4");
            assertThat((int) generated[0]).as("stderr: %s", generated[2]).isZero();
        }
    }

    @Test
    void anOptFolderRunsThroughCompressPerplexityGenerateAndFinetune(@TempDir Path dir) throws Exception {
        Path model = tinyOpt(dir.resolve("opt"));
        ByteTokenizer.writeJson(model);
        Path calib = Files.writeString(dir.resolve("calib.txt"), TEXT.repeat(3));
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path out = dir.resolve("opt-whitened");
        Object[] r = CliRun.run("compress", "--model", model.toString(), "--method", "whitened", "--ratio", "0.3", "--allocation", "uniform",
                "--calib", calib.toString(), "--calib-windows", "4", "--out", out.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("lowrank.json").toFile());
        assertThat(manifest.get("ranks").get("model.decoder.layers.1.fc1").asInt()).isEqualTo((int) Math.floor(0.7 * 64 * 16 / 80));
        Gpt2Model loaded = Gpt2Model.load(out, Precision.FLOAT32);
        assertThat(loaded.positionOffset()).isEqualTo(2);
        perplexityIsTheRuntimes(out, loaded, text, dir.resolve("ppl.json"));
        Object[] generated = CliRun.run("generate", "--model", model.toString(), "--prompt", "The", "--max-tokens", "4");
        assertThat((int) generated[0]).as("stderr: %s", generated[2]).isZero();

        // LoRA in PEFT's OPT names, merged back into an OPT folder; every weight trained; the LLaMA-only methods refused
        Path adapter = dir.resolve("opt-lora");
        Object[] tuned = CliRun.run("finetune", "--model", model.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2",
                "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
        assertThat((int) tuned[0]).as("stderr: %s", tuned[2]).isZero();
        try (org.lowrank4j.formats.safetensors.SafetensorsFile file = org.lowrank4j.formats.safetensors.SafetensorsFile.open(
                adapter.resolve("adapter_model.safetensors"))) {
            // the default targets: q, k, v and OPT's out_proj
            assertThat(file.names()).hasSize(2 * 4 * 2).contains("base_model.model.model.decoder.layers.1.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.decoder.layers.0.self_attn.out_proj.lora_B.weight");
        }
        Object[] merged = CliRun.run("adapter", "merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                dir.resolve("opt-merged").toString());
        assertThat((int) merged[0]).as("stderr: %s", merged[2]).isZero();
        assertThat(Gpt2Model.load(dir.resolve("opt-merged"), Precision.FLOAT32).positionOffset()).isEqualTo(2);
        Object[] full = CliRun.run("finetune", "--model", model.toString(), "--data", text.toString(), "--out", dir.resolve("opt-full").toString(),
                "--adapter", "full", "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2");
        assertThat((int) full[0]).as("stderr: %s", full[2]).isZero();
        assertThat(HfConfig.read(dir.resolve("opt-full")).modelType()).isEqualTo("opt");
        assertThat(CliRun.refused("finetune", "--model", model.toString(), "--data", text.toString(), "--out", dir.resolve("opt-bf").toString(),
                "--adapter", "butterfly", "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2")).contains("LLaMA-family");

        Path data = Files.createDirectories(dir.resolve("data")); // the results folder may not lie inside it
        Files.writeString(data.resolve("1900_a_r.txt"), TEXT.repeat(3));
        Files.writeString(data.resolve("1990_b_d.txt"), TEXT.repeat(3));
        Object[] compared = CliRun.run("compare", "--model", model.toString(), "--methods", "svd", "--ratios", "0.2", "--data", data.toString(),
                "--calib-from", "1900", "--calib-to", "1900", "--eval-from", "1990", "--eval-to", "1990", "--calib-windows", "2", "--no-stats-cache",
                "--out", dir.resolve("cmp").toString());
        assertThat((int) compared[0]).as("stderr: %s", compared[2]).isZero();
    }

    @Test
    void loraTrainsOnGpt2sFusedCAttnInPeftsNamesAndMergesBack(@TempDir Path dir) throws Exception {
        Path model = tinyGpt2(dir.resolve("gpt2"));
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT.repeat(2));
        Path adapter = dir.resolve("gpt2-lora");
        Object[] tuned = CliRun.run("finetune", "--model", model.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "4",
                "--steps", "3", "--batch", "2", "--context", "16", "--held-out", "0.2", "--squeeze-to", "2",
                "--squeeze-weighting", "none");
        assertThat((int) tuned[0]).as("stderr: %s", tuned[2]).isZero();
        try (org.lowrank4j.formats.safetensors.SafetensorsFile file = org.lowrank4j.formats.safetensors.SafetensorsFile.open(
                adapter.resolve("adapter_model.safetensors"))) {
            // the default targets: the fused c_attn (one lora_A, lora_B over q, k and v) and attn.c_proj, squeezed to rank 2
            assertThat(file.names()).hasSize(2 * 2 * 2).contains("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight",
                    "base_model.model.transformer.h.0.attn.c_proj.lora_B.weight");
            assertThat(file.info("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").shape()).containsExactly(2, 16);
            assertThat(file.info("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape()).containsExactly(3 * 16, 2);
        }
        JsonNode config = new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
        assertThat(config.get("fan_in_fan_out").asBoolean()).isTrue();
        assertThat(config.get("target_modules").toString()).contains("c_attn");
        Object[] merged = CliRun.run("adapter", "merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                dir.resolve("gpt2-merged").toString());
        assertThat((int) merged[0]).as("stderr: %s", merged[2]).isZero();
        assertThat(HfConfig.read(dir.resolve("gpt2-merged")).modelType()).isEqualTo("gpt2");
        assertThat(CliRun.refused("finetune", "--model", model.toString(), "--data", text.toString(), "--out", dir.resolve("gpt2-pissa").toString(),
                "--init", "pissa", "--steps", "2", "--batch", "2", "--context", "16", "--held-out", "0.2"))
                .contains("transformer.h.0.attn.c_attn fuses 3 projections");
    }

    @Test
    void compareRunsTheHarnessOnAGpt2Folder(@TempDir Path dir) throws Exception {
        Path model = tinyGpt2(dir.resolve("gpt2"));
        Path data = Files.createDirectories(dir.resolve("data")); // the results folder may not lie inside it
        Files.writeString(data.resolve("1900_a_r.txt"), TEXT.repeat(3));
        Files.writeString(data.resolve("1990_b_d.txt"), TEXT.repeat(3));
        Path out = dir.resolve("cmp");
        Object[] r = CliRun.run("compare", "--model", model.toString(), "--methods", "svd,whitened", "--ratios", "0.2", "--data", data.toString(),
                "--calib-from", "1900", "--calib-to", "1900", "--eval-from", "1990", "--eval-to", "1990", "--calib-windows", "2", "--no-stats-cache",
                "--out", out.toString());
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat((String) r[1]).contains("dense (reference)", "whitened");
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(results.toString()).contains("\"model_type\":\"gpt2\"");
        assertThat(results.path("runs")).hasSize(2);
        java.util.List<JsonNode> scored = new java.util.ArrayList<>();
        results.path("runs").forEach(scored::add);
        scored.add(results.path("reference"));
        for (JsonNode run : scored) {
            assertThat(run.path("eval").path("perplexity").asDouble()).as(run.toString()).isPositive();
            assertThat(run.path("eval").path("mnn_per_token").asDouble()).as(run.toString()).isPositive();
        }
    }

    /** `perplexity` on the folder prints what the runtime's own evaluation of {@code loaded} gives on TEXT's bytes (32-token windows). */
    private static void perplexityIsTheRuntimes(Path folder, Gpt2Model loaded, Path text, Path json) throws Exception {
        Object[] ppl = CliRun.run("perplexity", "--model", folder.toString(), "--text", text.toString(), "--json", json.toString());
        assertThat((int) ppl[0]).as("stderr: %s", ppl[2]).isZero();
        int[] ids = new ByteTokenizer().encode(TEXT);
        double direct = Perplexity.evaluate(loaded, ids, 32, TEXT.getBytes(StandardCharsets.UTF_8).length).perplexity();
        assertThat(new ObjectMapper().readTree(json.toFile()).get("perplexity").asDouble())
                .isCloseTo(direct, org.assertj.core.data.Offset.offset(1e-9 * direct));
    }
}
