package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
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

/** LoCA and S2-LoRA on the fine-tuning harness with a tiny decoder folder: each learns, and its folder scores the same. */
class LocaS2FineTuningTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world. It is a way I have of driving off the spleen and regulating the circulation.
            """.repeat(6);

    private static FineTuneRequest request(Path model, Path out, String adapter, double lr) {
        return new FineTuneRequest(model, TEXT, "text", out, LoraSettings.of(4, 8), List.of("q_proj", "v_proj", "o_proj"), 12, 4, 16, lr, 1, 0,
                0.2, 0, 7, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.LORA, adapter);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"loca:frequencies=40", "loca:frequencies=40:location-steps=12:cycle=3:cycle-coef=1:location-lr=5e-2", "s2lora",
        "s2lora:sparsity=l1:mu=1e-2:init=normal"})
    void eachLearnsTheTextAndItsFolderScoresTheSame(String adapter, @TempDir Path dir) throws IOException {
        Path base = dir.resolve("base");
        TinyModels.llama(Precision.FLOAT32, 3).save(base);
        Path out = dir.resolve("adapter");
        FineTuneOutcome outcome = FineTuning.run(request(base, out, adapter, 2e-2), FineTuneListener.NONE);
        System.out.printf("tiny %s: held-out perplexity %.3f -> %.3f; %s%n", adapter, outcome.before().perplexity(), outcome.after().perplexity(),
                outcome.notes().subList(0, Math.min(2, outcome.notes().size())));
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        assertThat(VariantFolder.variantOf(out).name()).isEqualTo(adapter.split(":")[0]);
        assertThat(Files.readString(out.resolve(FineTuning.RECORD))).contains("\"bytes_on_disk\"").contains("\"report\"");
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(base, out, tokens).perplexity()).as("the folder, loaded again").isCloseTo(outcome.after().perplexity(),
                Offset.offset(1e-6));
        if (adapter.startsWith("loca")) {
            String moved = outcome.notes().get(1); // "LoCA locations moved: M of N (training passes 12, ...)"
            assertThat(moved).contains("training passes 12");
            int m = Integer.parseInt(moved.replaceAll(".*moved: (\\d+) of.*", "$1"));
            if (adapter.contains("location-steps")) {
                assertThat(m).as("locations learned").isPositive();
            } else {
                assertThat(m).as("B_s = round(1.2) = 1: no location pass in 12 steps").isZero();
            }
        }
    }
}
