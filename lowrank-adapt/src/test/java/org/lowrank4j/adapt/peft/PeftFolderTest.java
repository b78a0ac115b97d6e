package org.lowrank4j.adapt.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.Refusals.oneLine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** PEFT adapter folders: a hand-built fixture in PEFT's layout loads and runs; round trips are exact; bad input is one line. */
class PeftFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] IDS = {84, 104, 101, 32, 85, 110, 105, 111, 110};

    /**
     * adapter_config.json as PEFT 0.13 writes it for a LLaMA causal-LM adapter (field set and order from its
     * LoraConfig dataclass), including fields this code does not read.
     */
    private static final String PEFT_CONFIG = """
            {
              "alpha_pattern": {},
              "auto_mapping": null,
              "base_model_name_or_path": "tiny-llama",
              "bias": "none",
              "fan_in_fan_out": false,
              "inference_mode": true,
              "init_lora_weights": true,
              "layer_replication": null,
              "layers_pattern": null,
              "layers_to_transform": null,
              "loftq_config": {},
              "lora_alpha": 16,
              "lora_dropout": 0.05,
              "megatron_config": null,
              "megatron_core": "megatron.core",
              "modules_to_save": null,
              "peft_type": "LORA",
              "r": 4,
              "rank_pattern": {"layers\\\\.1\\\\.self_attn\\\\.v_proj": 2},
              "revision": null,
              "target_modules": ["v_proj", "q_proj"],
              "task_type": "CAUSAL_LM",
              "use_dora": false,
              "use_rslora": false
            }
            """;

    /** Writes a safetensors file byte by byte from the documented layout: u64 header length, JSON header, F32 data. */
    private static void writeSafetensorsByHand(Path file, Map<String, float[]> tensors, Map<String, int[]> shapes) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            int[] s = shapes.get(e.getKey());
            long end = offset + 4L * e.getValue().length;
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(s[0]).append(',').append(s[1])
                    .append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        header.append('}');
        while ((header.length() % 8) != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] values : tensors.values()) {
            for (float v : values) {
                data.putFloat(v);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.write(json);
        out.write(data.array());
        Files.write(file, out.toByteArray());
    }

    private static float[] random(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.2 * random.nextGaussian());
        }
        return v;
    }

    /** The fixture folder for {@link TinyModels#llama}: q_proj r=4 and v_proj r=4 (layer 1's v_proj r=2 by rank_pattern). */
    private static Path fixture(Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("peft-fixture"));
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Random random = new Random(11);
        for (int layer = 0; layer < 2; layer++) {
            for (String proj : List.of("q_proj", "v_proj")) {
                int out = proj.equals("q_proj") ? 16 : 8; // 4 heads × 4, 2 kv heads × 4
                int r = layer == 1 && proj.equals("v_proj") ? 2 : 4;
                String module = "base_model.model.model.layers." + layer + ".self_attn." + proj;
                tensors.put(module + ".lora_A.weight", random(random, r * 16));
                shapes.put(module + ".lora_A.weight", new int[] {r, 16});
                tensors.put(module + ".lora_B.weight", random(random, out * r));
                shapes.put(module + ".lora_B.weight", new int[] {out, r});
            }
        }
        writeSafetensorsByHand(folder.resolve("adapter_model.safetensors"), tensors, shapes);
        return folder;
    }

    @Test
    void aFolderLaidOutAsPeftWritesOneLoadsAndRuns(@TempDir Path dir) throws IOException {
        Path folder = fixture(dir);
        PeftAdapter adapter = PeftFolder.read(folder);
        assertThat(adapter.config().rank()).isEqualTo(4);
        assertThat(adapter.config().settingsFor("model.layers.1.self_attn.v_proj").rank()).isEqualTo(2);
        assertThat(adapter.modules()).hasSize(4);

        LlamaModel model = TinyModels.llama(Precision.FLOAT32, 1);
        Map<String, Linear> linears = ModulePaths.decoder(model);
        // the expected model: every adapted weight replaced by W + (α/r)·B·A, computed here from the file's floats
        LlamaModel expected = TinyModels.llama(Precision.FLOAT32, 1);
        Map<String, Linear> expectedLinears = ModulePaths.decoder(expected);
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            Tensor w = expectedLinears.get(e.getKey()).weight().toDense();
            Tensor b = Tensor.of(Precision.FLOAT32, toDouble(f.b()), f.out(), f.rank());
            Tensor a = Tensor.of(Precision.FLOAT32, toDouble(f.a()), f.rank(), f.in());
            MatMul.gemm(16.0 / f.rank(), b.matrix(), a.matrix(), 1, w.matrix());
            expectedLinears.get(e.getKey()).setWeight(new org.lowrank4j.nn.weight.DenseWeight(new Parameter(e.getKey() + ".weight", w)));
        }
        LoraModel lora = LoraModel.over(linears, 0);
        PeftFolder.apply(adapter, lora, "default", Precision.FLOAT32);
        assertThat(lora.adaptedLayers()).hasSize(4);
        assertThat(lora.adaptedLayers().get("model.layers.1.self_attn.v_proj").adapter("default").scale()).isEqualTo(8.0);
        double diff = maxDifference(model.forward(IDS, 1, IDS.length), expected.forward(IDS, 1, IDS.length));
        System.out.printf("PEFT fixture: adapted vs dense-merged logits max |difference| %.2e%n", diff);
        assertThat(diff).isLessThan(1e-5);
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void roundTripIsExactAndKeepsUnknownFields(@TempDir Path dir) throws IOException {
        PeftAdapter original = PeftFolder.read(fixture(dir));
        Path copy = dir.resolve("copy");
        PeftFolder.write(copy, original);
        PeftAdapter back = PeftFolder.read(copy);
        assertThat(back.modules().keySet()).containsExactlyElementsOf(original.modules().keySet());
        for (String module : original.modules().keySet()) {
            assertThat(back.modules().get(module).a()).containsExactly(original.modules().get(module).a());
            assertThat(back.modules().get(module).b()).containsExactly(original.modules().get(module).b());
        }
        JsonNode written = JSON.readTree(copy.resolve("adapter_config.json").toFile());
        assertThat(written).isEqualTo(JSON.readTree(PEFT_CONFIG));
        try (SafetensorsFile st = SafetensorsFile.open(copy.resolve("adapter_model.safetensors"))) {
            assertThat(st.metadata()).containsEntry("format", "pt");
            assertThat(st.names()).contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
            assertThat(st.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape()).containsExactly(4, 16);
            assertThat(st.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape()).containsExactly(16, 4);
        }
        assertThat(Files.readAllBytes(copy.resolve("adapter_model.safetensors")))
                .isEqualTo(rewrite(copy, dir.resolve("again")));
    }

    private static byte[] rewrite(Path folder, Path target) throws IOException {
        PeftFolder.write(target, PeftFolder.read(folder));
        return Files.readAllBytes(target.resolve("adapter_model.safetensors"));
    }

    @Test
    void aTrainedAdapterIsWrittenWithPeftNamesShapesAndFields(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(Precision.FLOAT32, 2);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(4, 8), new Random(3));
        PeftConfig config = PeftConfig.lora(LoraSettings.of(4, 8), List.of("q_proj", "v_proj"), "sotu-decoder", "CAUSAL_LM");
        PeftFolder.write(dir, PeftFolder.capture(lora, "default", config));
        JsonNode json = JSON.readTree(dir.resolve("adapter_config.json").toFile());
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).contains("peft_type", "r", "lora_alpha", "target_modules", "lora_dropout", "bias", "use_rslora", "fan_in_fan_out",
                "rank_pattern", "alpha_pattern", "task_type", "base_model_name_or_path");
        assertThat(json.get("lora_alpha").isIntegralNumber()).isTrue();
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
            assertThat(st.names()).hasSize(8).allSatisfy(n -> assertThat(n)
                    .matches("base_model\\.model\\.model\\.layers\\.[01]\\.self_attn\\.[qv]_proj\\.lora_[AB]\\.weight"));
        }
    }

    @Test
    void bertAdaptersUseHuggingFaceBertPaths() {
        BertModel bert = BertModel.zeros(new BertConfig(50, 16, 2, 2, 24, 12, 2, 1e-12, MlpActivation.GELU_ERF), Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.bert(bert), 0);
        List<String> paths = lora.addAdapter("default", TargetModules.names(List.of("query", "value")), m -> LoraSettings.of(2, 4),
                new Random(1));
        assertThat(paths).containsExactly("encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value",
                "encoder.layer.1.attention.self.query", "encoder.layer.1.attention.self.value");
        assertThat(PeftFolder.key(paths.get(0), "lora_A")).isEqualTo("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight");
    }

    // ---- bad input: one clear IllegalArgumentException line each

    @Test
    void anAdapterForAnotherBaseNamesTheTensor(@TempDir Path dir) throws IOException {
        PeftAdapter adapter = PeftFolder.read(fixture(dir));
        // a base of another width: hidden 24 instead of 16
        LlamaModel other = TinyModels.wider(Precision.FLOAT32);
        Throwable t = catchThrowable(() -> PeftFolder.apply(adapter, LoraModel.over(ModulePaths.decoder(other), 0), "default", Precision.FLOAT32));
        assertThat(oneLine(t)).contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape [4, 16]")
                .contains("another base model");
    }

    @Test
    void targetsThatMatchNothingAreRefused(@TempDir Path dir) throws IOException {
        Path folder = fixture(dir);
        // a config that names other modules than the weights adapt: refused as it is read
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("[\"v_proj\", \"q_proj\"]", "[\"query\", \"value\"]"));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("self_attn.q_proj.lora_A.weight adapts model.layers.0.self_attn.q_proj,"
                + " which target_modules [\"query\",\"value\"] in adapter_config.json does not select");
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"layers_to_transform\": null", "\"layers_to_transform\": [1]"));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("layers.0.self_attn").contains("with layers_to_transform [1]");

        // a BERT adapter (query, value of encoder.layer.N) on a LLaMA model: its targets match none of the model's layers
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (String proj : List.of("query", "value")) {
            String module = "base_model.model.encoder.layer.0.attention.self." + proj;
            tensors.put(module + ".lora_A.weight", random(new Random(5), 4 * 16));
            shapes.put(module + ".lora_A.weight", new int[] {4, 16});
            tensors.put(module + ".lora_B.weight", random(new Random(6), 16 * 4));
            shapes.put(module + ".lora_B.weight", new int[] {16, 4});
        }
        writeSafetensorsByHand(folder.resolve("adapter_model.safetensors"), tensors, shapes);
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("[\"v_proj\", \"q_proj\"]", "[\"query\", \"value\"]")
                .replaceAll("\"rank_pattern\": \\{[^}]*\\}", "\"rank_pattern\": {}"));
        PeftAdapter adapter = PeftFolder.read(folder);
        Throwable t = catchThrowable(() -> PeftFolder.apply(adapter, LoraModel.over(ModulePaths.decoder(TinyModels.llama(Precision.FLOAT32, 1)), 0),
                "default", Precision.FLOAT32));
        assertThat(oneLine(t)).contains("target modules [query, value] match none of the model's 14 linear layers");
    }

    @Test
    void aRankAboveTheLayerIsRefused(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("big"));
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"r\": 4", "\"r\": 10")
                .replace("{\"layers\\\\\\\\.1\\\\\\\\.self_attn\\\\\\\\.v_proj\": 2}", "{}"));
        Random random = new Random(1);
        String k = "base_model.model.model.layers.0.self_attn.v_proj";
        Map<String, float[]> tensors = new LinkedHashMap<>(Map.of(k + ".lora_A.weight", random(random, 160), k + ".lora_B.weight", random(random, 80)));
        writeSafetensorsByHand(folder.resolve("adapter_model.safetensors"), tensors,
                Map.of(k + ".lora_A.weight", new int[] {10, 16}, k + ".lora_B.weight", new int[] {8, 10}));
        PeftAdapter adapter = PeftFolder.read(folder);
        Throwable t = catchThrowable(() -> PeftFolder.apply(adapter, LoraModel.over(ModulePaths.decoder(TinyModels.llama(Precision.FLOAT32, 1)), 0),
                "default", Precision.FLOAT32));
        assertThat(oneLine(t)).contains("has rank 10, above min(in, out) = 8 of model.layers.0.self_attn.v_proj");
    }

    @Test
    void aCorruptFileIsOneLine(@TempDir Path dir) throws IOException {
        Path folder = fixture(dir);
        Path file = folder.resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("adapter_model.safetensors is not a valid safetensors file");
        Files.write(file, "not a safetensors file at all".getBytes(StandardCharsets.UTF_8));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("is not a valid safetensors file");
        Files.writeString(folder.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", ");
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("adapter_config.json is not valid JSON");
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"LORA\"", "\"IA3\""));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("only LORA adapters");
        // Python's json writes NaN: the field is named (it was Jackson's "enable JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS")
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"lora_alpha\": 16", "\"lora_alpha\": NaN"));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("lora_alpha must be a finite number, got NaN")
                .doesNotContain("JsonReadFeature");
        Files.writeString(folder.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"q_proj\": Infinity}"));
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("alpha_pattern[\"q_proj\"] must be a finite number, got Infinity");
    }

    @Test
    void anIntegerOrNonFiniteTensorIsOneLineNamingIt(@TempDir Path dir) throws IOException {
        Path folder = fixture(dir);
        Path file = folder.resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        // the same bytes labelled I32 (same element size): read as integers they would be weights of ~1e9
        String header = new String(bytes, 8, (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(), StandardCharsets.UTF_8);
        String first = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight\":{\"dtype\":\"F32\"";
        assertThat(header).contains(first);
        byte[] relabelled = bytes.clone();
        byte[] changed = header.replace(first, first.replace("F32", "I32")).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(changed, 0, relabelled, 8, changed.length);
        Files.write(file, relabelled);
        assertThat(oneLine(catchThrowable(() -> PeftFolder.read(folder)))).contains("tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight is I32")
                .contains("floating point");

        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        String module = "base_model.model.model.layers.0.self_attn.q_proj";
        float[] a = random(new Random(3), 4 * 16);
        a[5] = Float.NaN;
        tensors.put(module + ".lora_A.weight", a);
        shapes.put(module + ".lora_A.weight", new int[] {4, 16});
        tensors.put(module + ".lora_B.weight", random(new Random(4), 16 * 4));
        shapes.put(module + ".lora_B.weight", new int[] {16, 4});
        writeSafetensorsByHand(file, tensors, shapes);
        String message = oneLine(catchThrowable(() -> PeftFolder.read(folder)));
        assertThat(message).contains("tensor " + module + ".lora_A.weight holds NaN or infinite values; the adapter is damaged")
                .doesNotContain("model is damaged");
        assertThat(message.split(java.util.regex.Pattern.quote(file.toString()), -1)).hasSize(2); // the file named once
    }

    private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        return org.assertj.core.api.Assertions.catchThrowable(call);
    }
}
