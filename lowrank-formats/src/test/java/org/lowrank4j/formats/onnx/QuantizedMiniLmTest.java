package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

/**
 * The real all-MiniLM-L6-v2 with quantized operators against the same model with the dequantized weights written
 * back in float ("fake quantization"): both must give the same outputs in ONNX Runtime.
 */
class QuantizedMiniLmTest {

    @TempDir
    Path folder;

    @Test
    void everyLinearSiteAsFourBitMatMulNBits() throws Exception {
        OnnxModel quantized = OnnxModel.read(TestModels.minilm());
        OnnxModel fake = OnnxModel.read(TestModels.minilm());
        QuantizationFormat format = QuantizationFormat.asymmetric(4, 32);
        long bytes = 0;
        int sites = 0;
        for (LinearSite site : quantized.linearSites()) {
            QuantizedMatrix weight = RoundToNearest.quantize(QuantizedRewriteTest.outByIn(quantized, site), format);
            bytes += weight.bytes();
            QuantizedRewrite.toMatMulNBits(quantized, site, weight);
            fake.putInitializer(site.initializer(), new long[] {site.inFeatures(), site.outFeatures()},
                    weight.dequantize().transpose().copy().data(), DataType.FLOAT);
            sites++;
        }
        assertThat(sites).isEqualTo(36);
        assertThat(quantized.nodes().stream().filter(n -> n.getOpType().equals("MatMulNBits")).count()).isEqualTo(36);
        assertThat(quantized.linearSites()).isEmpty();
        compare(quantized, fake, format + " MatMulNBits at all 36 sites (" + bytes + " bytes of weights)", 2e-4);
    }

    @Test
    void wordEmbeddingsAsGatherBlockQuantized() throws Exception {
        for (QuantizationFormat format : new QuantizationFormat[] {
                QuantizationFormat.symmetric(8, 128), QuantizationFormat.asymmetric(4, 32)}) {
            OnnxModel quantized = OnnxModel.read(TestModels.minilm());
            OnnxModel fake = OnnxModel.read(TestModels.minilm());
            String table = largestGatherTable(quantized);
            long[] shape = quantized.initializerShape(table);
            assertThat(shape).containsExactly(30522, 384);
            FloatMatrix rows = FloatMatrix.wrap(quantized.initializerFloats(table), (int) shape[0], (int) shape[1]);
            QuantizedMatrix weight = RoundToNearest.quantize(rows, format);
            assertThat(QuantizedEmbedding.toGatherBlockQuantized(quantized, table, weight)).isEqualTo(1);
            assertThat(quantized.hasInitializer(table)).isFalse();
            fake.putInitializer(table, shape, weight.dequantize().data(), DataType.FLOAT);
            compare(quantized, fake, format + " word embeddings through GatherBlockQuantized (" + weight.bytes()
                    + " bytes, fp32 " + 4 * shape[0] * shape[1] + ")", 1e-5);
        }
    }

    private void compare(OnnxModel quantized, OnnxModel fake, String what, double tolerance) throws Exception {
        Path quantizedFile = folder.resolve("quantized.onnx");
        Path fakeFile = folder.resolve("fake.onnx");
        quantized.write(quantizedFile);
        fake.write(fakeFile);
        float[] original = OrtRunner.run(TestModels.minilm()).get("last_hidden_state");
        float[] expected = OrtRunner.run(fakeFile).get("last_hidden_state");
        float[] actual = OrtRunner.run(quantizedFile).get("last_hidden_state");
        double difference = OrtRunner.maxDifference(expected, actual);
        System.out.printf("MiniLM, %s: max |quantized − fake-quantized| = %.3g; max |quantized − fp32| = %.3g;"
                + " file %.3f× the original%n", what, difference, OrtRunner.maxDifference(original, actual),
                (double) Files.size(quantizedFile) / Files.size(TestModels.minilm()));
        assertThat(difference).isLessThan(tolerance);
    }

    /** The initializer with the most elements that a Gather reads as its data. */
    private static String largestGatherTable(OnnxModel model) {
        String best = null;
        long bestSize = -1;
        for (NodeProto node : model.nodes()) {
            if (node.getOpType().equals("Gather") && model.hasInitializer(node.getInput(0))) {
                long size = OnnxTensors.elementCount(model.initializerShape(node.getInput(0)));
                if (size > bestSize) {
                    best = node.getInput(0);
                    bestSize = size;
                }
            }
        }
        return best;
    }
}
