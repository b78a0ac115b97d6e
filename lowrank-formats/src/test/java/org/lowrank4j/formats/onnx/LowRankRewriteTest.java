package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

class LowRankRewriteTest {

    @TempDir
    Path folder;

    @Test
    void exactFactorisationOfEverySiteKeepsMiniLmOutputs() throws Exception {
        OnnxModel model = OnnxModel.read(TestModels.minilm());
        List<LinearSite> sites = model.linearSites();
        for (LinearSite site : sites) {
            int in = site.inFeatures();
            int out = site.outFeatures();
            float[] weight = model.weight(site);
            if (in <= out) { // W = I · W
                model.replaceWithLowRank(site, in, identity(in), weight);
            } else { // W = W · I
                model.replaceWithLowRank(site, out, weight, identity(out));
            }
        }
        for (LinearSite site : sites) {
            assertThat(model.hasInitializer(site.initializer())).as("old weight removed").isFalse();
            assertThat(model.hasInitializer(site.initializer() + ".lowrank_first")).isTrue();
            assertThat(model.hasInitializer(site.initializer() + ".lowrank_second")).isTrue();
        }
        assertThat(model.nodes().stream().filter(n -> n.getOpType().equals("MatMul")).count()).isEqualTo(48 + 36);
        assertThat(model.nodes()).extracting(NodeProto::getName)
                .contains("/encoder/layer.3/attention/self/query/MatMul/lowrank_first",
                        "/encoder/layer.3/attention/self/query/MatMul/lowrank_second");
        Path out = folder.resolve("factored.onnx");
        model.write(out);

        float[] expected = OrtRunner.run(TestModels.minilm()).get("last_hidden_state");
        float[] actual = OrtRunner.run(out).get("last_hidden_state");
        double difference = OrtRunner.maxDifference(expected, actual);
        System.out.println("MiniLM, every site as an exact factor pair: max |difference| = " + difference);
        assertThat(difference).isLessThan(1e-4);
        assertThat(OnnxModel.read(out).linearSites()).hasSize(72); // each site is now two MatMuls
    }

    @Test
    void plantedLowRankGemmWithTransposedWeightAndBias() throws Exception {
        int in = 24;
        int out = 40;
        int rank = 4;
        float[] first = SyntheticModels.random(in * rank, 3);
        float[] second = SyntheticModels.random(rank * out, 4);
        float[] weight = SyntheticModels.multiply(first, second, in, rank, out); // in×out
        float[] stored = LowRankRewrite.transpose(weight, in, out); // Gemm with transB stores out×in
        ModelProto original = SyntheticModels.gemmTransposed(in, out, stored);
        OnnxModel model = OnnxModel.of(original);
        LinearSite site = model.linearSites().get(0);
        assertThat(model.weight(site)).isEqualTo(weight);

        model.replaceWithLowRank(site, rank, first, second);
        assertThat(model.initializerShape("B.lowrank_first")).containsExactly(in, rank);
        assertThat(model.initializerShape("B.lowrank_second")).containsExactly(out, rank); // kept transposed
        assertThat(model.hasInitializer("B")).isFalse();
        assertThat(model.hasInitializer("C")).isTrue();
        NodeProto gemm = model.nodes().get(1);
        assertThat(gemm.getOpType()).isEqualTo("Gemm");
        assertThat(gemm.getInputList()).containsExactly("head/lowrank_first_output_0", "B.lowrank_second", "C");
        assertThat(gemm.getAttributeCount()).isEqualTo(2);

        Path before = folder.resolve("gemm.onnx");
        OnnxModel.of(original).write(before);
        Path after = folder.resolve("gemm-lr.onnx");
        model.write(after);
        float[] x = SyntheticModels.random(3 * in, 5);
        double difference = OrtRunner.maxDifference(runSingleInput(before, x, in), runSingleInput(after, x, in));
        System.out.println("planted rank-4 Gemm: max |difference| = " + difference);
        assertThat(difference).isLessThan(1e-4);
    }

    @Test
    void halfPrecisionSiteGetsHalfPrecisionFactors() throws Exception {
        int in = 32;
        int out = 48;
        float[] weight = SyntheticModels.random(in * out, 9);
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(in, out, weight, DataType.FLOAT16));
        LinearSite site = model.linearSites().get(0);
        assertThat(site.dataType()).isEqualTo(DataType.FLOAT16);
        float[] first = SyntheticModels.random(in * 2, 10);
        float[] second = SyntheticModels.random(2 * out, 11);
        model.replaceWithLowRank(site, 2, first, second);

        Path file = folder.resolve("half.onnx");
        model.write(file);
        OnnxModel back = OnnxModel.read(file);
        assertThat(back.initializerType("W.lowrank_first")).isEqualTo(DataType.FLOAT16_VALUE);
        assertThat(back.initializerType("W.lowrank_second")).isEqualTo(DataType.FLOAT16_VALUE);
        assertThat(back.initializer("W.lowrank_first").getRawData().size()).isEqualTo(in * 2 * 2);
        float[] stored = back.initializerFloats("W.lowrank_first");
        for (int i = 0; i < first.length; i++) {
            assertThat(stored[i]).isEqualTo(OnnxTensors.halfToFloat(OnnxTensors.floatToHalf(first[i])));
            assertThat(Math.abs(stored[i] - first[i])).isLessThanOrEqualTo(Math.ulp(first[i]) * 8192 + 1e-7f);
        }
        assertThat(back.nodes()).extracting(NodeProto::getOpType).containsExactly("MatMul", "MatMul", "Add");
        assertThat(back.toProto()).isEqualTo(model.toProto());
    }

    @Test
    void wrongSizesNonFiniteValuesAndStaleSitesAreRejected() {
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(32, 48, new float[32 * 48], DataType.FLOAT));
        LinearSite site = model.linearSites().get(0);
        assertThatThrownBy(() -> model.replaceWithLowRank(site, 2, new float[10], new float[96]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32×2").hasMessageContaining("2×48");
        float[] bad = new float[64];
        bad[5] = Float.NaN;
        assertThatThrownBy(() -> model.replaceWithLowRank(site, 2, bad, new float[96]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-finite");
        model.replaceWithLowRank(site, 2, new float[64], new float[96]);
        assertThatThrownBy(() -> model.replaceWithLowRank(site, 2, new float[64], new float[96]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already rewritten");
    }

    private static float[] identity(int n) {
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) {
            eye[i * n + i] = 1;
        }
        return eye;
    }

    private static float[] runSingleInput(Path model, float[] x, int in) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString());
                OnnxTensor input = OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x),
                        new long[] {x.length / in, in});
                OrtSession.Result result = session.run(Map.of("X", input))) {
            java.nio.FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] y = new float[buffer.remaining()];
            buffer.get(y);
            return y;
        }
    }
}
