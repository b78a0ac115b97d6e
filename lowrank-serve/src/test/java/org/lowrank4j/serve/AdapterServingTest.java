package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.lowrank4j.serve.CompletionsServerTest.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * One decoder served with two LoRA adapters over it: a request's model field picks the base or an adapter, and each answers
 * exactly what that adapter alone over the base generates in-process; langchain4j's chat client reaches an adapter by name.
 */
class AdapterServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "We the people";
    @TempDir
    static Path dir;
    private static Path base;
    private static final Map<String, Path> ADAPTERS = new LinkedHashMap<>();
    private static ModelServer server;

    /** A PEFT folder for {@code decoderFolder} with random A and B (a freshly trained B would be zero). */
    static Path adapter(Path decoderFolder, Path out, List<String> targets, long seed) throws IOException {
        LoraModel lora = LoraModel.over(ModulePaths.decoder(DecoderFolder.loadDecoder(decoderFolder)), 0);
        lora.addAdapter("default", TargetModules.names(targets), m -> LoraSettings.of(4, 8), new Random(seed));
        Random random = new Random(seed + 1);
        for (Parameter p : lora.parameters()) {
            Tensor t = p.value();
            for (int i = 0; i < t.size(); i++) {
                t.set(i, random.nextGaussian() * 0.5);
            }
        }
        PeftFolder.write(out, PeftFolder.capture(lora, "default", PeftConfig.lora(LoraSettings.of(4, 8), targets, "tiny-decoder", "CAUSAL_LM")));
        return out;
    }

    @BeforeAll
    static void start() throws Exception {
        base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 256);
        ADAPTERS.put("attention", adapter(base, dir.resolve("attention"), List.of("q_proj", "k_proj", "v_proj", "o_proj"), 1));
        ADAPTERS.put("mlp", adapter(base, dir.resolve("mlp"), List.of("gate_proj", "down_proj"), 2));
        server = ModelServer.start(base, ServeOptions.defaults().withPort(0).withAdapters(ADAPTERS));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /** What the decoder folder, with this adapter alone (or none), generates greedily in-process. */
    private static String inProcess(String adapter, int tokens) throws IOException {
        return inProcess(adapter, PROMPT, tokens);
    }

    private static String inProcess(String adapter, String prompt, int tokens) throws IOException {
        CausalLanguageModel decoder = DecoderFolder.loadDecoder(base);
        try (PinnedWeights pinned = PinnedWeights.of(decoder)) {
            if (adapter != null) {
                PeftFolder.apply(PeftFolder.read(ADAPTERS.get(adapter)), LoraModel.over(ModulePaths.decoder(decoder), 0), "default",
                        org.lowrank4j.nn.tensor.Precision.FLOAT32);
            }
            return Generator.generateText(decoder, DecoderFolder.loadTokenizer(base, decoder.vocabSize()), prompt, GenerationOptions.greedy(tokens),
                    new Random(0));
        }
    }

    private static JsonNode complete(String model) throws Exception {
        String field = model == null ? "" : "\"model\":\"" + model + "\",";
        java.net.http.HttpResponse<String> response = Http.post(server.port(), "/v1/completions",
                "{" + field + "\"prompt\":\"" + PROMPT + "\",\"max_tokens\":24,\"temperature\":0}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void eachModelNameAnswersWhatItsAdapterAloneGenerates() throws Exception {
        List<String> texts = new ArrayList<>();
        for (String model : List.of("tiny-decoder", "attention", "mlp")) {
            JsonNode answer = complete(model);
            assertThat(answer.at("/model").asText()).isEqualTo(model);
            String text = answer.at("/choices/0/text").asText();
            assertThat(text).as(model).isEqualTo(inProcess(model.equals("tiny-decoder") ? null : model, 24));
            texts.add(text);
        }
        assertThat(texts).doesNotHaveDuplicates(); // the adapters change what is generated, so the comparisons tell them apart
        assertThat(complete(null).at("/choices/0/text").asText()).isEqualTo(texts.get(0)); // no model field: the base
        assertThat(complete("attention").at("/choices/0/text").asText()).isEqualTo(texts.get(1)); // after the others ran
        assertThat(server.metrics().completions("attention")).isGreaterThanOrEqualTo(2); // this test asked for it twice
        assertThat(Http.get(server.port(), "/metrics").body()).contains("lowrank_completions_total{model=\"attention\"}");
    }

    @Test
    void langchainReachesAnAdapterByName() throws Exception {
        String viaLangchain = OpenAiChatModel.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("x").modelName("mlp")
                .temperature(0.0).maxTokens(20).build().chat("Fellow citizens");
        JsonNode raw = JSON.readTree(Http.post(server.port(), "/v1/chat/completions",
                "{\"model\":\"mlp\",\"messages\":[{\"role\":\"user\",\"content\":\"Fellow citizens\"}],\"max_tokens\":20,\"temperature\":0}").body());
        assertThat(viaLangchain).isEqualTo(raw.at("/choices/0/message/content").asText()).isNotEmpty()
                .isEqualTo(inProcess("mlp", "user: Fellow citizens\nassistant:", 20)) // the chat transcript ChatPrompt makes
                .isNotEqualTo(inProcess(null, "user: Fellow citizens\nassistant:", 20));
        assertThat(raw.at("/model").asText()).isEqualTo("mlp");

        // streamed, through langchain4j's streaming client: the same text as whole
        java.util.List<String> pieces = new java.util.ArrayList<>();
        java.util.concurrent.CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> done = new java.util.concurrent.CompletableFuture<>();
        dev.langchain4j.model.openai.OpenAiStreamingChatModel.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("x")
                .modelName("mlp").temperature(0.0).maxTokens(20).build()
                .chat("Fellow citizens", new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        pieces.add(partial);
                    }

                    @Override
                    public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        assertThat(done.get(30, java.util.concurrent.TimeUnit.SECONDS).aiMessage().text()).isEqualTo(viaLangchain);
        assertThat(String.join("", pieces)).isEqualTo(viaLangchain);
    }

    @Test
    void modelsListsTheBaseAndItsAdapters() throws Exception {
        JsonNode data = JSON.readTree(Http.get(server.port(), "/v1/models").body()).get("data");
        assertThat(data).hasSize(3);
        assertThat(data.get(0).get("id").asText()).isEqualTo("tiny-decoder");
        assertThat(data.get(0).has("parent")).isFalse();
        assertThat(data.get(1).get("id").asText()).isEqualTo("attention");
        assertThat(data.get(2).get("id").asText()).isEqualTo("mlp");
        assertThat(data.get(2).get("parent").asText()).isEqualTo("tiny-decoder");
        assertError(Http.post(server.port(), "/v1/completions", "{\"model\":\"other\",\"prompt\":\"x\"}"), 404, "model_not_found");
        assertThat(Http.post(server.port(), "/v1/completions", "{\"model\":\"other\",\"prompt\":\"x\"}").body())
                .contains("'tiny-decoder', 'attention', 'mlp'");
    }

    @Test
    void adaptersLoadAndUnloadWhileTheServerRunsWhenAllowed() throws Exception {
        assertError(Http.post(server.port(), "/v1/load_lora_adapter", "{\"lora_name\":\"x\",\"lora_path\":\"" + ADAPTERS.get("mlp") + "\"}"), 404,
                "adapter_loading_disabled");
        try (ModelServer loading = ModelServer.start(base, ServeOptions.defaults().withPort(0).withAdapterLoading(true))) {
            int port = loading.port();
            String load = "{\"lora_name\":\"late\",\"lora_path\":\"" + ADAPTERS.get("attention") + "\"}";
            JsonNode loaded = JSON.readTree(Http.post(port, "/v1/load_lora_adapter", load).body());
            assertThat(loaded.get("status").asText()).isEqualTo("loaded");
            assertThat(JSON.readTree(Http.get(port, "/v1/models").body()).at("/data/1/id").asText()).isEqualTo("late");
            String request = "{\"model\":\"late\",\"prompt\":\"" + PROMPT + "\",\"max_tokens\":24,\"temperature\":0}";
            assertThat(JSON.readTree(Http.post(port, "/v1/completions", request).body()).at("/choices/0/text").asText())
                    .isEqualTo(inProcess("attention", 24));
            assertError(Http.post(port, "/v1/load_lora_adapter", load), 400, "invalid_adapter"); // the name is taken
            assertError(Http.post(port, "/v1/load_lora_adapter", "{\"lora_name\":\"gone\",\"lora_path\":\"" + dir.resolve("nothing") + "\"}"),
                    400, "invalid_adapter");
            assertError(Http.post(port, "/v1/load_lora_adapter", "{\"lora_name\":\"tiny-decoder\",\"lora_path\":\"" + ADAPTERS.get("mlp") + "\"}"),
                    400, "invalid_value");
            assertError(Http.post(port, "/v1/load_lora_adapter", "{\"lora_name\":\"y\"}"), 400, "missing_lora_path");
            // a path the file system cannot hold: it said only "Nul character not allowed"
            HttpResponse<String> badPath = Http.post(port, "/v1/load_lora_adapter", "{\"lora_name\":\"y\",\"lora_path\":\"a\\u0000b\"}");
            assertError(badPath, 400, "invalid_value");
            assertThat(JSON.readTree(badPath.body()).at("/error/message").asText()).startsWith("'lora_path' is not a path on this machine");
            assertThat(JSON.readTree(Http.post(port, "/v1/unload_lora_adapter", "{\"lora_name\":\"late\"}").body()).get("status").asText())
                    .isEqualTo("unloaded");
            assertError(Http.post(port, "/v1/completions", request), 404, "model_not_found");
            assertError(Http.post(port, "/v1/unload_lora_adapter", "{\"lora_name\":\"late\"}"), 404, "model_not_found");
            assertThat(JSON.readTree(Http.get(port, "/v1/models").body()).get("data")).hasSize(1);
            assertThat(JSON.readTree(Http.post(port, "/v1/completions", request.replace("\"late\"", "\"tiny-decoder\"")).body())
                    .at("/choices/0/text").asText()).isEqualTo(inProcess(null, 24)); // the base as it was
        }
    }

    @Test
    void adaptersThatCannotBeServedAreRefusedAtStart() throws Exception {
        Path wider = dir.resolve("wider");
        org.lowrank4j.formats.hf.HfConfig config = org.lowrank4j.formats.hf.HfConfig.builder(org.lowrank4j.formats.hf.HfArchitecture.LLAMA)
                .hiddenSize(48).intermediateSize(48).numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(256)
                .maxPositionEmbeddings(64).tieWordEmbeddings(true).build();
        org.lowrank4j.nn.arch.llama.LlamaModel other = org.lowrank4j.nn.arch.llama.LlamaModel.create(config, org.lowrank4j.nn.tensor.Precision.FLOAT32);
        other.initialize(new Random(3));
        other.save(wider);
        org.lowrank4j.nn.generate.ByteTokenizer.writeJson(wider);
        Throwable t = catchThrowable(() -> ModelServer.start(wider, ServeOptions.defaults().withPort(0).withAdapters(Map.of("a", ADAPTERS.get("mlp")))));
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.getMessage()).startsWith("adapter 'a' (").contains("down_proj.lora_B.weight has shape [32, 4]").contains("another base model").doesNotContain("\n");

        t = catchThrowable(() -> ModelServer.start(base, ServeOptions.defaults().withPort(0).withAdapters(Map.of("tiny-decoder", ADAPTERS.get("mlp")))));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the base model's name");

        t = catchThrowable(() -> ModelServer.start(TestModels.miniLmFolder(), ServeOptions.defaults().withPort(0).withAdapters(Map.of("a", ADAPTERS.get("mlp")))));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is an ONNX encoder").hasMessageContaining("lowrank adapter merge");
    }

}
