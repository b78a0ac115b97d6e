package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.export.DecoderExport;
import org.lowrank4j.export.OnnxLanguageModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.generate.Tokenizer;

/**
 * A folder written by lowrank export is served from ONNX Runtime, with the text its source folder gives, to a raw HTTP
 * client and to langchain4j's OpenAiChatModel.
 */
class ExportedServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String chat(ModelServer server, String name) {
        return OpenAiChatModel.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("x").modelName(name).temperature(0.0)
                .maxTokens(30).build().chat("Fellow citizens");
    }

    @Test
    void anExportedFolderServesWhatItsSourceGenerates(@TempDir Path dir) throws Exception {
        Path source = TestModels.tinyDecoder(dir.resolve("dense"), 64);
        Path exported = dir.resolve("onnx");
        DecoderExport.run(new DecoderExport.Request(source, exported, false, 16, 4, 1), s -> { });
        CausalLanguageModel model = DecoderFolder.loadDecoder(exported);
        assertThat(model).isInstanceOf(OnnxLanguageModel.class);
        CausalLanguageModel original = DecoderFolder.loadDecoder(source);
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(exported, model.vocabSize());
        String prompt = "We the people of the United States";
        int[] expected = Generator.generate(original, tokenizer.encode(prompt), GenerationOptions.greedy(20), new Random(1)).tokens();

        ModelServer server = ModelServer.start(exported, ServeOptions.defaults().withPort(0));
        String fromExport;
        try {
            String request = "{\"prompt\":\"" + prompt + "\",\"max_tokens\":20,\"temperature\":0}";
            JsonNode whole = JSON.readTree(Http.post(server.port(), "/v1/completions", request).body());
            assertThat(whole.at("/usage/completion_tokens").asInt()).isEqualTo(20);
            assertThat(whole.at("/choices/0/text").asText()).isEqualTo(tokenizer.decode(expected));
            fromExport = chat(server, "onnx");
        } finally {
            server.stop();
        }
        // langchain4j's chat client gets the same answer from the export as from its source
        ModelServer sourceServer = ModelServer.start(source, ServeOptions.defaults().withPort(0));
        try {
            assertThat(fromExport).isNotEmpty().isEqualTo(chat(sourceServer, "dense"));
        } finally {
            sourceServer.stop();
        }
        // its weights live in ONNX Runtime: a LoRA adapter cannot be attached over them, and says so in one line
        assertThatThrownBy(() -> ModelServer.start(exported, ServeOptions.defaults().withPort(0).withAdapters(Map.of("a", dir.resolve("adapter")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no linear layers of its own")
                .hasMessageContaining("lowrank export --adapter");
    }
}
