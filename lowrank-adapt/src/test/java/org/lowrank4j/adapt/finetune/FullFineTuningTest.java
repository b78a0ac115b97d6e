package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.tensor.Precision;

/** {@code --adapter full}: every weight trains on the adapters' split and schedule, a decoder folder comes out, resume is exact. */
class FullFineTuningTest {
    private static final String TEXT = """
            It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness,
            it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of
            Darkness, it was the spring of hope, it was the winter of despair.
            """.repeat(6);

    private static FineTuneRequest request(Path model, Path out, String adapter, int steps, boolean resume, Integer stopAfter) {
        return new FineTuneRequest(model, TEXT, "text", out, new LoraSettings(4, 8, 0, false), List.of("q_proj", "v_proj", "o_proj"),
                steps, 4, 16, 1e-2, 1, 0, 0.2, 0, 7, 2, resume, stopAfter, AdapterInit.LORA, adapter);
    }

    private static Path base(Path dir) throws IOException {
        Path folder = dir.resolve("base");
        TinyModels.llama(Precision.FLOAT32, 3).save(folder);
        return folder;
    }

    @Test
    void trainsEveryWeightAndWritesADecoderFolderWithItsMemory(@TempDir Path dir) throws IOException {
        Path base = base(dir), out = dir.resolve("full");
        FineTuneOutcome outcome = FineTuning.run(request(base, out, "full", 10, false, null), FineTuneListener.NONE);
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        LlamaModel original = LlamaModel.load(base, Precision.FLOAT32), tuned = LlamaModel.load(out, Precision.FLOAT32);
        assertThat(outcome.trainable()).isEqualTo(original.parameterCount());
        // the folder is the tuned model: it scores what the run scored
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(Perplexity.evaluate(tuned, tokens, tuned.maxPositions(), tokens.length).perplexity())
                .isCloseTo(outcome.after().perplexity(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Files.isRegularFile(out.resolve("tokenizer.json"))).isTrue();

        JsonNode record = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile());
        assertThat(record.path("method").asText()).isEqualTo("full");
        long valueBytes = 4L * original.parameterCount();
        JsonNode memory = record.path("memory_bytes");
        assertThat(memory.path("trainable_values").asLong()).isEqualTo(valueBytes);
        assertThat(memory.path("optimizer_state").asLong()).isEqualTo(2 * valueBytes); // AdamW's two float32 moments
        assertThat(memory.path("gradients_allocated").asLong()).isEqualTo(valueBytes);

        // a LoRA run of the same text: nothing frozen allocates a gradient (linears, embeddings, norms), only A and B do
        Path lora = dir.resolve("lora");
        FineTuning.run(request(base, lora, null, 2, false, null), FineTuneListener.NONE);
        JsonNode loraMemory = new ObjectMapper().readTree(lora.resolve(FineTuning.RECORD).toFile()).path("memory_bytes");
        long adapterBytes = loraMemory.path("trainable_values").asLong();
        assertThat(adapterBytes).isPositive().isLessThan(valueBytes / 4);
        assertThat(loraMemory.path("gradients_allocated").asLong()).isEqualTo(adapterBytes);
    }

    @Test
    void resumesBitForBit(@TempDir Path dir) throws IOException {
        Path base = base(dir), straight = dir.resolve("straight"), split = dir.resolve("split");
        FineTuning.run(request(base, straight, "full", 4, false, null), FineTuneListener.NONE);
        FineTuning.run(request(base, split, "full", 4, false, 2), FineTuneListener.NONE);
        FineTuning.run(request(base, split, "full", 4, true, null), FineTuneListener.NONE);
        assertThat(Files.readAllBytes(split.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));
        assertThat(withoutSpeed(split.resolve(FineTuning.LOG))).isEqualTo(withoutSpeed(straight.resolve(FineTuning.LOG))).hasSize(5);
    }

    /** The log's rows without their last column (tokens per second, which differs between runs). */
    private static List<String> withoutSpeed(Path log) throws IOException {
        return Files.readAllLines(log).stream().map(line -> line.substring(0, line.lastIndexOf(','))).toList();
    }

    @Test
    void refusesAdapterInitialisations(@TempDir Path dir) throws IOException {
        FineTuneRequest pissa = new FineTuneRequest(base(dir), TEXT, "text", dir.resolve("x"), new LoraSettings(4, 8, 0, false), List.of("q_proj"),
                2, 4, 16, 1e-2, 1, 0, 0.2, 0, 7, 0, false, null, AdapterInit.PISSA, "full");
        assertThatThrownBy(() -> FineTuning.run(pissa, FineTuneListener.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--adapter full").hasMessageContaining("--init");
    }
}
