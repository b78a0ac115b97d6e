package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.classify.ClassifierFineTuning;
import org.lowrank4j.adapt.classify.ClassifierFolder;
import org.lowrank4j.adapt.classify.ClassifyOutcome;
import org.lowrank4j.adapt.classify.ClassifyRequest;
import org.lowrank4j.adapt.classify.EncoderPooling;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.ops.OnnxEncoderMerge;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.compress.eval.EmbeddingMetrics;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LabelledTexts;

/**
 * LoRA adapters and ONNX encoders (tiny BERT graph, MiniLM's tokenizer): an adapter merged into model.onnx gives a
 * plain graph whose embeddings, in ONNX Runtime and in langchain4j, equal the JVM encoder's with the adapter running
 * unmerged; a classifier fine-tuned on the ONNX encoder writes a folder that merges the same way.
 */
class AdapterOnnxMergeRuntimeTest {
    private static final List<String> SENTENCES = List.of("The adapter folds into the weights.", "Congress shall assemble at least once.",
            "A plain graph loads anywhere.");
    @TempDir
    static Path dir;
    static Path model;
    static HfTokenizer tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyBertOnnx.write(TinyBertOnnx.random(5), dir.resolve("tiny-bert.onnx"));
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    /** A random adapter (B non-zero) on every projection of the tiny encoder, written as a PEFT folder. */
    private static Path randomAdapter(String name, double scale) throws Exception {
        BertModel base = BertOnnx.load(model, Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.bert(base), 0);
        List<String> targets = List.of("query", "value", "intermediate.dense", "output.dense");
        lora.addAdapter("default", TargetModules.names(targets), m -> LoraSettings.of(4, 8), new Random(3));
        Random random = new Random(4);
        for (LoraAdapter a : lora.adapter("default").values()) {
            Tensor b = a.b().value();
            for (int i = 0; i < b.size(); i++) {
                b.set(i, scale < 1 ? scale * random.nextGaussian() : scale); // a huge scale: every B entry that large, A set to 1
            }
            if (scale >= 1) {
                a.a().value().fill(1);
            }
        }
        Path folder = dir.resolve(name);
        PeftFolder.write(folder, PeftFolder.capture(lora, "default", PeftConfig.lora(LoraSettings.of(4, 8), targets, null, "FEATURE_EXTRACTION")));
        return folder;
    }

