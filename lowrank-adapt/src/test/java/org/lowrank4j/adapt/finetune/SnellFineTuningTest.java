package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.nn.tensor.Precision;

/** SNELL and SNELLA on the fine-tuning harness with a tiny decoder: they learn, and the folder scores the same as the run. */
class SnellFineTuningTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world. It is a way I have of driving off the spleen and regulating the circulation.
            """.repeat(6);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"snell:rank=4:sparsity=0.5", "snella:rank=4:target-sparsity=0.5"})
    void eachLearnsTheTextAndItsFolderScoresTheSame(String adapter, @TempDir Path dir) throws IOException {
        Path base = dir.resolve("base"), out = dir.resolve("adapter");
        TinyModels.llama(Precision.FLOAT32, 3).save(base);
        FineTuneRequest request = new FineTuneRequest(base, TEXT, "text", out, LoraSettings.of(4, 8), List.of("q_proj", "v_proj", "o_proj"), 12, 4,
                16, 1e-1, 1, 0, 0.2, 0, 7, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.LORA, adapter);
        FineTuneOutcome outcome = FineTuning.run(request, FineTuneListener.NONE);
        System.out.printf("tiny %s: held-out perplexity %.3f -> %.3f; %s%n", adapter, outcome.before().perplexity(), outcome.after().perplexity(),
                outcome.notes().subList(0, Math.min(4, outcome.notes().size())));
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(base, out, tokens).perplexity()).as("the folder, loaded again")
                .isCloseTo(outcome.after().perplexity(), Offset.offset(1e-6));
        JsonNode record = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile());
        assertThat(record.path("bytes_on_disk").asLong()).isEqualTo(VariantFolder.bytesOnDisk(out));
        assertThat(record.path("report").get(0).asText()).contains("storage: ΔW keeps").contains("bytes for the kept entries");
        long kept = 0;
        for (JsonNode k : record.path("adapter_config").path("kept")) {
            kept += k.asLong();
        }
        assertThat(kept).isEqualTo(2 * (128 + 64 + 128)); // half of q, o (16x16) and v (8x16) in 2 blocks: sparsity 0.5 (the target)
        if (adapter.startsWith("snella")) {
            assertThat(record.path("report").get(1).asText()).startsWith("SNELLA budgets chosen");
            assertThat(record.path("adapter_config").path("allocations").asInt()).isEqualTo(11);
        }
    }
}
