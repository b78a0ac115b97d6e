package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.ops.Squeeze;
import org.lowrank4j.adapt.ops.SqueezeForm;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TokenWindows;

/** LoRA-Squeeze during tuning: the schedule, a run that ends at the target rank, and a resume across a squeeze. */
class InSqueezeTest {
    private static final String TEXT = """
            It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness,
            it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of
            Darkness, it was the spring of hope, it was the winter of despair.
            """.repeat(6);

    @Test
    void eventsAreSpreadOverTheFirstShareAndRanksFallGeometrically() {
        InSqueeze s = new InSqueeze(4, 3, 0.6);
        assertThat(s.eventSteps(30)).containsExactly(6, 12, 18);
        assertThat(List.of(s.rankAfter(1, 16), s.rankAfter(2, 16), s.rankAfter(3, 16))).containsExactly(10, 6, 4); // 16·(1/4)^(k/3)
        assertThat(s.rankAfter(1, 4)).isEqualTo(4);  // already at the target
        assertThat(s.rankAfter(2, 3)).isEqualTo(3);  // below it: nothing to squeeze
        assertThat(s.eventsBefore(12, 30)).isEqualTo(1); // a checkpoint at an event's step holds the rank before that event
        assertThat(s.eventsBefore(13, 30)).isEqualTo(2);
        assertThatThrownBy(() -> new InSqueeze(2, 5, 0.5).eventSteps(6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--squeeze-events 5").hasMessageContaining("6 steps");
        assertThatThrownBy(() -> new InSqueeze(0, 1, 0.5)).hasMessageContaining("--squeeze-to");
        assertThatThrownBy(() -> new InSqueeze(2, 1, 1.0)).hasMessageContaining("--squeeze-until");
    }

    private static FineTuneRequest request(Path model, Path out, boolean resume, Integer stopAfter, AdapterInit init) {
        return request(model, out, resume, stopAfter, init, new InSqueeze(2, 2, 0.5));
    }

    private static FineTuneRequest request(Path model, Path out, boolean resume, Integer stopAfter, AdapterInit init, InSqueeze squeeze) {
        return new FineTuneRequest(model, TEXT, "text", out, new LoraSettings(4, 8, 0.1, false), List.of("q_proj", "v_proj", "o_proj"), 12, 4,
                16, 2e-2, 1, 0, 0.2, 0, 7, 2, resume, stopAfter, init, null, null, squeeze);
    }

    /** Two events (ranks 3, then 2), each a compensated Fisher-weighted squeeze to a budget, calibrated on 3 windows. */
    private static InSqueeze calibratedBudget() {
        return new InSqueeze(2, 2, 0.5, new SqueezeForm(SqueezeForm.Weighting.FISHER, true, 3), true);
    }

    @Test
    void aCalibratedSqueezeOnAnOptDecoderIsRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).modelType("opt").className("OPTForCausalLM").hiddenSize(16)
                .intermediateSize(32).numHiddenLayers(2).numAttentionHeads(2).vocabSize(256).maxPositionEmbeddings(32)
                .hiddenAct("relu").build();
        Gpt2Model opt = new Gpt2Model(config, Precision.FLOAT32);
        opt.initialize(new java.util.Random(3));
        Path base = dir.resolve("opt");
        opt.save(base);
        Path out = dir.resolve("adapter");
        java.util.function.Function<InSqueeze, FineTuneRequest> onOpt = squeeze -> new FineTuneRequest(base, TEXT, "text", out,
                new LoraSettings(4, 8, 0.1, false), List.of("q_proj", "v_proj"), 12, 4, 16, 2e-2, 1, 0, 0.2, 0, 7, 2, false, null,
                AdapterInit.LORA, null, null, squeeze);
        assertThatThrownBy(() -> FineTuning.run(onOpt.apply(calibratedBudget()), FineTuneListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--squeeze-weighting fisher")
                .hasMessageContaining("--squeeze-weighting none").message().doesNotContain("\n");
        assertThat(out).doesNotExist(); // refused before the first step, so nothing was trained or written

        // the plain squeeze needs no second model, and runs on it
        FineTuneOutcome plain = FineTuning.run(onOpt.apply(new InSqueeze(2, 1, 0.5)), FineTuneListener.NONE);
        assertThat(PeftFolder.read(out).config().rank()).isEqualTo(2);
        assertThat(plain.stepsRun()).isEqualTo(12);
    }

    @Test
    void aCalibratedSqueezeIsThePostHocSqueezeOfTheAdapterAtItsStepOnTheTrainingText(@TempDir Path dir) throws IOException {
        Path base = FineTuningTest.base(dir);
        Path plain = dir.resolve("plain"); // the same run with no squeeze, to its first event's step: the adapter the event squeezes
        FineTuning.run(request(base, plain, false, 3, AdapterInit.LORA, null), FineTuneListener.NONE);
        PeftAdapter beforeEvent = PeftFolder.read(plain);
        assertThat(beforeEvent.config().rank()).isEqualTo(4);
        Path out = dir.resolve("calibrated");
        FineTuning.run(request(base, out, false, 3, AdapterInit.LORA, calibratedBudget()), FineTuneListener.NONE); // stops after the event
        PeftAdapter squeezed = PeftFolder.read(out);

        long perRank = beforeEvent.modules().values().stream().mapToLong(f -> f.in() + f.out()).sum();
        Squeeze.Result expected = new SqueezeForm(SqueezeForm.Weighting.FISHER, true, 3).apply(beforeEvent, Squeeze.Target.budget(3 * perRank),
                LlamaModel.load(base, Precision.FLOAT32), TokenWindows.split(new ByteTokenizer().encode(TEXT), 0.2).train(), null);
        for (Map.Entry<String, LoraFactors> e : expected.adapter().modules().entrySet()) {
            assertThat(squeezed.config().settingsFor(e.getKey())).isEqualTo(expected.adapter().config().settingsFor(e.getKey()));
            assertThat(squeezed.modules().get(e.getKey()).a()).as(e.getKey()).containsExactly(e.getValue().a());
            assertThat(squeezed.modules().get(e.getKey()).b()).as(e.getKey()).containsExactly(e.getValue().b());
        }
        assertThat(squeezed.parameterCount()).isLessThanOrEqualTo(3 * perRank);
        assertThat(squeezed.modules().values().stream().mapToInt(LoraFactors::rank).distinct().count()).as("a budget spreads the ranks")
                .isGreaterThan(1);
        JsonNode in = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile()).get("in_squeeze");
        assertThat(in.get("squeeze").asText()).isEqualTo("compensated Fisher-weighted");
        assertThat(in.get("budget").asBoolean()).isTrue();
        assertThat(in.get("squeezes_this_call").get(0).asText()).startsWith("after step 3: compensated Fisher-weighted squeeze to ranks ");
    }

    @Test
    void aRunEndsAtTheTargetRankAndKeepsLearning(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("squeezed");
        FineTuneOutcome outcome = FineTuning.run(request(FineTuningTest.base(dir), out, false, null, AdapterInit.LORA), FineTuneListener.NONE);
        System.out.printf("tiny In-Squeeze 4 -> 2: held-out perplexity %.3f -> %.3f%n", outcome.before().perplexity(), outcome.after().perplexity());
        assertThat(outcome.after().perplexity()).isLessThan(outcome.before().perplexity());
        assertThat(outcome.stepsRun()).isEqualTo(12);
        PeftAdapter adapter = PeftFolder.read(out);
        assertThat(adapter.config().rank()).isEqualTo(2);
        assertThat(adapter.config().alpha()).isEqualTo(4.0); // α' = α·k/r keeps s = 2
        assertThat(adapter.modules().values()).allSatisfy(f -> assertThat(f.rank()).isEqualTo(2));
        assertThat(Files.readAllLines(out.resolve(FineTuning.LOG))).hasSize(13); // one row a step across the squeezes
        JsonNode in = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile()).get("in_squeeze");
        assertThat(in.get("event_steps").toString()).isEqualTo("[3,6]");
        assertThat(in.get("squeezes_this_call")).hasSize(2);
        assertThat(in.get("squeezes_this_call").get(0).asText()).startsWith("after step 3: plain squeeze to rank 3"); // 4·(2/4)^(1/2) = 2.8
        assertThat(outcome.trainable()).isEqualTo(adapter.parameterCount());
        assertThat(in.get("trainable_parameters_at_start_of_this_call").asLong()).isEqualTo(2 * adapter.parameterCount());
        // the written adapter scores what the run scored
        int[] tokens = HeldOut.tokens(TEXT, 0.2, 0);
        assertThat(HeldOut.perplexity(dir.resolve("base"), out, tokens).perplexity()).isCloseTo(outcome.after().perplexity(),
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aRunResumedAtOrBetweenSqueezesEqualsAnUninterruptedOne(@TempDir Path dir) throws IOException {
        resumesMatch(dir, new InSqueeze(2, 2, 0.5));
    }

    @Test
    void aRunWhoseBudgetChoseTheRanksResumesAtThem(@TempDir Path dir) throws IOException {
        resumesMatch(dir, calibratedBudget()); // each module's rank after a budget squeeze comes from the checkpoint
    }

    private static void resumesMatch(Path dir, InSqueeze squeeze) throws IOException {
        Path base = FineTuningTest.base(dir);
        Path straight = dir.resolve("straight");
        FineTuning.run(request(base, straight, false, null, AdapterInit.LORA, squeeze), FineTuneListener.NONE);
        for (int stop : new int[] {3, 5, 6}) { // at each event's step (before its squeeze), and between the two events
            Path resumed = dir.resolve("resumed-" + stop);
            FineTuning.run(request(base, resumed, false, stop, AdapterInit.LORA, squeeze), FineTuneListener.NONE);
            FineTuning.run(request(base, resumed, true, null, AdapterInit.LORA, squeeze), FineTuneListener.NONE);
            assertThat(Files.readAllBytes(resumed.resolve(PeftFolder.WEIGHTS))).as("stopped after %d", stop)
                    .isEqualTo(Files.readAllBytes(straight.resolve(PeftFolder.WEIGHTS)));
            assertThat(Files.readAllLines(resumed.resolve(FineTuning.LOG)).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList())
                    .isEqualTo(Files.readAllLines(straight.resolve(FineTuning.LOG)).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList());
        }
    }

    @Test
    void squeezingDuringTuningIsForPlainLoraToALowerRank(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> request(dir, dir.resolve("x"), false, null, AdapterInit.PISSA)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--squeeze-to").hasMessageContaining("pissa");
        FineTuneRequest notLower = new FineTuneRequest(FineTuningTest.base(dir), TEXT, "text", dir.resolve("y"), LoraSettings.of(4, 8),
                List.of("q_proj"), 12, 4, 16, 2e-2, 1, 0, 0.2, 0, 7, 0, false, null, AdapterInit.LORA, null, null, new InSqueeze(4, 1, 0.5));
        assertThatThrownBy(() -> FineTuning.run(notLower, FineTuneListener.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--squeeze-to 4 is not below the adapters' rank 4");
    }
}
