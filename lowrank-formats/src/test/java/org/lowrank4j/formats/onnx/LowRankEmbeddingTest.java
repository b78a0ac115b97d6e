package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * The low-rank table rewrite run in ONNX Runtime: {@code Gather(rows, ids) · expansion + offset} against the same
 * gather-then-matmul computed here, and the refusals, each one line.
 */
class LowRankEmbeddingTest {
    private static final int VOCAB = 50, HIDDEN = 24, RANK = 5;
    private static final long[] IDS = {0, 7, 49, 7, 13, 2};

    @TempDir
    Path folder;

    /** E = Gather(table, ids) + 1 (the Add stands for the position rows a real encoder sums in). */
    private static OnnxModel gatherModel(float[] table) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("embed")
                .addInput(SyntheticModels.tensorInfo("input_ids", DataType.INT64, 2, 3))
                .addOutput(SyntheticModels.tensorInfo("E", DataType.FLOAT, 2, 3, HIDDEN))
                .addInitializer(OnnxTensors.fromFloats("word", new long[] {VOCAB, HIDDEN}, table, DataType.FLOAT))
                .addInitializer(OnnxTensors.fromFloats("one", new long[] {1}, new float[] {1f}, DataType.FLOAT))
                .addNode(NodeProto.newBuilder().setName("/embeddings/word_embeddings/Gather").setOpType("Gather")
                        .addInput("word").addInput("input_ids").addOutput("g"))
                .addNode(NodeProto.newBuilder().setName("/embeddings/Add").setOpType("Add").addInput("g").addInput("one").addOutput("E"));
        return OnnxModel.of(SyntheticModels.model(graph));
    }

    private static float[] run(Path file) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(IDS), new long[] {2, 3});
             OrtSession.Result result = session.run(Map.of("input_ids", ids))) {
            FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] out = new float[buffer.remaining()];
            buffer.get(out);
            return out;
        }
    }

    @Test
    void rewrittenGatherComputesGatherThenMatMul() throws Exception {
        float[] rows = SyntheticModels.random(VOCAB * RANK, 1), expansion = SyntheticModels.random(RANK * HIDDEN, 2);
        float[] offset = SyntheticModels.random(HIDDEN, 3);
        for (boolean withOffset : new boolean[] {true, false}) {
            OnnxModel model = gatherModel(SyntheticModels.random(VOCAB * HIDDEN, 4));
            assertThat(LowRankEmbedding.rewrite(model, "word", RANK, rows, expansion, withOffset ? offset : null)).isEqualTo(1);
            assertThat(model.hasInitializer("word")).as("the full table is gone").isFalse();
            assertThat(model.initializerShape("word.lowrank_rows")).containsExactly(VOCAB, RANK);
            Path file = folder.resolve("lowrank-" + withOffset + ".onnx");
            model.write(file);
            float[] got = run(file);
            // reference: gather the row, multiply by the expansion, add the offset, add 1 — in float64
            double maxDiff = 0;
            for (int t = 0; t < IDS.length; t++) {
                int id = (int) IDS[t];
                for (int j = 0; j < HIDDEN; j++) {
                    double e = withOffset ? offset[j] : 0;
                    for (int k = 0; k < RANK; k++) {
                        e += rows[id * RANK + k] * (double) expansion[k * HIDDEN + j];
                    }
                    maxDiff = Math.max(maxDiff, Math.abs(e + 1 - got[t * HIDDEN + j]));
                }
            }
            System.out.printf("low-rank Gather (offset %s) vs gather-then-matmul: max |diff| %.2e%n", withOffset, maxDiff);
            assertThat(maxDiff).isLessThan(1e-4);
        }
    }

    @Test
    void refusesRanksShapesAndOtherReaders() {
        OnnxModel model = gatherModel(SyntheticModels.random(VOCAB * HIDDEN, 4));
        float[] expansion = new float[HIDDEN * HIDDEN];
        assertThatThrownBy(() -> LowRankEmbedding.rewrite(model, "word", HIDDEN, new float[VOCAB * HIDDEN], expansion, null))
                .hasMessageContaining("rank must be in [1, 23], got 24").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> LowRankEmbedding.rewrite(model, "word", RANK, new float[3], new float[RANK * HIDDEN], null))
                .hasMessageContaining("takes 50x5 rows").hasMessageNotContaining("\n");
        float[] bad = new float[VOCAB * RANK];
        bad[9] = Float.NaN;
        assertThatThrownBy(() -> LowRankEmbedding.rewrite(model, "word", RANK, bad, new float[RANK * HIDDEN], null))
                .hasMessageContaining("non-finite value NaN at index 9");
        assertThatThrownBy(() -> LowRankEmbedding.rewrite(model, "missing", RANK, bad, new float[RANK * HIDDEN], null))
                .hasMessageContaining("'missing' is not an initializer");
        OnnxModel shared = gatherModel(SyntheticModels.random(VOCAB * HIDDEN, 4));
        shared.addNode(NodeProto.newBuilder().setName("tied_head").setOpType("MatMul").addInput("E").addInput("word").addOutput("logits").build());
        assertThatThrownBy(() -> LowRankEmbedding.rewrite(shared, "word", RANK, new float[VOCAB * RANK], new float[RANK * HIDDEN], null))
                .hasMessageContaining("also read by MatMul node 'tied_head'");
        assertThat(shared.hasInitializer("word")).as("a refused rewrite leaves the model alone").isTrue();
    }
}
