package org.lowrank4j.adapt.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.finetune.FineTuning;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.arch.bert.BertSafetensors;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.LabelledTexts;

/** Classifier fine-tuning with an adapter variant or every encoder weight, and with the head started from zero. */
class ClassifierVariantsTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("tiny-bert");
        BertSafetensors.save(TinyEncoders.random(Precision.FLOAT32, 9), model);
    }

    private static ClassifyRequest request(LabelledTexts data, Path out, String adapter, HeadStart start, int steps, double lr) {
        return new ClassifyRequest(model, data, out, new LoraSettings(8, 16, 0, false), List.of("query", "key", "value", "dense"),
                EncoderPooling.MEAN, steps, 8, lr, 10, 0, 0.3, 11, 0, false, null, adapter, start, AdapterInit.LORA);
    }

    /** Each kind's rate on this toy task (SNELL's update grows with the square of its kernel, so it needs a far larger one). */
    private static double rate(String adapter) {
        return adapter.startsWith("snell:") ? 1e-1 : adapter.startsWith("snella") ? 3e-2 : adapter.startsWith("nola") || adapter.startsWith("s2lora") ? 1e-2
                : 3e-3;
    }

    private static double[] losses(Path out) throws IOException {
        return Files.readAllLines(out.resolve(FineTuning.LOG)).stream().skip(1).mapToDouble(l -> Double.parseDouble(l.split(",")[1]))
                .toArray();
    }

    private static int[][] heldOut(LabelledTexts data) {
        LabelledTexts.Split split = LabelledTexts.stratifiedSplit(data.labels(), 0.7, 11);
        int[][] test = new int[split.test().length][];
        for (int i = 0; i < test.length; i++) {
            test[i] = TinyEncoders.ids(data.texts().get(split.test()[i]));
        }
        return test;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nola:basis=64", "sora:xi=1e-3:xi-max=1e-2", "full", "loca:frequencies=200", "s2lora:rank=4", "flora:view=matrix:ranks=4,4",
        "snell:rank=4", "snella:rank=4"})
    void eachKindFitsWhatTheHeadAloneCannotAndItsFolderClassifiesAsTheRunScored(String adapter) throws IOException {
        // the parity of the count of 'a' is not linear in the mean of the frozen token states (see ClassifierFineTuningTest)
        Path out = dir.resolve(adapter.split(":")[0]);
        LabelledTexts data = TinyEncoders.parity(40, 2);
        ClassifyOutcome o = ClassifierFineTuning.run(request(data, out, adapter, HeadStart.ZERO, 150, rate(adapter)),
                TinyEncoders::ids, FineTuneListener.NONE);
        double[] losses = losses(out);
        double first = Arrays.stream(losses, 0, 15).average().orElseThrow();
        double last = Arrays.stream(losses, losses.length - 15, losses.length).average().orElseThrow();
        System.out.printf("%s: training loss %.3f over the first 15 steps, %.3f over the last 15; %,d trainable%n", adapter, first, last, o.trainable());
        assertThat(last).isLessThan(first * 0.75);

        JsonNode record = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile());
        assertThat(record.get("method").asText()).isEqualTo(adapter);
        assertThat(record.get("head_start").asText()).isEqualTo("zero");
        assertThat(record.get("memory_bytes").get("trainable_values").asLong()).isPositive();
        if (adapter.equals("full")) {
            assertThat(o.trainable()).isEqualTo(BertSafetensors.load(model, Precision.FLOAT32).parameterCount() + 2 * 16 + 2);
            assertThat(out.resolve("model.safetensors")).isRegularFile();
        } else {
            JsonNode config = new ObjectMapper().readTree(out.resolve(PeftFolder.CONFIG).toFile());
            assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
            assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"classifier\"]");
            assertThat(record.get("bytes_on_disk").asLong()).isEqualTo(Files.size(out.resolve(PeftFolder.CONFIG)) + Files.size(out.resolve(PeftFolder.WEIGHTS)));
            try (SafetensorsFile st = SafetensorsFile.open(out.resolve(PeftFolder.WEIGHTS))) {
                assertThat(st.info("base_model.model.classifier.weight").shape()).containsExactly(2, 16);
            }
        }
        SequenceClassifier loaded = ClassifierFolder.load(model, out, Precision.FLOAT32);
        LabelledTexts.Split split = LabelledTexts.stratifiedSplit(data.labels(), 0.7, 11);
        ClassificationMetrics again = ClassifierFineTuning.evaluate(loaded, heldOut(data), ClassifierFineTuning.select(data.labels(), split.test()));
        assertThat(again.accuracy()).isEqualTo(o.after().accuracy());
        assertThat(again.macroF1()).isEqualTo(o.after().macroF1());
    }

    @ParameterizedTest
    @ValueSource(strings = {"pissa", "svfit"})
    void anSvdStartTrainsAndItsFolderIsALoraAdapterOfTheOriginalEncoder(String init) throws IOException {
        LabelledTexts data = TinyEncoders.letters(30, 2);
        Path out = dir.resolve("init-" + init), plain = dir.resolve("init-plain-" + init);
        ClassifyRequest request = new ClassifyRequest(model, data, out, new LoraSettings(4, 8, 0, false), List.of("query", "value"),
                EncoderPooling.MEAN, 60, 8, 1e-2, 5, 0, 0.3, 11, 0, false, null, "lora", HeadStart.ZERO, AdapterInit.parse(init));
        ClassifyOutcome o = ClassifierFineTuning.run(request, TinyEncoders::ids, FineTuneListener.NONE);
        ClassifyOutcome p = ClassifierFineTuning.run(request(data, plain, "lora", HeadStart.PROBE, 1, 1e-3), TinyEncoders::ids,
                FineTuneListener.NONE);
        // the encoder is unchanged at step 0 (PiSSA: residual + principal adapter; SVFit: residual + U·diag(σ)·Vᵀ)
        assertThat(o.before()).usingRecursiveComparison().isEqualTo(p.before());
        double[] losses = losses(out);
        double first = Arrays.stream(losses, 0, 10).average().orElseThrow();
        double last = Arrays.stream(losses, losses.length - 10, losses.length).average().orElseThrow();
        System.out.printf("%s: training loss %.3f over the first 10 steps, %.3f over the last 10%n", init, first, last);
        assertThat(last).isLessThan(first * 0.9);
        JsonNode config = new ObjectMapper().readTree(out.resolve(PeftFolder.CONFIG).toFile());
        assertThat(config.get("r").asInt()).isEqualTo(init.equals("pissa") ? 8 : 4);
        assertThat(new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile()).get("method").asText()).isEqualTo(init);
        SequenceClassifier loaded = ClassifierFolder.load(model, out, Precision.FLOAT32); // a plain LoRA folder on the original weights
        LabelledTexts.Split split = LabelledTexts.stratifiedSplit(data.labels(), 0.7, 11);
        ClassificationMetrics again = ClassifierFineTuning.evaluate(loaded, heldOut(data), ClassifierFineTuning.select(data.labels(), split.test()));
        assertThat(again.accuracy()).isEqualTo(o.after().accuracy());
        assertThat(again.macroF1()).isEqualTo(o.after().macroF1());
    }

    @Test
    void aZeroHeadStartsAtChanceWhileTheProbeStartsFitted() throws IOException {
        LabelledTexts data = TinyEncoders.letters(20, 1);
        Path zero = dir.resolve("zero"), probe = dir.resolve("probe");
        ClassifyOutcome z = ClassifierFineTuning.run(request(data, zero, "lora", HeadStart.ZERO, 3, 1e-3), TinyEncoders::ids, FineTuneListener.NONE);
        ClassifyOutcome p = ClassifierFineTuning.run(request(data, probe, "lora", HeadStart.PROBE, 3, 1e-3), TinyEncoders::ids, FineTuneListener.NONE);
        assertThat(losses(zero)[0]).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(losses(probe)[0]).isLessThan(Math.log(2) - 0.05);
        assertThat(z.before()).usingRecursiveComparison().isEqualTo(p.before()); // the "before" probe is the same either way
    }

    @Test
    void aPenalisedProbeStartsShortOfThePlainProbeWithTheSameBeforeFigures() throws IOException {
        LabelledTexts data = TinyEncoders.letters(20, 1);
        Path plain = dir.resolve("plain"), light = dir.resolve("light"), heavy = dir.resolve("heavy");
        ClassifyOutcome p = ClassifierFineTuning.run(request(data, plain, "lora", HeadStart.PROBE, 2, 1e-3), TinyEncoders::ids, FineTuneListener.NONE);
        ClassifyOutcome l = ClassifierFineTuning.run(request(data, light, "lora", HeadStart.parse("probe:l2=0.01"), 2, 1e-3), TinyEncoders::ids,
                FineTuneListener.NONE);
        ClassifyOutcome h = ClassifierFineTuning.run(request(data, heavy, "lora", HeadStart.parse("probe:l2=1"), 2, 1e-3), TinyEncoders::ids,
                FineTuneListener.NONE);
        // the penalty keeps the training loss up, the more the larger it is, and stays below chance
        assertThat(losses(light)[0]).isGreaterThan(losses(plain)[0]);
        assertThat(losses(heavy)[0]).isGreaterThan(losses(light)[0]).isLessThan(Math.log(2));
        assertThat(l.before()).usingRecursiveComparison().isEqualTo(p.before());
        assertThat(h.before()).usingRecursiveComparison().isEqualTo(p.before());
        assertThat(HeadStart.parse("probe:l2=0.01").label()).isEqualTo("probe:l2=0.01");
        assertThat(HeadStart.parse("probe:l2=0")).isEqualTo(HeadStart.PROBE);
        assertThat(catchThrowable(() -> HeadStart.parse("probe:l2=-1"))).hasMessageContaining("must be a number >= 0");
        assertThat(catchThrowable(() -> HeadStart.parse("probe:l2=x"))).hasMessageContaining("--head-start probe:l2=x");
    }

    @Test
    void refusesWhatAVariantRunCannotDo() {
        LabelledTexts data = TinyEncoders.letters(8, 1);
        ClassifyRequest resume = new ClassifyRequest(model, data, dir.resolve("r"), LoraSettings.of(2, 4), List.of("query"), EncoderPooling.MEAN,
                4, 4, 1e-3, 0, 0, 0.3, 1, 0, true, null, "nola", HeadStart.PROBE, AdapterInit.LORA);
        assertThat(catchThrowable(() -> ClassifierFineTuning.run(resume, TinyEncoders::ids, FineTuneListener.NONE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--adapter nola run starts afresh");
        Throwable unknown = catchThrowable(() -> ClassifierFineTuning.run(request(data, dir.resolve("u"), "dora", HeadStart.PROBE, 2, 1e-3),
                TinyEncoders::ids, FineTuneListener.NONE));
        assertThat(unknown).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown adapter variant 'dora'");
        assertThat(catchThrowable(() -> HeadStart.parse("random"))).hasMessageContaining("--head-start random is not known");
        assertThat(catchThrowable(() -> new ClassifyRequest(model, data, dir.resolve("x"), LoraSettings.of(2, 4), List.of("query"),
                EncoderPooling.MEAN, 4, 4, 1e-3, 0, 0, 0.3, 1, 0, false, null, "sora", HeadStart.PROBE, AdapterInit.PISSA)))
                .hasMessageContaining("--init pissa applies to LoRA adapters only");
    }
}
