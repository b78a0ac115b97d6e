package org.lowrank4j.formats.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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

/**
 * Property-based fuzzing of the safetensors readers: random bytes, valid files with random damage, headers whose
 * entries take extreme values, and indexes that point anywhere. Each either opens and reads every tensor, or fails
 * with a one-line user error naming the file.
 */
class SafetensorsFuzzTest {
    private static Path dir;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeContainer
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("safetensors-fuzz");
    }

    @AfterContainer
    static void deleteFolder() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A small valid file: three tensors of different types, a scalar and metadata. */
    static byte[] validFile() throws IOException {
        Path file = dir.resolve("valid-base.safetensors");
        new SafetensorsWriter()
                .add("model.layers.0.weight", SafetensorsDtype.F32, new long[] {3, 4}, floats(12, 0.25f))
                .add("model.layers.0.bias", SafetensorsDtype.F16, new long[] {4}, floats(4, -1.5f))
                .add("model.norm.weight", SafetensorsDtype.BF16, new long[] {2, 2}, floats(4, 2f))
                .add("scale", SafetensorsDtype.F32, new long[] {}, new float[] {0.5f})
                .metadata("format", "pt")
                .write(file);
        return Files.readAllBytes(file);
    }

    private static float[] floats(int n, float step) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (i - n / 2) * step;
        }
        return values;
    }

    private static Path fresh(String suffix) {
        return dir.resolve("fuzz-" + COUNTER.incrementAndGet() + suffix);
    }

    /** Opens the file both ways and reads every tensor as floats and as doubles. */
    private static Object readAll(Path file) throws IOException {
        try (SafetensorsFile opened = SafetensorsFile.open(file)) {
            for (String name : opened.names()) {
                opened.readFloats(name);
                opened.readDoubles(name);
                if (opened.info(name).byteLength() > 0) {
                    opened.bytes(name);
                }
            }
        }
        try (SafetensorsModel model = SafetensorsModel.open(file)) {
            for (String name : model.names()) {
                model.readFloats(name);
            }
        }
        return null;
    }

    private static void check(Path file, Object input) throws IOException {
        try {
            ReaderOutcome.check(file.getFileName().toString(), input, () -> readAll(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Property(tries = 300, seed = "4711")
    void randomBytes(@ForAll @Size(max = 600) byte[] bytes) throws IOException {
        Path file = Files.write(fresh(".safetensors"), bytes);
        check(file, bytes.length + " random bytes");
    }

    @Property(tries = 300, seed = "4712")
    void randomHeaderAfterAPlausibleLength(@ForAll @Size(max = 300) byte[] header, @ForAll @Size(max = 64) byte[] data)
            throws IOException {
        Path file = RawSafetensors.write(fresh(".safetensors"), header.length, header, data);
        check(file, header.length + " random header bytes and " + data.length + " data bytes");
    }

    @Property(tries = 400, seed = "4713")
    void validFileWithRandomDamage(@ForAll("damage") List<Mutation> mutations) throws IOException {
        Path file = Files.write(fresh(".safetensors"), ByteMutations.apply(validFile(), mutations));
        check(file, mutations);
    }

    @Property(tries = 200, seed = "4714")
    void headerLengthReplaced(@ForAll("lengths") long declared) throws IOException {
        byte[] bytes = validFile();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, declared);
        Path file = Files.write(fresh(".safetensors"), bytes);
        check(file, "header length " + declared);
    }

    @Property(tries = 400, seed = "4715")
    void headerEntriesWithExtremeValues(@ForAll("entries") List<Entry> entries, @ForAll("dataLengths") int dataLength)
            throws IOException {
        ObjectNode header = SafetensorsHeader.JSON.createObjectNode();
        for (Entry entry : entries) {
            ObjectNode node = header.putObject(entry.name());
            node.put("dtype", entry.dtype());
            ArrayNode shape = node.putArray("shape");
            entry.shape().forEach(shape::add);
            node.putArray("data_offsets").add(entry.begin()).add(entry.end());
        }
        byte[] data = new byte[dataLength];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 37);
        }
        Path file = RawSafetensors.write(fresh(".safetensors"), header.toString(), data);
        check(file, header + " with " + dataLength + " data bytes");
    }

    @Property(tries = 200, seed = "4716")
    void indexPointingAnywhere(@ForAll("weightMaps") List<Tuple.Tuple2<String, String>> weightMap) throws IOException {
        Path folder = Files.createDirectories(fresh("-model"));
        Files.write(folder.resolve("model-00001-of-00002.safetensors"), validFile());
        Files.createDirectories(folder.resolve("sub"));
        Files.writeString(folder.resolve("notes.txt"), "not a safetensors file\n");
        ObjectNode index = SafetensorsHeader.JSON.createObjectNode();
        index.putObject("metadata").put("total_size", 64);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(entry -> map.put(entry.get1(), entry.get2()));
        Path file = Files.writeString(folder.resolve(SafetensorsModel.INDEX_FILE), index.toString());
        // A broken shard is named itself, anything else by the index: either way the message names the folder.
        ReaderOutcome.check(folder.getFileName().toString(), index, () -> {
            try (SafetensorsModel model = SafetensorsModel.open(folder)) {
                for (String name : model.names()) {
                    model.readFloats(name);
                }
            }
            return null;
        });
    }

    @Provide
    Arbitrary<List<Mutation>> damage() {
        return ByteMutations.mutations();
    }

    @Provide
    Arbitrary<Long> lengths() {
        return Arbitraries.oneOf(ByteMutations.fieldValue(), Arbitraries.longs().between(0, 400));
    }

    @Provide
    Arbitrary<Integer> dataLengths() {
        return Arbitraries.integers().between(0, 96);
    }

    /** One header entry with fields drawn from valid values, edges and nonsense. */
    record Entry(String name, String dtype, List<Long> shape, long begin, long end) {
    }

    @Provide
    Arbitrary<List<Entry>> entries() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of("w", "model.embed_tokens.weight", "",
                "__metadata__", "line\nbreak", "tab\tand\u0000nul"), Arbitraries.strings().ofMaxLength(12));
        Arbitrary<String> dtypes = Arbitraries.oneOf(
                Arbitraries.of(SafetensorsDtype.class).map(Enum::name),
                Arbitraries.of("f32", "F128", "", "F32 ", "I4"));
        Arbitrary<Long> sizes = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.longs().between(0, 12)),
                Tuple.of(1, ByteMutations.fieldValue()));
        Arbitrary<List<Long>> shapes = sizes.list().ofMaxSize(4);
        return Combinators.combine(names, dtypes, shapes, sizes, sizes).as(Entry::new).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, String>>> weightMaps() {
        Arbitrary<String> tensors = Arbitraries.oneOf(
                Arbitraries.of("model.layers.0.weight", "model.norm.weight", "scale", "missing"),
                Arbitraries.strings().ofMaxLength(8));
        Arbitrary<String> shards = Arbitraries.oneOf(
                Arbitraries.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "sub", ".",
                        "..", "../model-00001-of-00002.safetensors", "/etc/passwd", "sub/../notes.txt", "notes.txt",
                        "a\u0000b", "", " ", "model.safetensors.index.json"),
                Arbitraries.strings().ofMaxLength(10));
        return Combinators.combine(tensors, shards).as(Tuple::of).list().ofMaxSize(4);
    }
}
