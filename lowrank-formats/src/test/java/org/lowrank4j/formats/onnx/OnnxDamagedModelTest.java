package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/** A damaged model is refused when it is read, with one line naming the file and the tensor. */
class OnnxDamagedModelTest {
    @TempDir
    Path folder;

    private static ModelProto.Builder linear(DataType type) {
        return SyntheticModels.matMulWithBias(4, 3, SyntheticModels.random(12, 1), type).toBuilder();
    }

    private Path write(ModelProto.Builder model) throws IOException {
        return Files.write(folder.resolve("model.onnx"), model.build().toByteArray());
    }

    private static void assertRefused(Path file, String... fragments) {
        assertThatThrownBy(() -> OnnxModel.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(fragments)
                .hasMessageNotContaining("\n");
    }

    @Test
    void nanInAFloatWeightIsRefusedAtLoad() throws IOException {
        float[] weight = SyntheticModels.random(12, 1);
        weight[5] = Float.NaN;
        ModelProto.Builder model = linear(DataType.FLOAT);
        model.getGraphBuilder().setInitializer(0, OnnxTensors.fromFloats("W", new long[] {4, 3}, weight, DataType.FLOAT));
        assertRefused(write(model), "tensor 'W'", "non-finite values (first at index 5)", "damaged");
    }

    @Test
    void infinityInAHalfWeightIsRefusedAtLoad() throws IOException {
        float[] weight = SyntheticModels.random(12, 1);
        weight[11] = Float.POSITIVE_INFINITY;
        ModelProto.Builder model = linear(DataType.FLOAT16);
        model.getGraphBuilder().setInitializer(0, OnnxTensors.fromFloats("W", new long[] {4, 3}, weight,
                DataType.FLOAT16));
        assertRefused(write(model), "tensor 'W'", "first at index 11");
    }

    @Test
    void negativeInfinityInBfloat16AndInTypedFloatDataIsRefused() throws IOException {
        ModelProto.Builder model = linear(DataType.FLOAT);
        float[] bias = {1, Float.NEGATIVE_INFINITY, 2};
        model.getGraphBuilder().setInitializer(1, OnnxTensors.fromFloats("b", new long[] {3}, bias, DataType.BFLOAT16));
        assertRefused(write(model), "tensor 'b'", "first at index 1");

        TensorProto.Builder typed = TensorProto.newBuilder().setName("b").setDataType(DataType.FLOAT_VALUE).addDims(3)
                .addFloatData(0).addFloatData(0).addFloatData(Float.NaN);
        model.getGraphBuilder().setInitializer(1, typed);
        assertRefused(write(model), "tensor 'b'", "first at index 2");
    }

    @Test
    void nanInExternalDataIsRefusedAtLoad() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 12; i++) {
            data.putFloat(i == 7 ? Float.NaN : i);
        }
        Files.write(folder.resolve("weights.bin"), data.array());
        ModelProto.Builder model = linear(DataType.FLOAT);
        model.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", "weights.bin"));
        assertRefused(write(model), "tensor 'W'", "first at index 7");
    }

    @Test
    void aScalarInfinityIsAMaskFillValueAndLoads() throws IOException {
        ModelProto.Builder model = linear(DataType.FLOAT);
        model.getGraphBuilder().addInitializer(OnnxTensors.fromFloats("mask_fill", new long[] {},
                new float[] {Float.NEGATIVE_INFINITY}, DataType.FLOAT));
        OnnxModel read = OnnxModel.read(write(model));
        assertThat(read.initializerFloats("mask_fill")).containsExactly(Float.NEGATIVE_INFINITY);

        model.getGraphBuilder().setInitializer(2, OnnxTensors.fromFloats("mask_fill", new long[] {},
                new float[] {Float.NaN}, DataType.FLOAT));
        assertRefused(write(model), "tensor 'mask_fill'", "first at index 0");
    }

    @Test
    void dataShorterThanTheShapeIsRefusedAtLoad() throws IOException {
        ModelProto.Builder model = linear(DataType.FLOAT);
        model.getGraphBuilder().getInitializerBuilder(0).setRawData(ByteString.copyFrom(new byte[40]));
        assertRefused(write(model), "tensor 'W'", "needs 48 bytes", "has 40");
    }

    @Test
    void shapesThatCannotBeAreRefusedAtLoad() throws IOException {
        ModelProto.Builder model = linear(DataType.FLOAT);
        model.getGraphBuilder().getInitializerBuilder(0).clearDims().addDims(4).addDims(-3);
        assertRefused(write(model), "tensor 'W'", "negative dimension -3");
        model.getGraphBuilder().getInitializerBuilder(0).clearDims().addDims(1L << 40).addDims(1L << 40);
        assertRefused(write(model), "tensor 'W'", "more elements than fit in a long");
    }

    @Test
    void externalRangesThatOverflowOrAreNegativeAreRefused() throws IOException {
        Files.write(folder.resolve("weights.bin"), new byte[64]);
        ModelProto.Builder model = linear(DataType.FLOAT);
        TensorProto.Builder weight = model.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", "weights.bin"))
                .addExternalData(entry("offset", Long.toString(Long.MAX_VALUE - 4)))
                .addExternalData(entry("length", "48"));
        assertRefused(write(model), "tensor 'W'", "beyond the end of weights.bin");
        weight.setExternalData(1, entry("offset", "8")).setExternalData(2, entry("length", Long.toString(Long.MAX_VALUE)));
        assertRefused(write(model), "tensor 'W'", "run past the end of weights.bin");
        weight.setExternalData(2, entry("length", "-48"));
        assertRefused(write(model), "tensor 'W'", "negative external length");
    }

    @Test
    void externalLocationsThatAreNotFilesInTheFolderAreRefused() throws IOException {
        Files.createDirectories(folder.resolve("sub"));
        Path outside = Files.write(folder.getParent().resolve(folder.getFileName() + "-outside.bin"), new byte[48]);
        Files.createSymbolicLink(folder.resolve("link.bin"), outside);
        ModelProto.Builder model = linear(DataType.FLOAT);
        TensorProto.Builder weight = model.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", "sub"));
        try {
            assertRefused(write(model), "tensor 'W'", "is not a regular file");
            weight.setExternalData(0, entry("location", "link.bin"));
            assertRefused(write(model), "tensor 'W'", "link to outside the model's folder");
            weight.setExternalData(0, entry("location", "bad\u0000name"));
            assertRefused(write(model), "tensor 'W'", "not a valid file name", "bad\\u0000name");
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
