package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.cskv.CskvCompression;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.cskv.CskvModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.generate.Tokenizer;

/** A CSKV folder (shrunk key/value caches) served for completions decodes through its bi-branch cache, as generate does. */
class CskvServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aCskvFolderServesWhatItsOwnCacheDecodes(@TempDir Path dir) throws Exception {
        Path dense = TestModels.tinyDecoder(dir.resolve("dense"), 64);
        Path cskv = dir.resolve("cskv");
        CskvCompression.run(new CskvCompression.Request(dense, cskv, 0.25, 0.5, 4, "svd", null, null, null, null, false), Listener.NONE);
        CausalLanguageModel model = DecoderFolder.loadDecoder(cskv);
        assertThat(model).isInstanceOf(CskvModel.class);
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(cskv, model.vocabSize());
        String prompt = "We the people of the United States";
        int[] ids = tokenizer.encode(prompt);
        int[] expected = Generator.generate(model, ids, GenerationOptions.greedy(20), new Random(1)).tokens();

        ModelServer server = ModelServer.start(cskv, ServeOptions.defaults().withPort(0));
        try {
            String request = "{\"model\":\"cskv\",\"prompt\":\"" + prompt + "\",\"max_tokens\":20,\"temperature\":0}";
            JsonNode whole = JSON.readTree(Http.post(server.port(), "/v1/completions", request).body());
            assertThat(whole.at("/usage/completion_tokens").asInt()).isEqualTo(20);
            assertThat(whole.at("/choices/0/text").asText()).isEqualTo(tokenizer.decode(expected));
        } finally {
            server.stop();
        }
    }
}
