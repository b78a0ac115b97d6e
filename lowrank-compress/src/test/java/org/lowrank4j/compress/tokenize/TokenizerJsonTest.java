package org.lowrank4j.compress.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.eval.RealModels;

/** tokenizer.json is checked in Java before the native library sees it. */
class TokenizerJsonTest {
    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), text);
    }

    private static void assertRefused(Path file, String... fragments) {
        assertThatThrownBy(() -> HfTokenizer.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(fragments)
                .hasMessageNotContaining("\n");
    }

    @Test
    void realTokenizersPass() {
        assertThat(TokenizerJson.vocabularySize(TokenizerJson.read(RealModels.miniLmTokenizer()),
                RealModels.miniLmTokenizer())).isEqualTo(30522);
        assertThat(TokenizerJson.read(RealModels.bgeTokenizer()).path("model").path("type").asText())
                .isEqualTo("WordPiece");
    }

    @Test
    void bytesThatAreNotUtf8JsonNeverReachTheNativeLibrary() throws IOException {
        Path binary = Files.write(dir.resolve("tokenizer.json"), new byte[] {(byte) 0xc3, 0x28, 0x7b, 0x7d});
        assertRefused(binary, "not UTF-8 text");
        assertRefused(file("{\"model\": "), "not valid JSON");
        assertRefused(file("[1, 2]"), "not a JSON object");
    }

    @Test
    void anEmptyFileAndAFolderAreRefused() throws IOException {
        assertRefused(file(""), "not a JSON object");
        Path folder = Files.createDirectories(dir.resolve("tokenizer-folder"));
        assertRefused(folder, "does not exist or is not a file");
    }

    @Test
    void aModelWithAVocabOfTheWrongKindIsRefused() throws IOException {
        assertRefused(file("{\"model\": {\"type\": \"WordPiece\", \"vocab\": [[\"a\", 0.5]]}}"),
                "vocab", "WordPiece", "object of token ids");
        assertRefused(file("{\"model\": {\"type\": \"Unigram\", \"vocab\": {\"a\": 0}}}"),
                "Unigram", "[piece, score] pairs");
        assertRefused(file("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": -4}}}"),
                "token 'a'", "non-negative integer");
        assertRefused(file("{\"model\": {\"type\": \"Bigram\", \"vocab\": {}}}"), "model type \"Bigram\"");
        assertRefused(file("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [1]}}"), "a merge");
        assertRefused(file("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}"), "vocabulary is empty");
    }

    @Test
    void sectionsAndAddedTokensOfTheWrongShapeAreRefused() throws IOException {
        String model = "\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"a\", \"vocab\": {\"a\": 0}}";
        assertRefused(file("{" + model + ", \"normalizer\": 3}"), "\"normalizer\" must be an object or null");
        assertRefused(file("{" + model + ", \"added_tokens\": [{\"id\": \"x\", \"content\": \"a\"}]}"),
                "\"added_tokens\"", "integer \"id\"");
    }

    @Test
    void whatTheNativeLibraryRefusesBecomesOneLineNamingTheFile() throws IOException {
        // Passes the Java checks, but the native library knows no normalizer of this type.
        Path file = file("{\"normalizer\": {\"type\": \"NoSuchNormalizer\"}, \"model\": {\"type\": \"WordPiece\", "
                + "\"unk_token\": \"a\", \"vocab\": {\"a\": 0}}}");
        assertRefused(file, "Hugging Face tokenizers can load");
    }
}
