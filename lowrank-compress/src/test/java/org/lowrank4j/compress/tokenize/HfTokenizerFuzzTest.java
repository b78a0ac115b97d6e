package org.lowrank4j.compress.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

/**
 * Property-based fuzzing of {@link HfTokenizer#load}: random bytes, a small valid tokenizer.json with random damage,
 * and the same with any of its sections replaced by JSON values of any type. A file either loads (and then encodes a
 * text) or fails with a one-line {@link IllegalArgumentException} naming it; the native library never crashes the
 * JVM, and random bytes never reach it.
 */
class HfTokenizerFuzzTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long TIME_LIMIT_SECONDS = 20;
    private static final ExecutorService READER = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "fuzzed-tokenizer");
        thread.setDaemon(true);
        return thread;
    });

    /** A WordPiece tokenizer.json shaped like BERT's, with a seven-token vocabulary. */
    static final String SMALL = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [{"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
                               "normalized": false, "special": true},
                              {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                               "normalized": false, "special": true}],
             "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                            "strip_accents": null, "lowercase": true},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": null,
             "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "hello": 2, "world": 3, "##s": 4, "a": 5, "b": 6}}}
            """;

    private static Path dir;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeContainer
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("tokenizer-fuzz");
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
        Path file = Files.write(dir.resolve("tokenizer-" + COUNTER.incrementAndGet() + ".json"), bytes);
        try {
            loadsOrFailsCleanly(file, input, () -> {
                try (HfTokenizer tokenizer = HfTokenizer.load(file, 16)) {
                    tokenizer.ids("hello worlds, a b c");
                    return tokenizer.encode(List.of("hello", "a b hello world"));
                }
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Loads, or throws IllegalArgumentException with one line naming the file, within the time limit. */
    private static void loadsOrFailsCleanly(Path file, Object input, Callable<?> load) {
        String name = file.getFileName().toString();
        Future<?> future = READER.submit(load);
        try {
            future.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("loading " + name + " took over " + TIME_LIMIT_SECONDS + " s on " + input);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            Throwable thrown = e.getCause();
            String message = thrown.getMessage();
            if (!(thrown instanceof IllegalArgumentException) || message == null || message.contains("\n")
                    || message.contains("\r") || message.length() > 2000 || !message.contains(name)) {
                throw new AssertionError("loading " + name + " threw " + thrown + ", not a one-line user error "
                        + "naming the file, on " + input, thrown);
            }
        }
    }

    @Property(tries = 300, seed = "7711")
    void randomBytes(@ForAll @Size(max = 400) byte[] bytes) throws IOException {
        check(bytes, bytes.length + " random bytes");
    }

    @Property(tries = 300, seed = "7712")
    void smallTokenizerWithRandomDamage(@ForAll("damage") List<Tuple.Tuple3<Integer, Double, Integer>> damage)
            throws IOException {
        byte[] bytes = SMALL.getBytes(StandardCharsets.UTF_8);
        for (Tuple.Tuple3<Integer, Double, Integer> d : damage) {
            int at = (int) Math.min(bytes.length - 1, Math.floor(d.get2() * bytes.length));
            switch (d.get1()) {
                case 0 -> bytes[at] ^= (byte) (d.get3() == 0 ? 1 : d.get3());
                case 1 -> bytes[at] = (byte) (int) d.get3();
                default -> bytes = java.util.Arrays.copyOf(bytes, at);
            }
            if (bytes.length == 0) {
                break;
            }
        }
        check(bytes, damage);
    }

    @Property(tries = 400, seed = "7713")
    void sectionsReplacedByAnyValue(@ForAll("replacements") List<Tuple.Tuple2<String, JsonNode>> replacements)
            throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(SMALL);
        for (Tuple.Tuple2<String, JsonNode> r : replacements) {
            String[] path = r.get1().split("\\.");
            JsonNode parent = root;
            for (int i = 0; i < path.length - 1 && parent != null; i++) {
                parent = parent.isArray() ? parent.get(Integer.parseInt(path[i])) : parent.get(path[i]);
            }
            if (parent instanceof ObjectNode object) {
                object.set(path[path.length - 1], r.get2());
            } else if (parent != null && parent.isArray()) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(path[path.length - 1]),
                        r.get2());
            }
        }
        check(root.toString().getBytes(StandardCharsets.UTF_8), root);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple3<Integer, Double, Integer>>> damage() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 255)).as(Tuple::of).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, JsonNode>>> replacements() {
        Arbitrary<String> paths = Arbitraries.of("model", "model.type", "model.vocab", "model.vocab.hello",
                "model.vocab.[UNK]", "model.unk_token", "model.continuing_subword_prefix",
                "model.max_input_chars_per_word", "model.merges", "added_tokens", "added_tokens.0",
                "added_tokens.0.id", "added_tokens.1.content", "added_tokens.0.special", "normalizer",
                "normalizer.type", "normalizer.lowercase", "pre_tokenizer", "pre_tokenizer.type", "post_processor",
                "decoder", "decoder.type", "decoder.prefix", "padding", "truncation", "version");
        return Combinators.combine(paths, values()).as(Tuple::of).list().ofMinSize(1).ofMaxSize(3);
    }

    /** JSON values of every type, including valid-looking section types and ids at the edges. */
    private static Arbitrary<JsonNode> values() {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.of(0, 1, -1, 7, 100, Integer.MAX_VALUE, Integer.MIN_VALUE).map(NODES::numberNode),
                Arbitraries.of(Long.MAX_VALUE, 1L << 40).map(NODES::numberNode),
                Arbitraries.of(0.5, -1e300, 1e-300).map(NODES::numberNode),
                Arbitraries.of("BPE", "WordPiece", "WordLevel", "Unigram", "Sequence", "BertNormalizer",
                        "BertPreTokenizer", "Metaspace", "ByteLevel", "TemplateProcessing", "", "##", "[UNK]",
                        "missing").map(NODES::textNode),
                Arbitraries.of(NODES.nullNode(), NODES.booleanNode(true), NODES.booleanNode(false)),
                Arbitraries.strings().ofMaxLength(40).map(NODES::textNode));
        Arbitrary<JsonNode> arrays = scalars.list().ofMaxSize(3).map(items -> {
            var array = NODES.arrayNode();
            items.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> objects = Combinators.combine(
                Arbitraries.of("type", "vocab", "id", "content", "unk_token", "pretokenizers", "normalizers"),
                Arbitraries.oneOf(scalars, arrays), Arbitraries.of("type", "prefix", "hello", "single"), scalars)
                .as((k1, v1, k2, v2) -> {
                    ObjectNode object = NODES.objectNode();
                    object.set(k1, v1);
                    object.set(k2, v2);
                    return object;
                });
        return Arbitraries.frequencyOf(Tuple.of(3, scalars), Tuple.of(1, arrays), Tuple.of(2, objects));
    }
}
