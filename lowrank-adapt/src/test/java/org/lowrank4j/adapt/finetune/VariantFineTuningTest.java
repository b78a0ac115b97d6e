package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.nn.tensor.Precision;

/** The fine-tuning harness with each adapter variant on a tiny decoder folder: it learns, writes its folder, and the folder scores the same. */
class VariantFineTuningTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world. It is a way I have of driving off the spleen and regulating the circulation.
            """.repeat(6);

    private static FineTuneRequest request(Path model, Path out, String adapter, double lr) {
        return new FineTuneRequest(model, TEXT, "text", out, LoraSettings.of(4, 8), List.of("q_proj", "v_proj", "o_proj"), 12, 4, 16, lr, 1, 0,
                0.2, 0, 7, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.LORA, adapter);
    }

    private static Path base(Path dir) throws IOException {
        Path folder = dir.resolve("base");
        TinyModels.llama(Precision.FLOAT32, 3).save(folder);
        return folder;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nola:basis=16", "sora:xi=1e-2:xi-max=0.2:stages=4:schedule=log"})
    void eachVariantLearnsTheTextAndItsFolderScoresTheSame(String adapter, @TempDir Path dir) throws IOException {
        Path out = dir.resolve("adapter");
        FineTuneOutcome outcome = FineTuning.run(request(base(dir), out, adapter, adapter.startsWith("nola") ? 2e-1 : 2e-2), FineTuneListener.NONE);
        System.out.printf("tiny %s: held-out perplexity %.3f -> %.3f; %s%n", adapter, outcome.before().perplexity(), outcome.after().perplexity(),
                outcome.notes().subList(0, Math.min(2, outcome.notes().size())));
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        assertThat(VariantFolder.variantOf(out).name()).isEqualTo(adapter.substring(0, 4));
        assertThat(Files.readAllLines(out.resolve(FineTuning.LOG))).hasSize(13);
        assertThat(Files.readString(out.resolve(FineTuning.RECORD))).contains("\"bytes_on_disk\"").contains("\"report\"");
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(dir.resolve("base"), out, tokens).perplexity()).as("the folder, loaded again")
                .isCloseTo(outcome.after().perplexity(), Offset.offset(1e-6));
    }

    @Test
    void soraPrunesRanksWithItsSparsifyingSchedule(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sora");
        FineTuneOutcome outcome = FineTuning.run(request(base(dir), out, "sora:xi=5e-2:xi-max=0.5:stages=4:schedule=log", 2e-2),
                FineTuneListener.NONE);
        String kept = outcome.notes().get(1); // "SoRA ranks kept: K of 24"
        int k = Integer.parseInt(kept.replaceAll(".*kept: (\\d+) of.*", "$1"));
        assertThat(k).isLessThan(24);
        assertThat(VariantFolder.read(out).storedValues()).isLessThan(outcome.trainable());
    }

    @Test
    void variantRunsRefuseResumeAndOtherInits(@TempDir Path dir) throws IOException {
        Path model = base(dir);
        FineTuneRequest resume = new FineTuneRequest(model, TEXT, "text", dir.resolve("x"), LoraSettings.of(4, 8), List.of("q_proj"), 2, 2, 16,
                1e-2, 1, 0, 0.2, 0, 7, 0, true, null, org.lowrank4j.adapt.lora.AdapterInit.LORA, "nola");
        assertThatThrownBy(() -> FineTuning.run(resume, null)).hasMessageContaining("--resume").hasMessageContaining("starts afresh");
        FineTuneRequest pissa = new FineTuneRequest(model, TEXT, "text", dir.resolve("x"), LoraSettings.of(4, 8), List.of("q_proj"), 2, 2, 16,
                1e-2, 1, 0, 0.2, 0, 7, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.PISSA, "sora");
        assertThatThrownBy(() -> FineTuning.run(pissa, null)).hasMessageContaining("--init pissa applies to LoRA adapters only");
        FineTuneRequest unknown = new FineTuneRequest(model, TEXT, "text", dir.resolve("x"), LoraSettings.of(4, 8), List.of("q_proj"), 2, 2, 16,
                1e-2, 1, 0, 0.2, 0, 7, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.LORA, "dora:rank=2");
        assertThatThrownBy(() -> FineTuning.run(unknown, null)).hasMessageStartingWith("unknown adapter variant 'dora'; known: lora, nola, sora, salt, loldu");
    }
}
