package org.lowrank4j.compress.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.eval.RealModels;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.OperatorSetIdProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorShapeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TypeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ValueInfoProto;

/** Each mistake is refused in one line naming what to change, before any output is written. */
class PruneInputsTest {

    private static String refusal(CompressionRequest.Builder request) {
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> Compression.run(request.build(), Listener.NONE));
        assertThat(e).isInstanceOf(IllegalArgumentException.class);
        assertThat(e.getMessage()).doesNotContain("\n");
        return e.getMessage();
    }

    private static CompressionRequest.Builder miniLm(String method, Path out) {
        return CompressionRequest.builder().model(RealModels.miniLmModel()).method(method).out(out);
    }

    @Test
    void asManyBlocksAsTheModelHasIsRefused(@TempDir Path dir) {
        Path out = dir.resolve("p.onnx");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=6:order=position", out)))
                .contains("cannot remove 6 of the 6 blocks").contains("at most 4 can go");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=9:order=position", out))).contains("cannot remove 9 of the 6 blocks");
        assertThat(refusal(miniLm("hierarchical-prune:keep=6:order=position", out))).contains("keeps every one of the 6 blocks");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=1:protect=6:order=position", out))).contains("protects every one of the 6 blocks");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void zeroBlocksNoBudgetOrTwoBudgetsAreRefused(@TempDir Path dir) {
        Path out = dir.resolve("p.onnx");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=0", out))).contains("blocks must be at least 1");
        assertThat(refusal(miniLm("hierarchical-prune", out))).contains("give exactly one of blocks=K");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=1", out).ratio(0.3))).contains("give exactly one of blocks=K");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=1:keep=2", out))).contains("not both");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=1:depth=2", out))).contains("depth");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=1", out))).contains("give --tokenizer (and --calib, or the vendored mix is read), or order=position");
        assertThat(refusal(miniLm("hierarchical-prune:blocks=1:order=position", out).embeddings("afm:rank=64")))
                .contains("--embeddings does not combine with hierarchical-prune");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void aGraphWithoutRecognisableBlocksIsRefused(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("mlp.onnx");
        Files.write(model, twoLayerMlp().toByteArray());
        Path out = dir.resolve("p.onnx");
        assertThat(refusal(CompressionRequest.builder().model(model).method("hierarchical-prune:blocks=1:order=position").out(out)))
                .contains("mlp.onnx: cannot recognise its transformer blocks");
        assertThat(Files.exists(out)).isFalse();
    }

    /** x (1, 32) → MatMul → Relu → MatMul → y: linear layers but no attention blocks. */
    private static ModelProto twoLayerMlp() {
        Random random = new Random(1);
        float[] w1 = new float[32 * 32], w2 = new float[32 * 32];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) random.nextGaussian();
            w2[i] = (float) random.nextGaussian();
        }
        GraphProto graph = GraphProto.newBuilder().setName("mlp")
                .addInput(info("x")).addOutput(info("y"))
                .addInitializer(OnnxTensors.fromFloats("w1", new long[] {32, 32}, w1, DataType.FLOAT))
                .addInitializer(OnnxTensors.fromFloats("w2", new long[] {32, 32}, w2, DataType.FLOAT))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("fc1").addInput("x").addInput("w1").addOutput("h"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("h").addOutput("r"))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("fc2").addInput("r").addInput("w2").addOutput("y"))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(graph).build();
    }

    private static ValueInfoProto info(String name) {
        TensorShapeProto shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(32)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    @Test
    void removalOrderProtectsTheEarlyBlocksAndBreaksTiesTowardTheLaterBlock() {
        double[] s = {0.01, 0.5, 0.3, 0.1, 0.1, 0.9};
        assertThat(BlockOrder.removalOrder(6, 2, s, PruneOptions.Order.SENSITIVITY)).containsExactly(4, 3, 2, 5);
        assertThat(BlockOrder.removalOrder(6, 2, s, PruneOptions.Order.POSITION)).containsExactly(5, 4, 3, 2);
        assertThat(BlockOrder.removalOrder(6, 0, s, PruneOptions.Order.SENSITIVITY)).startsWith(0);
        assertThat(PruneOptions.from("hierarchical-prune:blocks=1").protectedBlocks(12)).isEqualTo(4);
        assertThat(List.of(PruneOptions.from("hierarchical-prune:keep=4").removedCount(6, "m"))).containsExactly(2);
    }
}
