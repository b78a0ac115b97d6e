package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * Quantized ONNX encoders read back into the JVM runtime: MatMulNBits codes as frozen {@link QuantizedWeight}s, SVDQuant's
 * input scale, the float branches, and GatherBlockQuantized embeddings, giving the hidden states ONNX Runtime computes on
 * the same file.
 */
class QuantizedBertOnnxTest {
    private static final List<String> SENTENCES = List.of("The quantized model still answers.", "Congress shall assemble at least once in every year.",
            "Outliers move into the weights, and the branch takes them.");
    @TempDir
    static Path dir;
    static Path model, calib;
    static HfTokenizer tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyBertOnnx.write(TinyBertOnnx.random(7), dir.resolve("tiny-bert.onnx"));
        calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(40)));
        tokenizer = HfTokenizer.load(RealModels.miniLmTokenizer());
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private static Path compress(String method, String out) throws Exception {
        CompressionRequest request = CompressionRequest.builder().model(model).tokenizer(RealModels.miniLmTokenizer()).calibration(calib)
                .calibrationSequences(40).method(method).threads(2).out(dir.resolve(out)).force(true).build();
        return Compression.run(request, Listener.NONE).outcome().output();
    }

    @Test
    void theRuntimeComputesWhatOnnxRuntimeComputesOnTheQuantizedFile() throws Exception {
        String[] variants = {"eora:bits=4:group=16:rank=4:embeddings=int8:egroup=16", "svdquant:bits=4:group=16:rank=4",
                "rtn:bits=2:group=16:embeddings=int4:egroup=16", "rtn:bits=8:group=32:scheme=symmetric"};
        EncodedBatch batch = tokenizer.encode(SENTENCES);
        for (String variant : variants) {
            Path file = compress(variant, variant.replace(':', '_').replace('=', '-') + ".onnx");
            OnnxModel graph = OnnxModel.read(file);
            BertModel encoder = BertOnnx.load(graph, Precision.FLOAT32);
            int branches = 0, scaled = 0;
            for (int l = 0; l < encoder.blocks().size(); l++) {
                for (Linear linear : encoder.linears(l)) {
                    assertThat(linear.weight()).as(variant + " " + linear.name()).isInstanceOf(QuantizedWeight.class);
                    QuantizedWeight q = (QuantizedWeight) linear.weight();
                    branches += q.branch() == null ? 0 : 1;
                    scaled += q.inputScale() == null ? 0 : 1;
                }
            }
            assertThat(branches > 0).as(variant + " branches").isEqualTo(variant.contains("rank=4"));
            assertThat(scaled > 0).as(variant + " input scales").isEqualTo(variant.startsWith("svdquant"));

            int b = batch.size(), t = batch.length();
            int[] ids = new int[b * t], mask = new int[b * t], types = new int[b * t];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    ids[i * t + j] = (int) batch.inputIds()[i][j];
                    mask[i * t + j] = (int) batch.attentionMask()[i][j];
                    types[i * t + j] = (int) batch.tokenTypeIds()[i][j];
                }
            }
            Tensor jvm = encoder.forward(ids, types, mask, b, t);
            float[] ort;
            try (EmbeddingRunner runner = EmbeddingRunner.open(graph.toProto().toByteArray(), file, new EmbeddingRunner.Options(1, 8))) {
                ort = runner.runOutputs(batch, Set.of("last_hidden_state")).get("last_hidden_state");
            }
            double max = 0;
            for (int i = 0; i < ort.length; i++) {
                max = Math.max(max, Math.abs(ort[i] - jvm.get(i)));
            }
            System.out.printf("%s: %d branches, %d scaled sites, JVM runtime against ONNX Runtime: max |diff| %.2e%n", variant, branches, scaled, max);
            assertThat(max).as(variant).isLessThan(2e-4);
        }
    }

    @Test
    void nf4WeightsAreRefusedInOneLine() throws Exception {
        Path nf4 = compress("lq-lora:group=16:rank=4", "nf4.onnx");
        assertThatThrownBy(() -> BertOnnx.load(OnnxModel.read(nf4), Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MatMulBnb4").hasMessageContaining("only MatMulNBits weights");
    }
}
