package org.lowrank4j.adapt.flora;

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
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.finetune.FineTuneOutcome;
import org.lowrank4j.adapt.finetune.FineTuneRequest;
import org.lowrank4j.adapt.finetune.FineTuning;
import org.lowrank4j.adapt.finetune.HeldOut;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.nn.tensor.Precision;

/** A tiny FLoRA fine-tune through the harness (heads and matrix views): it lowers held-out perplexity and its folder scores the same. */
class FloraFineTuningTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world. It is a way I have of driving off the spleen and regulating the circulation.
            """.repeat(6);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"flora:view=heads:ranks=2,4,4", "flora:view=matrix:rank=4"})
    void floraLearnsTheTextAndItsFolderScoresTheSame(String adapter, @TempDir Path dir) throws IOException {
        Path base = dir.resolve("base");
        TinyModels.llama(Precision.FLOAT32, 3).save(base);
        Path out = dir.resolve("adapter");
        FineTuneRequest request = new FineTuneRequest(base, TEXT, "text", out, LoraSettings.of(4, 8), List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                12, 4, 16, 2e-2, 1, 0, 0.2, 0, 7, 0, false, null, AdapterInit.LORA, adapter);
        FineTuneOutcome outcome = FineTuning.run(request, FineTuneListener.NONE);
        System.out.printf("tiny %s: held-out perplexity %.3f -> %.3f; %s%n", adapter, outcome.before().perplexity(), outcome.after().perplexity(),
                outcome.notes().subList(0, 2));
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        assertThat(VariantFolder.variantOf(out).name()).isEqualTo("flora");
        assertThat(Files.readString(out.resolve(FineTuning.RECORD))).contains("\"bytes_on_disk\"").contains("LOWRANK4J_FLORA");
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(base, out, tokens).perplexity()).as("the folder, loaded again").isCloseTo(outcome.after().perplexity(),
                Offset.offset(1e-6));
    }
}
