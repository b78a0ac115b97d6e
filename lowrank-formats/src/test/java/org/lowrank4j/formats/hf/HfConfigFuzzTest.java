package org.lowrank4j.formats.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
 * Property-based fuzzing of {@link HfConfig#read}: random bytes, real configs with random damage, and real configs
 * whose fields are replaced by values of any JSON type and size. Each reads, or fails with a one-line user error
 * naming the file; a config that reads also writes back.
 */
class HfConfigFuzzTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static Path dir;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeContainer
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("config-fuzz");
    }

    @AfterContainer
    static void deleteFolder() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void check(byte[] bytes, Object input) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("model-" + COUNTER.incrementAndGet()));
        Path file = Files.write(folder.resolve(HfConfig.FILE_NAME), bytes);
        try {
            ReaderOutcome.check(file.getFileName().toString(), input, () -> HfConfig.read(folder).toJson());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(folder);
        }
    }

    @Property(tries = 300, seed = "6711")
    void randomBytes(@ForAll @Size(max = 400) byte[] bytes) throws IOException {
        check(bytes, bytes.length + " random bytes");
    }

    @Property(tries = 400, seed = "6712")
    void realConfigWithRandomDamage(@ForAll("configs") String config, @ForAll("damage") List<Mutation> mutations)
            throws IOException {
        check(ByteMutations.apply(config.getBytes(StandardCharsets.UTF_8), mutations), mutations);
    }

    @Property(tries = 500, seed = "6713")
    void fieldsReplacedByAnyValue(@ForAll("configs") String config,
            @ForAll("replacements") List<Tuple.Tuple2<String, JsonNode>> replacements) throws IOException {
        ObjectNode root = (ObjectNode) HfConfigJson.JSON.readTree(config);
        replacements.forEach(r -> root.set(r.get1(), r.get2()));
        check(root.toString().getBytes(StandardCharsets.UTF_8), root);
    }

    @Provide
    Arbitrary<String> configs() {
        return Arbitraries.of(HfConfigTest.MINILM, HfConfigTest.LLAMA_GQA, HfConfigTest.GPT2);
    }

    @Provide
    Arbitrary<List<Mutation>> damage() {
        return ByteMutations.mutations();
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, JsonNode>>> replacements() {
        List<String> keys = Stream.of(HfConfigJson.Field.values())
                .flatMap(field -> field.keys.stream()).toList();
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of(keys),
                Arbitraries.of("model_type", "architectures", "bos_token_id", "eos_token_id", "pad_token_id",
                        "rope_parameters", "rope_scaling"));
        return Combinators.combine(names, values()).as(Tuple::of).list().ofMinSize(1).ofMaxSize(4);
    }

    /** JSON values of every type, with the edges of the numbers a config holds. */
    private static Arbitrary<JsonNode> values() {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.of(0, 1, -1, 2, 3, 7, 12, Integer.MAX_VALUE, Integer.MIN_VALUE).map(NODES::numberNode),
                Arbitraries.of(Long.MAX_VALUE, 1L << 40).map(NODES::numberNode),
                Arbitraries.of(0.0, -0.0, 1e-12, -1.0, 1e308, Double.MIN_VALUE, 0.5).map(NODES::numberNode),
                Arbitraries.of("bert", "llama", "gpt2", "", "t5", "line\nbreak", "BertModel").map(NODES::textNode),
                Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.booleanNode(false)),
                Arbitraries.strings().ofMaxLength(300).map(NODES::textNode));
        Arbitrary<JsonNode> arrays = scalars.list().ofMaxSize(3).map(items -> {
            var array = NODES.arrayNode();
            items.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> objects = Combinators.combine(Arbitraries.of("rope_theta", "factor", "x"), scalars)
                .as((key, value) -> {
                    ObjectNode object = NODES.objectNode();
                    object.set(key, value);
                    return object;
                });
        return Arbitraries.frequencyOf(Tuple.of(4, scalars), Tuple.of(1, arrays), Tuple.of(1, objects));
    }
}
