package org.lowrank4j.formats.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.lowrank4j.formats.io.ByteMutations;
import org.lowrank4j.formats.io.ByteMutations.Mutation;
import org.lowrank4j.formats.io.ReaderOutcome;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.StringStringEntryProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Property-based fuzzing of the ONNX reader and of what every command does right after reading (finding the
 * linear sites, decoding their weights): random bytes, valid models with random damage, initializers whose shape,
 * type, data and external references take extreme values, and random graphs.
 */
class OnnxFuzzTest {
    private static Path dir;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeContainer
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("onnx-fuzz");
        Files.write(dir.resolve("weights.bin"), new byte[256]);
        Files.createDirectories(dir.resolve("sub"));
    }

    @AfterContainer
    static void deleteFolder() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static ModelProto baseModel(int which) {
        return switch (which) {
            case 0 -> SyntheticModels.matMulWithBias(16, 24, SyntheticModels.random(16 * 24, 1), DataType.FLOAT);
            case 1 -> SyntheticModels.matMulWithBias(16, 16, SyntheticModels.random(16 * 16, 2), DataType.FLOAT16);
            default -> SyntheticModels.gemmTransposed(16, 20, SyntheticModels.random(16 * 20, 3));
        };
    }

    /** Reads the model, then does what commands do next: find the sites and decode every float weight. */
    private static Object readAndUse(Path file) throws IOException {
        OnnxModel model = OnnxModel.read(file);
        for (LinearSite site : model.linearSites()) {
            model.weight(site);
        }
        for (String name : model.initializerNames()) {
            if (OnnxTensors.isFloatingPoint(model.initializerType(name))) {
                model.initializerFloats(name);
            }
        }
        return model;
    }

    private static void check(byte[] bytes, Object input) throws IOException {
        Path file = Files.write(dir.resolve("fuzz-" + COUNTER.incrementAndGet() + ".onnx"), bytes);
        try {
            ReaderOutcome.check(file.getFileName().toString(), input, () -> readAndUse(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Property(tries = 300, seed = "5711")
    void randomBytes(@ForAll @Size(max = 600) byte[] bytes) throws IOException {
        check(bytes, bytes.length + " random bytes");
    }

    @Property(tries = 500, seed = "5712")
    void validModelWithRandomDamage(@ForAll("models") int which, @ForAll("damage") List<Mutation> mutations)
            throws IOException {
        check(ByteMutations.apply(baseModel(which).toByteArray(), mutations), "model " + which + " " + mutations);
    }

    @Property(tries = 400, seed = "5713")
    void initializerWithExtremeFields(@ForAll("models") int which, @ForAll("tensorEdits") TensorEdit edit)
            throws IOException {
        ModelProto.Builder model = baseModel(which).toBuilder();
        TensorProto.Builder tensor = model.getGraphBuilder().getInitializerBuilder(edit.initializer() % 2);
        edit.applyTo(tensor);
        check(model.build().toByteArray(), "model " + which + " " + edit);
    }

    @Property(tries = 300, seed = "5714")
    void randomGraphs(@ForAll("graphs") List<NodeProto> nodes, @ForAll("models") int which) throws IOException {
        ModelProto.Builder model = baseModel(which).toBuilder();
        GraphProto.Builder graph = model.getGraphBuilder().clearNode();
        nodes.forEach(graph::addNode);
        check(model.build().toByteArray(), "model " + which + " nodes " + nodes);
    }

    @Provide
    Arbitrary<Integer> models() {
        return Arbitraries.integers().between(0, 2);
    }

    @Provide
    Arbitrary<List<Mutation>> damage() {
        return ByteMutations.mutations();
    }

    /** A change to one initializer: its dimensions, element type, data, or an external reference. */
    record TensorEdit(int initializer, List<Long> dims, int dataType, int dataBytes, boolean typedData,
            List<String> external) {
        void applyTo(TensorProto.Builder tensor) {
            if (dims != null) {
                tensor.clearDims().addAllDims(dims);
            }
            if (dataType >= 0) {
                tensor.setDataType(dataType);
            }
            if (dataBytes >= 0) {
                byte[] data = new byte[dataBytes];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) (i * 31 + 7);
                }
                tensor.setRawData(ByteString.copyFrom(data));
            }
            if (typedData) {
                tensor.clearRawData();
                for (int i = 0; i < Math.max(0, dataBytes) / 4; i++) {
                    tensor.addFloatData(i * 0.5f).addInt32Data(i).addDoubleData(i);
                }
            }
            if (external != null) {
                tensor.clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL);
                String[] keys = {"location", "offset", "length"};
                for (int i = 0; i < external.size(); i++) {
                    tensor.addExternalData(StringStringEntryProto.newBuilder().setKey(keys[i % 3])
                            .setValue(external.get(i)));
                }
            }
        }
    }

    @Provide
    Arbitrary<TensorEdit> tensorEdits() {
        Arbitrary<Long> sizes = Arbitraries.oneOf(Arbitraries.longs().between(0, 30), ByteMutations.fieldValue());
        Arbitrary<List<Long>> dims = sizes.list().ofMaxSize(4).injectNull(0.3);
        Arbitrary<Integer> types = Arbitraries.oneOf(Arbitraries.integers().between(-1, 25),
                Arbitraries.of(Integer.MAX_VALUE, Integer.MIN_VALUE, 1000));
        Arbitrary<Integer> dataBytes = Arbitraries.oneOf(Arbitraries.integers().between(-1, 64),
                Arbitraries.of(16 * 24 * 4, 16 * 16 * 2, 16 * 20 * 4, 24 * 4, 1535, 1537));
        Arbitrary<String> externalValues = Arbitraries.oneOf(
                Arbitraries.of("weights.bin", "../weights.bin", "/etc/hostname", "sub", ".", "", "missing.bin",
                        "a\u0000b", "sub/../weights.bin", "weights.bin/x"),
                Arbitraries.of("0", "8", "-1", "256", "257", "9223372036854775807", "-9223372036854775808", "1e3",
                        " 16 ", "x", "4294967296"));
        Arbitrary<List<String>> external = externalValues.list().ofMaxSize(4).injectNull(0.6);
        return Combinators.combine(Arbitraries.integers().between(0, 1), dims, types, dataBytes,
                Arbitraries.of(false, false, true), external).as(TensorEdit::new);
    }

    @Provide
    Arbitrary<List<NodeProto>> graphs() {
        // Mostly products of a value by a weight, so that site detection and naming get exercised.
        Arbitrary<String> ops = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.of("MatMul", "Gemm")),
                Tuple.of(3, Arbitraries.of("Add", "Relu", "Gelu", "Tanh", "Softmax", "Transpose", "Identity",
                        "Constant", "")));
        Arbitrary<String> activations = Arbitraries.of("X", "h0", "h1", "h2", "h3", "Y", "");
        Arbitrary<String> weights = Arbitraries.of("W", "B", "b", "C");
        Arbitrary<List<String>> inputs = Arbitraries.frequencyOf(
                Tuple.of(3, Combinators.combine(activations, weights, Arbitraries.of("b", "C", "", "h1"))
                        .as((x, w, c) -> List.of(x, w, c))),
                Tuple.of(3, Combinators.combine(activations, weights).as((x, w) -> List.of(x, w))),
                Tuple.of(1, Arbitraries.oneOf(activations, weights).list().ofMaxSize(3)));
        Arbitrary<String> values = activations;
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.of("/encoder/layer.0/attention/self/query/MatMul", "/model/layers.3/mlp/down_proj/MatMul",
                        "/model/layers.99999999999/mlp/up_proj/MatMul", "/layers.1/q/q/MatMul", "h.2.attn.c_proj",
                        "/blocks.7/ffn/fc1/Gemm", "", "layer.-1/key"),
                Arbitraries.strings().withChars("/._0123456789layershqkv").ofMaxLength(24));
        Arbitrary<AttributeProto> attributes = Combinators.combine(Arbitraries.of("transA", "transB", "alpha", "axis"),
                Arbitraries.longs().between(-2, 2)).as((name, value) ->
                AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build());
        Arbitrary<NodeProto> node = Combinators.combine(names, ops, inputs,
                values.list().ofMaxSize(2), attributes.list().ofMaxSize(2)).as((name, op, in, outputs, attrs) ->
                NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(in).addAllOutput(outputs)
                        .addAllAttribute(attrs).build());
        return node.list().ofMaxSize(6);
    }
}
