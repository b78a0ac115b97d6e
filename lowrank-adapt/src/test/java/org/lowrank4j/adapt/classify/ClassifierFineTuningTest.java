package org.lowrank4j.adapt.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.finetune.FineTuning;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertSafetensors;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LabelledTexts;

/** Classifier fine-tuning end to end on a tiny BERT folder: the folder it writes, resume, merge, and bad input. */
class ClassifierFineTuningTest {
    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("tiny-bert");
        BertSafetensors.save(TinyEncoders.random(Precision.FLOAT32, 9), model);
    }

    private static ClassifyRequest request(LabelledTexts data, Path out, int steps, Integer stopAfter, boolean resume) {
        return new ClassifyRequest(model, data, out, new LoraSettings(4, 8, 0.1, false), List.of("query", "value"), EncoderPooling.MEAN, steps,
                8, 1e-2, 2, 0, 0.3, 11, 5, resume, stopAfter);
    }

    private static ClassifyOutcome run(ClassifyRequest request) throws IOException {
        return ClassifierFineTuning.run(request, TinyEncoders::ids, FineTuneListener.NONE);
    }

    @Test
    void writesAPeftFolderWithBertKeysAndTheHeadAsAModuleToSave() throws IOException {
        Path out = dir.resolve("letters");
        ClassifyOutcome o = run(request(TinyEncoders.letters(20, 1), out, 15, null, false));
        assertThat(o.trainCount()).isEqualTo(28);
        assertThat(o.testCount()).isEqualTo(12);
        assertThat(o.trainable()).isEqualTo(2 * 2 * 4 * (16 + 16) + 2 * 16 + 2);
        Set<String> names;
        try (SafetensorsFile st = SafetensorsFile.open(out.resolve(PeftFolder.WEIGHTS))) {
            names = new TreeSet<>(st.names());
            assertThat(st.info("base_model.model.encoder.layer.1.attention.self.value.lora_A.weight").shape()).containsExactly(4, 16);
            assertThat(st.info("base_model.model.encoder.layer.1.attention.self.value.lora_B.weight").shape()).containsExactly(16, 4);
            assertThat(st.info("base_model.model.classifier.weight").shape()).containsExactly(2, 16);
            assertThat(st.info("base_model.model.classifier.bias").shape()).containsExactly(2);
        }
        assertThat(names).hasSize(10).contains("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight",
                "base_model.model.encoder.layer.0.attention.self.query.lora_B.weight", "base_model.model.classifier.weight");
        JsonNode config = new ObjectMapper().readTree(out.resolve(PeftFolder.CONFIG).toFile());
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"classifier\"]");
        assertThat(config.get("target_modules").toString()).isEqualTo("[\"query\",\"value\"]");
        assertThat(PeftFolder.read(out).modules()).hasSize(4); // the head is skipped by the adapter reader
        JsonNode record = new ObjectMapper().readTree(out.resolve(FineTuning.RECORD).toFile());
        assertThat(record.get("after").get("accuracy").asDouble()).isEqualTo(o.after().accuracy());
        assertThat(record.get("memory_bytes").get("optimizer_state").asLong()).isEqualTo(2 * 4 * o.trainable()); // two float32 moments
        assertThat(Files.readAllLines(out.resolve(FineTuning.LOG))).hasSize(16);

        assertThat(new ObjectMapper().readTree(out.resolve(ClassifierFolder.RECORD).toFile()).get("input").asText()).isEqualTo("text");
        // the folder read back classifies the held-out texts exactly as the run scored them
        SequenceClassifier loaded = ClassifierFolder.load(model, out, Precision.FLOAT32);
        LabelledTexts data = TinyEncoders.letters(20, 1);
        LabelledTexts.Split split = LabelledTexts.stratifiedSplit(data.labels(), 0.7, 11);
        int[][] test = new int[split.test().length][];
        for (int i = 0; i < test.length; i++) {
            test[i] = TinyEncoders.ids(data.texts().get(split.test()[i]));
        }
        ClassificationMetrics again = ClassifierFineTuning.evaluate(loaded, test, ClassifierFineTuning.select(data.labels(), split.test()));
        assertThat(again.accuracy()).isEqualTo(o.after().accuracy());
        assertThat(again.macroF1()).isEqualTo(o.after().macroF1());
    }

    @Test
    void theAdaptersFitWhatTheHeadAloneCannot() throws IOException {
        // the parity of the count of 'a' is not a linear function of the mean of the frozen token states: the head alone
        // stays near chance on the training texts, the adapters let the encoder fit them
        Path out = dir.resolve("parity");
        ClassifyOutcome o = run(new ClassifyRequest(model, TinyEncoders.parity(40, 2), out, new LoraSettings(8, 16, 0, false),
                List.of("query", "key", "value", "dense"), EncoderPooling.MEAN, 150, 8, 3e-3, 10, 0, 0.3, 11, 0, false, null));
        double[] losses = Files.readAllLines(out.resolve(FineTuning.LOG)).stream().skip(1)
                .mapToDouble(l -> Double.parseDouble(l.split(",")[1])).toArray();
        double first = java.util.Arrays.stream(losses, 0, 15).average().orElseThrow();
        double last = java.util.Arrays.stream(losses, losses.length - 15, losses.length).average().orElseThrow();
        System.out.printf("parity of 'a': training loss %.3f over the first 15 steps, %.3f over the last 15; held-out accuracy %.3f with the "
                + "frozen encoder, %.3f with the adapters (56 training texts: no claim on held-out accuracy)%n", first, last, o.before().accuracy(),
                o.after().accuracy());
        assertThat(first).isGreaterThan(0.5);
        assertThat(last).isLessThan(first / 2);
    }

    @Test
    void aValidationSplitComesFromTheTrainingSideAndLeavesTheHeldOutTextsAlone() throws IOException {
        LabelledTexts data = TinyEncoders.letters(20, 1);
        ClassifyRequest plain = request(data, dir.resolve("unused"), 4, null, false);
        ClassifyRequest validated = withValidation(plain, dir.resolve("validated"), 0.25);
        ClassifierFineTuning.Prepared without = ClassifierFineTuning.prepare(plain, TinyEncoders::ids);
        ClassifierFineTuning.Prepared with = ClassifierFineTuning.prepare(validated, TinyEncoders::ids);
        assertThat(with.testIds()).isDeepEqualTo(without.testIds());
        assertThat(with.testLabels()).isEqualTo(without.testLabels());
        assertThat(without.hasValidation()).isFalse();
        assertThat(with.trainIds().length + with.validIds().length).isEqualTo(without.trainIds().length);
        assertThat(with.validIds().length).isEqualTo(6); // each class's 14 training texts keep round(0.75 * 14) = 11: 3 + 3 validate
        // the plain run's training texts are the two sides together, as a multiset
        List<String> before = java.util.Arrays.stream(without.trainIds()).map(java.util.Arrays::toString).sorted().toList();
        List<String> after = java.util.stream.Stream.concat(java.util.Arrays.stream(with.trainIds()), java.util.Arrays.stream(with.validIds()))
                .map(java.util.Arrays::toString).sorted().toList();
        assertThat(after).isEqualTo(before);
        int[] perClass = new int[2];
        for (int label : with.validLabels()) {
            perClass[label]++;
        }
        assertThat(perClass).containsExactly(3, 3);

        ClassifyOutcome o = run(validated);
        assertThat(o.trainCount()).isEqualTo(22);
        assertThat(o.testCount()).isEqualTo(12);
        assertThat(o.validationBefore().examples()).isEqualTo(6);
        assertThat(o.validationAfter().examples()).isEqualTo(6);
        JsonNode record = new ObjectMapper().readTree(validated.out().resolve(FineTuning.RECORD).toFile());
        assertThat(record.get("validation").get("after").get("accuracy").asDouble()).isEqualTo(o.validationAfter().accuracy());
        assertThat(record.get("validation").get("fraction").asDouble()).isEqualTo(0.25);
        assertThat(record.get("train_texts").asInt()).isEqualTo(22);

        assertThat(oneLine(catchThrowable(() -> withValidation(plain, dir.resolve("bad-validation"), 1.0)))).contains("--validation must be in [0, 1)");
        LabelledTexts few = TinyEncoders.letters(3, 1);
        assertThat(oneLine(catchThrowable(() -> ClassifierFineTuning.prepare(withValidation(request(few, dir.resolve("few"), 2, null, false),
                dir.resolve("few"), 0.1), TinyEncoders::ids)))).contains("leaves").contains("validation texts");
    }

    private static ClassifyRequest withValidation(ClassifyRequest r, Path out, double fraction) {
        return new ClassifyRequest(r.model(), r.data(), out, r.lora(), r.targets(), r.pooling(), r.steps(), r.batch(), r.learningRate(),
                r.warmup(), r.weightDecay(), r.heldOutFraction(), r.seed(), r.checkpointEvery(), r.resume(), r.stopAfter(), r.adapter(),
                r.headStart(), r.init(), fraction);
    }

    @Test
    void aResumedRunEndsWhereAnUninterruptedOneDoes() throws IOException {
        LabelledTexts data = TinyEncoders.letters(12, 3);
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        ClassifyOutcome full = run(request(data, straight, 12, null, false));
        run(request(data, resumed, 12, 5, false));
        ClassifyOutcome rest = run(request(data, resumed, 12, null, true));
        assertThat(rest.stepsRun()).isEqualTo(7);
        assertThat(rest.stepsDone()).isEqualTo(12);
        assertThat(Files.readAllBytes(resumed.resolve(PeftFolder.WEIGHTS))).isEqualTo(Files.readAllBytes(straight.resolve(PeftFolder.WEIGHTS)));
        assertThat(lossColumns(resumed)).isEqualTo(lossColumns(straight)).hasSize(13);
        assertThat(rest.after()).usingRecursiveComparison().isEqualTo(full.after());
    }

    /** The log without its speed column. */
    private static List<String> lossColumns(Path out) throws IOException {
        return Files.readAllLines(out.resolve(FineTuning.LOG)).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }

    @Test
    void mergedAndUnmergedEncodersAgree() throws IOException {
        Path out = dir.resolve("merge");
        run(request(TinyEncoders.letters(10, 4), out, 10, null, false));
        BertModel encoder = BertSafetensors.load(model, Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), 0);
        PeftFolder.apply(PeftFolder.read(out), lora, "default", Precision.FLOAT32);
        SequenceClassifier c = new SequenceClassifier(encoder, EncoderPooling.MEAN, SequenceClassifier.zeroHead(encoder, 2));
        int[][] texts = {TinyEncoders.ids("abba"), TinyEncoders.ids("cdcdc"), TinyEncoders.ids("e")};
        Tensor unmerged = c.pooled(texts).copy();
        lora.setEnabled(false);
        Tensor base = c.pooled(texts).copy();
        lora.setEnabled(true);
        lora.mergeAndUnload("default");
        Tensor merged = c.pooled(texts);
        double diff = org.lowrank4j.adapt.FiniteDifferences.maxDifference(unmerged, merged);
        System.out.printf("pooled output, merged vs unmerged adapter: max |diff| %.2e (the adapter moves it by %.2e)%n", diff,
                org.lowrank4j.adapt.FiniteDifferences.maxDifference(unmerged, base));
        assertThat(org.lowrank4j.adapt.FiniteDifferences.maxDifference(unmerged, base)).isGreaterThan(1e-4);
        assertThat(diff).isLessThan(1e-5);
    }

    // ---- bad input: one clear line each

    private static String oneLine(Throwable t) {
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.getMessage()).doesNotContain("\n");
        return t.getMessage();
    }

    @Test
    void badInputIsOneClearLine() throws IOException {
        Path out = dir.resolve("bad");
        LabelledTexts oneClass = new LabelledTexts(List.of("ab", "ba", "aa"), new int[] {0, 0, 0}, List.of("spam"), "one.tsv");
        assertThat(oneLine(catchThrowable(() -> run(request(oneClass, out, 2, null, false))))).isEqualTo(
                "one.tsv has one class (spam); classification needs texts of at least two labels");
        LabelledTexts lonely = new LabelledTexts(List.of("ab", "ba", "cd"), new int[] {0, 0, 1}, List.of("ab", "cd"), "lonely.tsv");
        assertThat(oneLine(catchThrowable(() -> run(request(lonely, out, 2, null, false))))).contains("label \"cd\" has 1 text");

        Path tsv = Files.writeString(dir.resolve("columns.tsv"), "text\tlabel\nhello\tspam\n");
        assertThat(oneLine(catchThrowable(() -> LabelledTexts.readTsv(tsv)))).contains("line 1: the header names the columns \"text\" and \"label\"");
        Path empty = Files.writeString(dir.resolve("empty.tsv"), "label\ttext\nspam\tbuy now\nham\t  \n");
        assertThat(oneLine(catchThrowable(() -> LabelledTexts.readTsv(empty)))).contains("line 3: the text after label \"ham\" is empty");
        Path classes = Files.createDirectories(dir.resolve("per-class"));
        Files.createDirectories(classes.resolve("spam"));
        Files.writeString(classes.resolve("spam/1.txt"), "buy now");
        Files.createDirectories(classes.resolve("ham"));
        Files.writeString(classes.resolve("ham/1.txt"), " ");
        assertThat(oneLine(catchThrowable(() -> LabelledTexts.load(classes)))).contains("1.txt is empty");
        Files.writeString(classes.resolve("ham/1.txt"), "see you");
        assertThat(LabelledTexts.load(classes).classNames()).containsExactly("ham", "spam");

        ClassifyRequest wrongTargets = new ClassifyRequest(model, TinyEncoders.letters(4, 1), out, LoraSettings.of(2, 4), List.of("q_proj"),
                EncoderPooling.MEAN, 2, 2, 1e-3, 0, 0, 0.3, 1, 0, false, null);
        assertThat(oneLine(catchThrowable(() -> run(wrongTargets)))).contains("target modules [q_proj] match none");
        assertThat(oneLine(catchThrowable(() -> ClassifierFineTuning.run(request(TinyEncoders.letters(4, 1), out, 2, null, false),
                text -> new int[] {1, 60, 2}, FineTuneListener.NONE)))).contains("the tokenizer gives id 60");
        assertThat(oneLine(catchThrowable(() -> EncoderPooling.parse("max")))).contains("use mean or cls");
    }
}
