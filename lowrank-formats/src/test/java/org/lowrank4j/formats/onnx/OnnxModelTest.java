package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

class OnnxModelTest {

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {TestModels.MINILM, TestModels.BGE_SMALL})
    void unchangedModelWrittenBackGivesBitIdenticalOutputs(String resource) throws Exception {
        Path original = TestModels.extract(resource);
        OnnxModel model = OnnxModel.read(original);
        assertThat(model.graphInputNames()).contains("input_ids", "attention_mask");
        Path copy = folder.resolve("copy.onnx");
        model.write(copy);

        Map<String, float[]> expected = OrtRunner.run(original);
        Map<String, float[]> actual = OrtRunner.run(copy);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String output : expected.keySet()) {
            assertThat(actual.get(output)).as(output).isEqualTo(expected.get(output));
        }
        assertThat(OnnxModel.read(copy).toProto()).isEqualTo(model.toProto());
    }

    @Test
    void unknownFieldsSurviveReadAndWrite() throws Exception {
        ModelProto base = SyntheticModels.matMulWithBias(4, 3, SyntheticModels.random(12, 1), DataType.FLOAT);
        UnknownFieldSet modelExtra = UnknownFieldSet.newBuilder()
                .addField(999, UnknownFieldSet.Field.newBuilder().addVarint(42).build())
                .addField(20, UnknownFieldSet.Field.newBuilder() // training_info, not in our schema
                        .addLengthDelimited(ByteString.copyFromUtf8("\n\u0003abc")).build())
                .build();
        UnknownFieldSet nodeExtra = UnknownFieldSet.newBuilder()
                .addField(77, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("note")).build())
                .build();
        ModelProto.Builder withUnknown = base.toBuilder().setUnknownFields(modelExtra);
        withUnknown.getGraphBuilder().getNodeBuilder(0).setUnknownFields(nodeExtra);
        withUnknown.getGraphBuilder().getInitializerBuilder(0).setUnknownFields(nodeExtra);
        Path in = folder.resolve("in.onnx");
        Files.write(in, withUnknown.build().toByteArray());

        Path out = folder.resolve("out.onnx");
        OnnxModel.read(in).write(out);

        ModelProto back = ModelProto.parseFrom(Files.readAllBytes(out));
        assertThat(back.getUnknownFields()).isEqualTo(modelExtra);
        assertThat(back.getGraph().getNode(0).getUnknownFields()).isEqualTo(nodeExtra);
        assertThat(back.getGraph().getInitializer(0).getUnknownFields()).isEqualTo(nodeExtra);
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(in));
    }

    @Test
    void initializersCanBeReadReplacedAddedAndRemoved() throws Exception {
        OnnxModel model = OnnxModel.read(TestModels.minilm());
        assertThat(model.initializerNames()).contains("onnx::MatMul_787", "embeddings.word_embeddings.weight");
        assertThat(model.initializerShape("onnx::MatMul_787")).containsExactly(384, 384);
        float[] weight = model.initializerFloats("onnx::MatMul_787");
        assertThat(weight).hasSize(384 * 384);

        model.putInitializer("extra", new long[] {2, 2}, new float[] {1, 2, 3, 4}, DataType.FLOAT16);
        assertThat(model.initializerType("extra")).isEqualTo(DataType.FLOAT16_VALUE);
        assertThat(model.initializerFloats("extra")).containsExactly(1, 2, 3, 4);
        int position = model.initializerNames().indexOf("onnx::MatMul_787");
        model.putInitializer("onnx::MatMul_787", new long[] {384, 384}, new float[384 * 384], DataType.FLOAT);
        assertThat(model.initializerNames().indexOf("onnx::MatMul_787")).isEqualTo(position);
        assertThat(model.removeInitializer("extra")).isTrue();
        assertThat(model.hasInitializer("extra")).isFalse();
        assertThat(model.isValueUsed("onnx::MatMul_787")).isTrue();
        assertThatThrownBy(() -> model.initializerFloats("missing")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'missing'");
    }

    @Test
    void siteInputsCanBeExposedAsGraphOutputsForCalibration() throws Exception {
        OnnxModel model = OnnxModel.read(TestModels.minilm());
        List<LinearSite> sites = model.linearSites();
        LinearSite down = sites.stream().filter(s -> s.name().equals("block 2 ffn.down")).findFirst().orElseThrow();
        model.addGraphOutput(down.input());
        model.addGraphOutput(down.input()); // twice is harmless
        Path out = folder.resolve("calibration.onnx");
        model.write(out);

        Map<String, float[]> outputs = OrtRunner.run(out);
        assertThat(outputs).containsKey(down.input());
        int tokens = OrtRunner.INPUT_IDS.length * OrtRunner.INPUT_IDS[0].length;
        assertThat(outputs.get(down.input())).hasSize(tokens * down.inFeatures());
        assertThat(outputs.get("last_hidden_state")).isEqualTo(OrtRunner.run(TestModels.minilm())
                .get("last_hidden_state"));
        assertThatThrownBy(() -> model.addGraphOutput("no such value"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such value");
    }

    @Test
    void externalDataIsWrittenAndReadBack() throws Exception {
        OnnxModel model = OnnxModel.read(TestModels.minilm());
        Path out = folder.resolve("split.onnx");
        model.write(out, "split.onnx.data", 1024);

        assertThat(Files.size(out)).isLessThan(1 << 20);
        assertThat(Files.size(folder.resolve("split.onnx.data"))).isGreaterThan(80L << 20);
        ModelProto onDisk = ModelProto.parseFrom(Files.readAllBytes(out));
        TensorProto stored = onDisk.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("onnx::MatMul_787")).findFirst().orElseThrow();
        assertThat(stored.getDataLocation()).isEqualTo(TensorProto.DataLocation.EXTERNAL);
        assertThat(stored.hasRawData()).isFalse();

        OnnxModel back = OnnxModel.read(out);
        for (String name : model.initializerNames()) {
            if (OnnxTensors.isFloatingPoint(model.initializerType(name))) {
                assertThat(back.initializerFloats(name)).as(name).isEqualTo(model.initializerFloats(name));
            } else {
                assertThat(back.initializer(name).getRawData()).isEqualTo(model.initializer(name).getRawData());
            }
        }
        assertThat(OrtRunner.run(out).get("last_hidden_state"))
                .isEqualTo(OrtRunner.run(TestModels.minilm()).get("last_hidden_state"));
        // Writing the external data over the file the model was read from is refused.
        assertThatThrownBy(() -> back.write(folder.resolve("other.onnx"), "split.onnx.data", 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("split.onnx.data");
    }

    @Test
    void externalTensorWithOffsetAndLengthIsLoaded() throws Exception {
        ModelProto base = SyntheticModels.matMulWithBias(2, 2, new float[4], DataType.FLOAT);
        ByteBuffer bytes = ByteBuffer.allocate(8 + 16).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(-1L).putFloat(1.5f).putFloat(-2f).putFloat(3f).putFloat(0.25f);
        Files.write(folder.resolve("weights.bin"), bytes.array());
        ModelProto.Builder builder = base.toBuilder();
        builder.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("8"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("16"));
        Path file = folder.resolve("external.onnx");
        Files.write(file, builder.build().toByteArray());

        assertThat(OnnxModel.read(file).initializerFloats("W")).containsExactly(1.5f, -2f, 3f, 0.25f);

        builder.getGraphBuilder().getInitializerBuilder(0).setExternalData(0,
                StringStringEntryProto.newBuilder().setKey("location").setValue("../escape.bin"));
        Files.write(file, builder.build().toByteArray());
        assertThatThrownBy(() -> OnnxModel.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the model's folder");
    }

    @Test
    void fileThatIsNotOnnxIsRejectedWithItsName() throws Exception {
        Path text = folder.resolve("notes.txt");
        Files.writeString(text, "this is not a model\n");
        Path garbage = folder.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
        Path empty = folder.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        for (Path bad : List.of(text, garbage, empty)) {
            assertThatThrownBy(() -> OnnxModel.read(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("not an ONNX model: " + bad).hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> OnnxModel.read(folder.resolve("absent.onnx")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such file");
    }

    @Test
    void writingOverTheInputIsRefused() throws Exception {
        Path input = folder.resolve("model.onnx");
        Files.copy(TestModels.minilm(), input);
        OnnxModel model = OnnxModel.read(input);
        Path sameFileOtherSpelling = folder.resolve("sub/../model.onnx");
        Files.createDirectories(folder.resolve("sub"));
        for (Path target : List.of(input, sameFileOtherSpelling)) {
            assertThatThrownBy(() -> model.write(target)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(input.toString()).hasMessageContaining("refusing");
        }
        assertThat(Files.mismatch(input, TestModels.minilm())).isEqualTo(-1L);
        assertThat(leftovers(folder)).isEmpty();
    }

    @Test
    void unwritableOrMissingFolderIsReportedAndLeavesNothingBehind() throws Exception {
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(4, 3, new float[12], DataType.FLOAT));
        Path notAFolder = folder.resolve("plain-file");
        Files.writeString(notAFolder, "x");
        assertThatThrownBy(() -> model.write(notAFolder.resolve("out.onnx")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a folder");
        assertThatThrownBy(() -> model.write(folder.resolve("missing/out.onnx")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");

        Path readOnly = Files.createDirectory(folder.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path unwritable = refusesNewFiles(readOnly) ? readOnly : Path.of("/sys"); // root ignores permissions
            Assumptions.assumeTrue(refusesNewFiles(unwritable), "no folder that refuses new files is available");
            assertThatThrownBy(() -> model.write(unwritable.resolve("out.onnx")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not writable")
                    .hasMessageContaining(unwritable.toString());
            assertThat(leftovers(unwritable)).isEmpty();
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertThat(leftovers(folder)).isEmpty();
    }

    private static boolean refusesNewFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try {
            Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void failedWriteLeavesNoTemporaryFile() throws Exception {
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(4, 3, new float[12], DataType.FLOAT));
        // A data file name that is a folder makes the final rename fail after everything was written.
        Files.createDirectory(folder.resolve("taken"));
        Files.writeString(folder.resolve("taken/keep"), "x");
        assertThatThrownBy(() -> model.write(folder.resolve("out.onnx"), "taken", 0))
                .isInstanceOf(java.io.IOException.class);
        assertThat(leftovers(folder)).isEmpty();
        assertThat(folder.resolve("out.onnx")).doesNotExist();
    }

    private static List<Path> leftovers(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }
}