    /** Mean-pooled, L2-normalised embeddings of the JVM encoder with the adapter folder running unmerged. */
    private static float[][] jvmEmbeddings(Path adapter) throws Exception {
        BertModel encoder = BertOnnx.load(model, Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), 0);
        PeftFolder.apply(PeftFolder.read(adapter), lora, "default", Precision.FLOAT32);
        EncodedBatch batch = tokenizer.encode(SENTENCES);
        int b = batch.size(), t = batch.length();
        int[] ids = new int[b * t], mask = new int[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = (int) batch.inputIds()[i][j];
                mask[i * t + j] = (int) batch.attentionMask()[i][j];
            }
        }
        Tensor pooled = EncoderPooling.MEAN.forward(encoder.forward(ids, null, mask, b, t), mask, b, t);
        int c = pooled.dim(1);
        float[][] out = new float[b][c];
        for (int i = 0; i < b; i++) {
            double norm = 0;
            for (int j = 0; j < c; j++) {
                norm += pooled.get(i * c + j) * pooled.get(i * c + j);
            }
            for (int j = 0; j < c; j++) {
                out[i][j] = (float) (pooled.get(i * c + j) / Math.sqrt(norm));
            }
        }
        return out;
    }

    private static double maxDifference(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    @Test
    void mergedOnnxMatchesTheJvmEncoderWithTheAdapterAndLoadsInLangchain4j() throws Exception {
        Path adapter = randomAdapter("random-adapter", 0.05);
        Path merged = dir.resolve("merged.onnx");
        OnnxEncoderMerge.Merged m = OnnxEncoderMerge.mergeInto(model, adapter, merged);
        assertThat(m.initializers()).as("output.dense also matches attention.output.dense, as in PEFT: 5 per block").hasSize(10);

        float[][] jvm = jvmEmbeddings(adapter);
        float[][] ort;
        float[][] original;
        try (EmbeddingRunner runner = EmbeddingRunner.open(merged); EmbeddingRunner base = EmbeddingRunner.open(model)) {
            ort = runner.embed(tokenizer, SENTENCES, Pooling.MEAN, true);
            original = base.embed(tokenizer, SENTENCES, Pooling.MEAN, true);
        }
        float[][] langchain = new float[SENTENCES.size()][];
        OnnxEmbeddingModel embedder = new OnnxEmbeddingModel(merged, RealModels.miniLmTokenizer(), PoolingMode.MEAN);
        for (int i = 0; i < SENTENCES.size(); i++) {
            langchain[i] = embedder.embed(SENTENCES.get(i)).content().vector();
        }
        double ortVsJvm = maxDifference(ort, jvm), langchainVsJvm = maxDifference(langchain, jvm), changed = maxDifference(original, jvm);
        System.out.printf("merged ONNX vs JVM unmerged adapter: ORT max |diff| %.2e, langchain4j %.2e (the adapter moves embeddings by %.2e)%n",
                ortVsJvm, langchainVsJvm, changed);
        assertThat(changed).as("the adapter changes the embeddings, so agreement means something").isGreaterThan(1e-2);
        assertThat(ortVsJvm).isLessThan(1e-5);
        assertThat(langchainVsJvm).isLessThan(1e-5);
    }

    @Test
    void aNonFiniteMergeIsRefusedAndWritesNothing() throws Exception {
        Path adapter = randomAdapter("huge-adapter", 3e38);
        Path out = dir.resolve("never.onnx");
        assertThatThrownBy(() -> OnnxEncoderMerge.mergeInto(model, adapter, out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(out).doesNotExist();
    }

    @Test
    void aClassifierFineTunedOnTheOnnxEncoderMergesIntoIt() throws Exception {
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        String[] spam = {"win money now", "free prize claim today", "cheap pills online", "claim your free money", "win a free prize now",
            "cheap money fast online"};
        String[] ham = {"meeting notes attached", "see you at lunch", "the report is attached", "lunch meeting moved", "notes from the report",
            "see the attached notes"};
        for (int i = 0; i < spam.length; i++) {
            texts.add(spam[i]);
            labels.add(0);
            texts.add(ham[i]);
            labels.add(1);
        }
        LabelledTexts data = new LabelledTexts(texts, labels.stream().mapToInt(Integer::intValue).toArray(), List.of("spam", "ham"), "test");
        Path out = dir.resolve("classifier");
        ClassifyOutcome o = ClassifierFineTuning.run(new ClassifyRequest(model, data, out, new LoraSettings(4, 8, 0, false),
                List.of("query", "value"), EncoderPooling.MEAN, 6, 4, 5e-3, 1, 0, 0.25, 7, 0, false, null),
                text -> java.util.Arrays.stream(tokenizer.ids(text)).mapToInt(Math::toIntExact).toArray(), FineTuneListener.NONE);
        assertThat(o.testCount()).as("a quarter of 6 per class rounds to 1").isEqualTo(2);
        assertThat(ClassifierFolder.read(out).classNames()).containsExactly("spam", "ham");
        Path merged = dir.resolve("classifier-merged.onnx");
        OnnxEncoderMerge.mergeInto(model, out, merged); // the head (modules_to_save) is skipped
        float[] v = new OnnxEmbeddingModel(merged, RealModels.miniLmTokenizer(), PoolingMode.MEAN).embed(texts.get(0)).content().vector();
        float[] jvm = jvmEmbeddingsOf(out, texts.get(0));
        assertThat(EmbeddingMetrics.cosine(v, jvm)).isGreaterThan(1 - 1e-6);
    }

    private static float[] jvmEmbeddingsOf(Path adapter, String text) throws Exception {
        BertModel encoder = BertOnnx.load(model, Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), 0);
        PeftFolder.apply(PeftFolder.read(adapter), lora, "default", Precision.FLOAT32);
        int[] ids = java.util.Arrays.stream(tokenizer.ids(text)).mapToInt(Math::toIntExact).toArray();
        int[] mask = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        Tensor pooled = EncoderPooling.MEAN.forward(encoder.forward(ids, null, mask, 1, ids.length), mask, 1, ids.length);
        float[] out = new float[pooled.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) pooled.get(i);
        }
        return out;
    }
}
