package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.nn.tensor.Precision;

/** LoRA fine-tuning of a tiny decoder folder: it learns the text, writes PEFT files, and resumes bit for bit. */
class FineTuningTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world. It is a way I have of driving off the spleen and regulating the circulation.
            """.repeat(6);

    private static FineTuneRequest request(Path model, Path out, int steps, boolean resume, Integer stopAfter, double dropout) {
        return new FineTuneRequest(model, TEXT, "text", out, new LoraSettings(4, 8, dropout, false), List.of("q_proj", "v_proj", "o_proj"),
                steps, 4, 16, 2e-2, 1, 0, 0.2, 0, 7, 2, resume, stopAfter);
    }

    /** The tiny decoder folder the fine-tuning tests train on. */
    static Path base(Path dir) throws IOException {
        Path folder = dir.resolve("base");
        TinyModels.llama(Precision.FLOAT32, 3).save(folder);
        return folder;
    }

    @Test
    void learnsTheTextAndWritesAPeftFolder(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("adapter");
        FineTuneOutcome outcome = FineTuning.run(request(base(dir), out, 12, false, null, 0), FineTuneListener.NONE);
        System.out.printf("tiny fine-tune: held-out perplexity %.3f -> %.3f in %d steps%n", outcome.before().perplexity(),
                outcome.after().perplexity(), outcome.stepsRun());
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        assertThat(outcome.trainable()).isEqualTo(2L * 3 * 4 * (16 + 16) - 2L * 4 * (16 - 8)); // q,o 16x16; v 8x16
        PeftAdapter adapter = PeftFolder.read(out);
        assertThat(adapter.modules()).hasSize(6);
        assertThat(adapter.config().taskType()).isEqualTo("CAUSAL_LM");
        assertThat(Files.readAllLines(out.resolve(FineTuning.LOG))).hasSize(13);
        assertThat(Files.readString(out.resolve(FineTuning.RECORD))).contains("\"perplexity_reduction\"");
        // gradients only for A and B: the frozen embedding (tied to the output), norms and weights allocate none
        com.fasterxml.jackson.databind.JsonNode memory = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve(FineTuning.RECORD).toFile()).get("memory_bytes");
        assertThat(memory.get("gradients_allocated").asLong()).isEqualTo(memory.get("trainable_values").asLong());
        // the adapter scores the same held-out bytes the run scored
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(dir.resolve("base"), out, tokens).perplexity()).isCloseTo(outcome.after().perplexity(),
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void svfitTrainsOnlySingularValuesAndWritesTheirChangeAsAnAdapter(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("svfit");
        FineTuneRequest svfit = new FineTuneRequest(base(dir), TEXT, "text", out, LoraSettings.of(4, 4), List.of("q_proj", "v_proj", "o_proj"),
                12, 4, 16, 2e-2, 1, 0, 0.2, 0, 7, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.SVFIT);
        FineTuneOutcome outcome = FineTuning.run(svfit, FineTuneListener.NONE);
        System.out.printf("tiny SVFit fine-tune: held-out perplexity %.3f -> %.3f in %d steps, %d trainable%n", outcome.before().perplexity(),
                outcome.after().perplexity(), outcome.stepsRun(), outcome.trainable());
        assertThat(outcome.trainable()).isEqualTo(6L * 4); // r singular values per adapted layer
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        PeftAdapter adapter = PeftFolder.read(out);
        assertThat(adapter.modules()).hasSize(6);
        assertThat(adapter.config().rank()).isEqualTo(4);
        assertThat(Files.readString(out.resolve(FineTuning.RECORD))).contains("\"method\" : \"svfit\"");
        // the written adapter on the original base is the tuned model (to float rounding)
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(dir.resolve("base"), out, tokens).perplexity()).isCloseTo(outcome.after().perplexity(),
                org.assertj.core.data.Offset.offset(1e-4 * outcome.after().perplexity()));
    }

    @Test
    void continuedTuningStartsFromASqueezedAdapterAndKeepsItsRank(@TempDir Path dir) throws IOException {
        Path base = base(dir);
        Path wide = dir.resolve("r4"), squeezed = dir.resolve("r4-to-r2"), tuned = dir.resolve("r2-tuned");
        FineTuning.run(request(base, wide, 12, false, null, 0), FineTuneListener.NONE);
        org.lowrank4j.adapt.ops.Squeeze.Result s = org.lowrank4j.adapt.ops.Squeeze.apply(PeftFolder.read(wide),
                org.lowrank4j.adapt.ops.Squeeze.Target.rank(2));
        PeftFolder.write(squeezed, s.adapter());
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        double squeezedPerplexity = HeldOut.perplexity(base, squeezed, tokens).perplexity();
        // different targets and rank on the request: the start adapter's own are used
        FineTuneRequest cont = new FineTuneRequest(base, TEXT, "text", tuned, LoraSettings.of(8, 8), List.of("q_proj"), 12, 4, 16, 2e-2, 1, 0,
                0.2, 0, 7, 0, false, null, null, null, squeezed);
        FineTuneOutcome outcome = FineTuning.run(cont, FineTuneListener.NONE);
        System.out.printf("tiny continued squeeze: squeezed r=2 perplexity %.4f -> %.4f after %d steps%n", squeezedPerplexity,
                outcome.after().perplexity(), outcome.stepsRun());
        PeftAdapter written = PeftFolder.read(tuned);
        assertThat(written.modules()).hasSize(6);
        assertThat(written.config().rank()).isEqualTo(2);
        assertThat(written.config().alpha()).isEqualTo(4.0); // α' = α·k/r keeps the scaling
        assertThat(outcome.trainable()).isEqualTo(written.parameterCount());
        assertThat(written.modules().values().iterator().next().b()).isNotEqualTo(s.adapter().modules().values().iterator().next().b());
        assertThat(Files.readString(tuned.resolve(FineTuning.RECORD))).contains("\"init_adapter\"").contains("\"rank\" : 2");
        // the run trained the squeezed factors, not fresh ones: on the same first batch its loss is below the fresh run's (the base's)
        double firstLoss = Double.parseDouble(Files.readAllLines(tuned.resolve(FineTuning.LOG)).get(1).split(",")[1]);
        double freshFirstLoss = Double.parseDouble(Files.readAllLines(wide.resolve(FineTuning.LOG)).get(1).split(",")[1]);
        assertThat(firstLoss).isLessThan(freshFirstLoss);
    }

    @Test
    void anInitAdapterIsForLoraRunsOnly(@TempDir Path dir) {
        assertThatThrownBy(() -> new FineTuneRequest(dir, TEXT, "text", dir.resolve("x"), LoraSettings.of(4, 8), List.of("q_proj"), 2, 2, 16,
                1e-3, 0, 0, 0.2, 0, 1, 0, false, null, org.lowrank4j.adapt.lora.AdapterInit.PISSA, null, dir.resolve("a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--init-adapter").hasMessageContaining("pissa");
    }

    @Test
    void aResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Path base = base(dir);
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        FineTuning.run(request(base, straight, 6, false, null, 0.1), FineTuneListener.NONE);
        FineTuning.run(request(base, resumed, 6, false, 3, 0.1), FineTuneListener.NONE);
        FineTuning.run(request(base, resumed, 6, true, null, 0.1), FineTuneListener.NONE);
        assertThat(Files.readAllBytes(resumed.resolve(PeftFolder.WEIGHTS))).isEqualTo(Files.readAllBytes(straight.resolve(PeftFolder.WEIGHTS)));
        List<String> a = Files.readAllLines(straight.resolve(FineTuning.LOG)), b = Files.readAllLines(resumed.resolve(FineTuning.LOG));
        assertThat(b).hasSameSizeAs(a);
        for (int i = 1; i < a.size(); i++) {
            assertThat(b.get(i).split(",")[1]).as("loss of step %d", i).isEqualTo(a.get(i).split(",")[1]);
        }
    }

    @Test
    void pissaAndSvfitRunsResumeExactly(@TempDir Path dir) throws IOException {
        Path base = base(dir);
        for (org.lowrank4j.adapt.lora.AdapterInit init : List.of(org.lowrank4j.adapt.lora.AdapterInit.PISSA,
                org.lowrank4j.adapt.lora.AdapterInit.SVFIT)) {
            Path straight = dir.resolve(init.label() + "-straight"), resumed = dir.resolve(init.label() + "-resumed");
            java.util.function.BiFunction<Path, Integer, FineTuneRequest> make = (out, stop) -> new FineTuneRequest(base, TEXT, "text", out,
                    LoraSettings.of(2, 4), List.of("q_proj", "v_proj"), 4, 2, 16, 1e-2, 1, 0, 0.2, 2000, 7, 2, stop != null && stop < 0,
                    stop == null || stop < 0 ? null : stop, init);
            FineTuning.run(make.apply(straight, null), FineTuneListener.NONE);
            FineTuning.run(make.apply(resumed, 2), FineTuneListener.NONE);
            FineTuning.run(make.apply(resumed, -1), FineTuneListener.NONE);
            assertThat(Files.readAllBytes(resumed.resolve(PeftFolder.WEIGHTS))).as(init.label())
                    .isEqualTo(Files.readAllBytes(straight.resolve(PeftFolder.WEIGHTS)));
        }
    }

    @Test
    void badRequestsAreOneLine(@TempDir Path dir) throws IOException {
        Path base = base(dir);
        FineTuneRequest wrongTargets = new FineTuneRequest(base, TEXT, "text", dir.resolve("x"), LoraSettings.of(4, 8), List.of("query"), 2, 2,
                16, 1e-3, 0, 0, 0.2, 0, 1, 0, false, null);
        assertThatThrownBy(() -> FineTuning.run(wrongTargets, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target modules [query] match none");
        assertThatThrownBy(() -> FineTuning.run(request(base, dir.resolve("y"), 2, true, null, 0), null))
                .hasMessageContaining("--resume").hasMessageContaining("does not exist");
    }
}
