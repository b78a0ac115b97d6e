package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.recover.DistillOptions;
import org.lowrank4j.compress.recover.Distiller;
import org.lowrank4j.compress.recover.OnnxRecovery;
import org.lowrank4j.compress.recover.SentenceBatches;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
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
                "rtn:bits=2:group=16:embeddings=int4:egroup=16", "rtn:bits=8:group=32:scheme=symmetric", "eora:bits=4:group=16:rank=16:branch=int8",
                "svdquant:bits=4:group=16:rank=16:branch=int4"};
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
            assertThat(branches > 0).as(variant + " branches").isEqualTo(variant.contains("rank="));
            assertThat(scaled > 0).as(variant + " input scales").isEqualTo(variant.startsWith("svdquant"));

            double max = maxDifference(file, encoder);
            System.out.printf("%s: %d branches, %d scaled sites, JVM runtime against ONNX Runtime: max |diff| %.2e%n", variant, branches, scaled, max);
            assertThat(max).as(variant).isLessThan(2e-4);
        }
    }

    @Test
    void recoveryTrainsTheBranchesAndWritesTheSameQuantizedGraphBack() throws Exception {
        Path quantized = compress("svdquant:bits=2:group=16:rank=4:embeddings=int8:egroup=16", "to-recover.onnx");
        OnnxRecovery.Models models = OnnxRecovery.load(model, quantized, Precision.FLOAT32);
        Distiller distiller = Distiller.encoder(models.teacher(), models.student(),
                DistillOptions.builder().steps(4).batchSize(2).warmupFraction(0).learningRate(1e-3).build());
        List<Parameter> trained = distiller.trainableParameters();
        assertThat(distiller.factorPairs()).hasSize(12);
        assertThat(trained).allMatch(p -> p.name().endsWith(".A") || p.name().endsWith(".B") || p.value().rank() == 1);
        try (HfTokenizer small = HfTokenizer.load(RealModels.miniLmTokenizer(), 24)) {
            distiller.run(new SentenceBatches(TextCorpus.calibration().first(16), small, 2, 3), Progress.NONE);
        }
        Path out = dir.resolve("recovered.onnx");
        OnnxRecovery.write(models, trained, out);

        OnnxModel before = OnnxModel.read(quantized), after = OnnxModel.read(out);
        assertThat(after.initializerNames()).containsExactlyInAnyOrderElementsOf(before.initializerNames());
        int codes = 0, branches = 0;
        for (String name : before.initializerNames()) {
            boolean same = before.initializer(name).equals(after.initializer(name));
            if (name.endsWith(".quantized") || name.endsWith(".scales") || name.endsWith(".input_scale") || name.endsWith(".zero_points")) {
                assertThat(same).as(name + " is part of the frozen quantized base").isTrue();
                codes++;
            } else if (name.endsWith(".branch_first") || name.endsWith(".branch_second")) {
                branches += same ? 0 : 1;
            }
        }
        assertThat(codes).isGreaterThan(24);
        assertThat(branches).as("branch initializers trained").isEqualTo(24);
        assertThat(after.nodes()).hasSameSizeAs(before.nodes());
        // ONNX Runtime on the written file computes what the trained runtime student computes
        assertThat(maxDifference(out, models.student())).isLessThan(1e-4);
        BertModel reread = BertOnnx.load(after, Precision.FLOAT32);
        assertThat(reread.linears(0).get(0).weight()).isInstanceOf(QuantizedWeight.class);
    }

    /** ONNX Runtime's last hidden states on {@code file} against the runtime encoder's, over the real tokens of SENTENCES. */
    private static double maxDifference(Path file, BertModel encoder) {
        return EncoderRuntimeRowsTest.maxDifference(file, encoder, tokenizer, SENTENCES);
    }

    @Test
    void aBranchInCodesIsNotRecoveredButRefusedInOneLine() throws Exception {
        Path quantized = compress("eora:bits=4:group=16:rank=16:branch=int8", "codes-branch.onnx");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OnnxRecovery.load(model, quantized, Precision.FLOAT32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stores its low-rank branches in codes")
                .hasMessageContaining("recover the model written without the branch option");
    }

    @Test
    void nf4WeightsAreRefusedInOneLine() throws Exception {
        Path nf4 = compress("lq-lora:group=16:rank=4", "nf4.onnx");
        assertThatThrownBy(() -> BertOnnx.load(OnnxModel.read(nf4), Precision.FLOAT32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MatMulBnb4").hasMessageContaining("only MatMulNBits weights");
    }
}
