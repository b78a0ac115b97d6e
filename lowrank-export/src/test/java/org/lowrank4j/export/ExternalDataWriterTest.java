package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.OperatorSetIdProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Weights streamed to the data file as the graph is built read back as they were: written ones, and those moved out of
 * the graph afterwards; small ones stay in the graph, and every offset is aligned.
 */
class ExternalDataWriterTest {

    @Test
    void streamedAndMovedInitializersReadBackAsWritten(@TempDir Path dir) throws Exception {
        Random random = new Random(1);
        float[] big = new float[40_000], moved = new float[700], small = new float[10];
        for (float[] a : new float[][] {big, moved, small}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
        }
        OnnxModel model = OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(GraphProto.newBuilder().setName("g")).build());
        Files.createDirectories(dir.resolve("onnx"));
        try (ExternalDataWriter sink = ExternalDataWriter.create(dir.resolve("onnx/data.bin"), "data.bin")) {
            GraphNodes g = new GraphNodes(model, sink);
            g.floats("small", new long[] {10}, small); // under the minimum: stays in the graph
            g.floats("big", new long[] {200, 200}, big);
            model.putInitializer("moved", new long[] {7, 100}, moved, DataType.FLOAT); // as the quantized rewrite adds them
            sink.externalize(model, GraphNodes.EXTERNAL_MIN_BYTES);
            assertThatThrownBy(() -> sink.floats("bad", new long[] {3}, new float[2])).hasMessageContaining("shape needs 3 values, got 2");
        }
        for (String name : new String[] {"big", "moved"}) {
            TensorProto t = model.initializer(name);
            assertThat(t.getDataLocation()).isEqualTo(TensorProto.DataLocation.EXTERNAL);
            assertThat(Long.parseLong(t.getExternalData(1).getValue()) % 64).isZero();
        }
        assertThat(model.initializer("small").hasRawData()).isTrue();
        model.write(dir.resolve("onnx/model.onnx"));
        OnnxModel read = OnnxModel.read(dir.resolve("onnx/model.onnx")); // copies external data back inline
        assertThat(OnnxTensors.toFloats(read.initializer("big"))).containsExactly(big);
        assertThat(OnnxTensors.toFloats(read.initializer("moved"))).containsExactly(moved);
        assertThat(OnnxTensors.toFloats(read.initializer("small"))).containsExactly(small);
        assertThat(Files.size(dir.resolve("onnx/model.onnx"))).isLessThan(1_000);
    }
}
