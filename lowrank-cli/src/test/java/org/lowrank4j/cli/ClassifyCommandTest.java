package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertSafetensors;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;

/** lowrank finetune --task classify on a tiny BERT folder (MiniLM's vocabulary and tokenizer): output and one-line refusals. */
class ClassifyCommandTest {
    @TempDir
    static Path dir;
    static Path model, tokenizer, labels;

    @BeforeAll
    static void fixtures() throws IOException {
        BertModel bert = BertModel.zeros(new BertConfig(30522, 16, 1, 2, 24, 64, 2, 1e-12, MlpActivation.GELU_ERF), Precision.FLOAT32);
        Random random = new Random(1);
        for (Parameter p : bert.parameters()) {
            boolean normWeight = p.name().contains("norm") && p.name().endsWith(".weight");
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, normWeight ? 1 : 0.2 * random.nextGaussian());
            }
        }
        model = dir.resolve("tiny-bert");
        BertSafetensors.save(bert, model);
        try (InputStream in = ClassifyCommandTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            tokenizer = dir.resolve("tokenizer.json");
            Files.copy(in, tokenizer);
        }
        StringBuilder tsv = new StringBuilder("label\ttext\n");
        for (int i = 0; i < 6; i++) {
            tsv.append("spam\twin a free prize number ").append(i).append('\n');
            tsv.append("ham\tthe meeting notes for week ").append(i).append('\n');
        }
        labels = Files.writeString(dir.resolve("labels.tsv"), tsv);
    }

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static String refused(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stdout: %s", r[1]).isEqualTo(2);
        String err = ((String) r[2]).strip();
        assertThat(err).doesNotContain("\n");
        return err;
    }

    @Test
    void classifyPrintsBeforeAndAfterAndWritesTheFolder() {
        Path out = dir.resolve("classifier");
        Object[] r = run("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", out.toString(), "--rank", "2", "--alpha", "4", "--steps", "3", "--batch", "4", "--held-out", "0.34");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat((String) r[1]).contains("frozen encoder + head held-out accuracy").contains("LoRA + head").contains("(4 texts)")
                .contains("classes [spam, ham]");
        assertThat(out.resolve("adapter_config.json")).exists();
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(out.resolve("classifier.json")).exists();
        assertThat(out.resolve("finetune.json")).exists();
        // trained on a safetensors folder: the merge advice names that folder, not "the ONNX encoder it was trained on"
        assertThat(refused("adapter", "merge", "--model", model.toString(), "--adapter", out.toString(), "--out", dir.resolve("merged").toString()))
                .contains("trained for sequence classification").contains("on the encoder folder " + model.toAbsolutePath().normalize())
                .contains("give --model an ONNX export of that encoder").doesNotContain("it was trained on (--model model.onnx)");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", out.toString())).contains("--force");
        Path none = dir.resolve("none-left");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", none.toString(), "--held-out", "0.99")).contains("--held-out 0.99 leaves 0 training and");
        assertThat(none).doesNotExist();
    }

    @Test
    void aVariantOrEveryWeightTrainsFromTheCommandLine() {
        Path sora = dir.resolve("sora"), full = dir.resolve("full");
        Object[] r = run("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", sora.toString(), "--adapter", "sora:rank=2", "--head-start", "zero", "--steps", "2", "--batch", "4",
                "--validation", "0.25");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        // 4 training texts per class before the validation split keep round(0.75 * 4) = 3: one per class validates
        assertThat((String) r[1]).contains("sora + head").contains("frozen encoder + head validation accuracy").contains("(2 texts)")
                .contains("(6 train,");
        assertThat(sora.resolve("classifier.json")).exists();
        r = run("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", full.toString(), "--adapter", "full", "--steps", "2", "--batch", "4");
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        assertThat(full.resolve("model.safetensors")).exists();
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", dir.resolve("lrc").toString(), "--adapter", "lrc")).contains("--adapter lora, full or a variant");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", dir.resolve("typo").toString(), "--adapter", "sora:rank=2", "--targets", "query,qurey"))
                .contains("--targets qurey matches none of the model's linear layers");
        assertThat(dir.resolve("typo")).doesNotExist();
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", dir.resolve("hs").toString(), "--head-start", "middle")).contains("--head-start middle is not known");
        assertThat(refused("finetune", "--model", model.toString(), "--data", labels.toString(), "--out", dir.resolve("lm").toString(),
                "--validation", "0.2")).contains("--validation is for --task classify");
    }

    @Test
    void manyClassesAreListedShortInTheSummary() {
        java.util.List<String> names = java.util.stream.IntStream.range(0, 300).mapToObj(i -> "c" + i).toList();
        assertThat(FinetuneCommand.shortList(names)).isEqualTo("[c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, … 300 in all]");
        assertThat(FinetuneCommand.shortList(names.subList(0, 10))).isEqualTo(names.subList(0, 10).toString());
    }

    @Test
    void badInputIsOneLine() throws IOException {
        Path out = dir.resolve("never");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--labels", labels.toString(), "--out", out.toString()))
                .contains("--task classify needs --labels").contains("--tokenizer");
        assertThat(refused("finetune", "--task", "poems", "--model", model.toString(), "--out", out.toString())).contains("--task poems is not known");
        Path one = Files.writeString(dir.resolve("one.tsv"), "spam\tbuy now\nspam\tbuy later\n");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                one.toString(), "--out", out.toString())).contains("has one class (spam)");
        Path columns = Files.writeString(dir.resolve("columns.tsv"), "text\tlabel\nbuy now\tspam\n");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                columns.toString(), "--out", out.toString())).contains("the header names the columns \"text\" and \"label\"");
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", out.toString(), "--targets", "q_proj")).contains("target modules [q_proj] match none");
        Path byteLevel = CliRun.tinyDecoder(Files.createDirectories(dir.resolve("decoder")), 2, 1).resolve("tokenizer.json"); // 256 ids
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", byteLevel.toString(), "--labels",
                labels.toString(), "--out", out.toString())).contains("does not match model").contains("has 256 token ids")
                .contains("30522 rows");
        assertThat(out).doesNotExist();
        // refused before the frozen encoder's probe is fitted and scored, not when the folder is made after it
        Path tooLong = dir.resolve("x".repeat(300));
        assertThat(refused("finetune", "--task", "classify", "--model", model.toString(), "--tokenizer", tokenizer.toString(), "--labels",
                labels.toString(), "--out", tooLong.toString())).startsWith("lowrank finetune: --out " + tooLong + " cannot be created (");
    }
}
