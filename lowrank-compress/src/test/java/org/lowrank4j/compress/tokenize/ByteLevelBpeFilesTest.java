package org.lowrank4j.compress.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.ByteLevelBpeFiles;
import org.lowrank4j.nn.generate.ByteTokenizer;

/**
 * A tokenizer.json written from vocab.json and merges.txt (GPT-2's and OPT's slow-tokenizer files) and run by Hugging
 * Face tokenizers: the byte symbols alone tokenize as bytes, the merges apply in their order, special tokens stay whole.
 */
class ByteLevelBpeFilesTest {
    @TempDir
    Path dir;

    /** The 256 byte symbols (ids 0–255), then {@code extra} tokens from id 256 on; merges.txt with its version line and {@code merges}. */
    private Path folder(java.util.List<String> extra, String... merges) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode vocab = JSON.createObjectNode();
        String[] symbols = ByteTokenizer.byteSymbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(symbols[b], b);
        }
        for (int i = 0; i < extra.size(); i++) {
            vocab.put(extra.get(i), 256 + i);
        }
        Files.writeString(dir.resolve(ByteLevelBpeFiles.VOCAB), JSON.writeValueAsString(vocab));
        Files.writeString(dir.resolve(ByteLevelBpeFiles.MERGES), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        return dir;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private HfTextTokenizer written(Path folder) throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), ByteLevelBpeFiles.tokenizerJson(folder));
        return HfTextTokenizer.load(file);
    }

    @Test
    void theByteSymbolsAloneTokenizeAsBytes() throws IOException {
        String text = "The Union — its state, in 2021; ünïcödé and\ttabs.\n";
        try (HfTextTokenizer tokenizer = written(folder(java.util.List.of()))) {
            assertThat(tokenizer.encode(text)).containsExactly(new ByteTokenizer().encode(text));
            assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
        }
    }

    @Test
    void mergesApplyInTheirOrderAndSpecialTokensStayWhole() throws IOException {
        // ids: Ġt 256, Ġth 257, Ġthe 258, </s> 259
        Path f = folder(java.util.List.of("\u0120t", "\u0120th", "\u0120the", "</s>"), "\u0120 t", "\u0120t h", "\u0120th e");
        Files.writeString(f.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"</s>\"}");
        try (HfTextTokenizer tokenizer = written(f)) {
            int[] bytes = new ByteTokenizer().encode(" cat");
            assertThat(tokenizer.encode(" the cat")).containsExactly(258, bytes[0], bytes[1], bytes[2], bytes[3]);
            assertThat(tokenizer.encode(" tab")).startsWith(256); // Ġt merged, then a, b
            assertThat(tokenizer.encode("x</s>y")).containsExactly((int) 'x', 259, (int) 'y');
            Random random = new Random(3);
            for (int n = 0; n < 20; n++) {
                String text = " the" + (char) ('a' + random.nextInt(26)) + " thee the";
                assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
            }
        }
    }

    @Test
    void withAddBosTokenAPromptStartsWithTheBosTokenAsTransformersEncodesIt() throws IOException {
        Path f = folder(java.util.List.of("</s>"));
        Files.writeString(f.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"</s>\"}}");
        try (HfTextTokenizer tokenizer = written(f)) {
            int[] bytes = new ByteTokenizer().encode("Hi there");
            assertThat(tokenizer.encode("Hi there")).containsExactly(bytes); // text streams: no special tokens
            int[] prompt = tokenizer.encodePrompt("Hi there");
            assertThat(prompt[0]).isEqualTo(256);
            assertThat(java.util.Arrays.copyOfRange(prompt, 1, prompt.length)).containsExactly(bytes);
        }
        Files.delete(f.resolve("tokenizer_config.json"));
        try (HfTextTokenizer tokenizer = written(f)) {
            assertThat(tokenizer.encodePrompt("Hi")).containsExactly(new ByteTokenizer().encode("Hi")); // GPT-2's: nothing added
        }
        // a template that also closes the sequence ("</s> $A </s>"): the prompt keeps the leading token only, since it goes on
        Files.writeString(f.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"</s>\"}");
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                ByteLevelBpeFiles.tokenizerJson(f));
        com.fasterxml.jackson.databind.node.ArrayNode single = (com.fasterxml.jackson.databind.node.ArrayNode) root.path("post_processor").path("single");
        single.add(single.get(0).deepCopy());
        Path closing = Files.writeString(dir.resolve("closing.json"), root.toString());
        try (HfTextTokenizer tokenizer = HfTextTokenizer.load(closing)) {
            assertThat(tokenizer.encodePrompt("Hi")).containsExactly(256, 'H', 'i');
        }
    }

    @Test
    void badFilesAreNamedInOneLine() throws IOException {
        folder(java.util.List.of(), "\u0120 q");
        Files.writeString(dir.resolve(ByteLevelBpeFiles.MERGES), "#version: 0.2\nab\n");
        assertThatThrownBy(() -> ByteLevelBpeFiles.tokenizerJson(dir)).hasMessageContaining("merges.txt line 2 is not two symbols");
        Files.writeString(dir.resolve(ByteLevelBpeFiles.MERGES), "a zz\n");
        assertThatThrownBy(() -> ByteLevelBpeFiles.tokenizerJson(dir)).hasMessageContaining("merges 'zz', which vocab.json does not hold");
        Files.writeString(dir.resolve(ByteLevelBpeFiles.MERGES), "a b\n");
        Files.writeString(dir.resolve(ByteLevelBpeFiles.VOCAB), "{\"a\": 0, \"b\": 1, \"ab\": 1}");
        assertThatThrownBy(() -> ByteLevelBpeFiles.tokenizerJson(dir)).hasMessageContaining("tokens 'b' and 'ab' both have id 1");
        Files.writeString(dir.resolve(ByteLevelBpeFiles.VOCAB), "[1, 2]");
        assertThatThrownBy(() -> ByteLevelBpeFiles.tokenizerJson(dir)).hasMessageContaining("must be a JSON object");
    }
}
