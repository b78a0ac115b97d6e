package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.weight.ButterflyWeight;

/** Projections replaced by butterflies (or equal-size SVDs), fitted, trained with the rest frozen, and measured three times. */
class ButterflyFineTuningTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing
            particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.
            """.repeat(6);

    private static FineTuneRequest request(Path model, Path out, String adapter, int steps) {
        return new FineTuneRequest(model, TEXT, "text", out, LoraSettings.of(4, 8), List.of("q_proj"), steps, 4, 16, 1e-2, 1, 0, 0.2, 0, 7,
                0, false, null, AdapterInit.LORA, adapter);
    }

    @Test
    void butterfliesReplaceTheNamedProjectionsAndOnlyTheyTrain(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("base");
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 3);
        base.save(folder);
        ByteTokenizer.writeJson(folder);
        Linear output = base.linearSites().get("block 0 attention.output");
        long perSite = ButterflyWeight.twiddleCount(output.outFeatures(), output.inFeatures(), 2);
        int layers = (int) base.linearSites().keySet().stream().filter(k -> k.endsWith("attention.output")).count();

        Path out = dir.resolve("butterfly");
        FineTuneOutcome o = FineTuning.run(request(folder, out, "butterfly:sites=output:blocks=2:fit-steps=200", 10), FineTuneListener.NONE);
        assertThat(o.trainable()).isEqualTo(layers * perSite);
        assertThat(o.after().perplexity()).isLessThan(o.before().perplexity()); // training moves the replaced model
        JsonNode record = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile());
        assertThat(record.path("sites")).hasSize(layers);
        assertThat(record.path("perplexity_replaced").asDouble()).isEqualTo(o.before().perplexity());
        assertThat(record.path("perplexity_dense").asDouble()).isPositive().isNotEqualTo(o.before().perplexity());
        assertThat(record.path("sites").get(0).path("fit_relative_error").asDouble()).isBetween(0.0, 1.0);
        try (SafetensorsFile st = SafetensorsFile.open(out.resolve(ButterflyFineTuning.WEIGHTS))) {
            assertThat(st.names()).hasSize(layers).allMatch(n -> n.endsWith(".twiddles"));
        }
        assertThat(o.notes()).singleElement().asString().contains("dense model: held-out perplexity");

        // the control at equal size: a truncated SVD of each weight at the rank whose factors hold as many values
        Path svd = dir.resolve("low-rank");
        FineTuneOutcome c = FineTuning.run(request(folder, svd, "butterfly:sites=output:blocks=2:form=low-rank", 10), FineTuneListener.NONE);
        int rank = (int) Math.round(perSite / (double) (output.outFeatures() + output.inFeatures()));
        assertThat(c.trainable()).isEqualTo((long) layers * rank * (output.outFeatures() + output.inFeatures()));
        assertThat(new ObjectMapper().readTree(svd.resolve(FineTuning.RECORD).toFile()).path("sites").get(0).path("rank").asInt()).isEqualTo(rank);
    }

    @Test
    void badOptionsAreOneLine(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("base");
        TinyModels.llama(Precision.FLOAT32, 3).save(folder);
        ByteTokenizer.writeJson(folder);
        assertThatThrownBy(() -> FineTuning.run(request(folder, dir.resolve("a"), "butterfly:sites=attn", 2), FineTuneListener.NONE))
                .hasMessageContaining("sites=attn is not a projection");
        assertThatThrownBy(() -> FineTuning.run(request(folder, dir.resolve("b"), "butterfly:form=dense", 2), FineTuneListener.NONE))
                .hasMessageContaining("form");
        assertThatThrownBy(() -> FineTuning.run(request(folder, dir.resolve("c"), "butterfly:blocks=0", 2), FineTuneListener.NONE))
                .hasMessageContaining("blocks");
        assertThatThrownBy(() -> FineTuning.run(request(folder, dir.resolve("d"), "butterfly:stride=2", 2), FineTuneListener.NONE))
                .hasMessageContaining("stride");
    }
}
