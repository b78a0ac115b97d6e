package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --prompts IN --out OUT}: every prompt gets what {@code generate --prompt} gives it alone; bad files in one line. */
class GeneratePromptsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyPromptOfTheFileGetsWhatGenerateGivesItAlone(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path in = dir.resolve("prompts.jsonl"), out = dir.resolve("answers.jsonl");
        Files.writeString(in, String.join("\n", "{\"prompt\": \"Call me\"}", "", "{\"prompt\": \"It was the best\", \"max_tokens\": 3}",
                "{\"prompt\": \"We\", \"temperature\": 0.8, \"seed\": 7}", "{\"prompt\": \"The Congress shall\", \"max_tokens\": 9}") + "\n");
        Object[] r = CliRun.okRun("generate", "--model", base.toString(), "--prompts", in.toString(), "--out", out.toString(), "--max-tokens", "6",
                "--max-batch", "2");
        assertThat((String) r[2]).contains("4 prompts").contains("wrote " + out);
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4);
        String[][] alone = {{"--prompt", "Call me", "--max-tokens", "6", "--seed", "1"},
                {"--prompt", "It was the best", "--max-tokens", "3", "--seed", "2"},
                {"--prompt", "We", "--max-tokens", "6", "--temperature", "0.8", "--seed", "7"},
                {"--prompt", "The Congress shall", "--max-tokens", "9", "--seed", "4"}};
        for (int i = 0; i < alone.length; i++) {
            JsonNode answer = JSON.readTree(lines.get(i));
            List<String> args = new ArrayList<>(List.of("generate", "--model", base.toString()));
            args.addAll(List.of(alone[i]));
            String printed = CliRun.ok(args.toArray(new String[0]));
            String prompt = alone[i][1];
            assertThat(answer.get("index").asInt()).isEqualTo(i);
            assertThat(answer.get("prompt").asText()).isEqualTo(prompt);
            assertThat(prompt + answer.get("text").asText() + "\n").as("prompt %d", i).isEqualTo(printed);
            assertThat(answer.get("finish_reason").asText()).isIn("stop", "length");
            assertThat(answer.get("completion_tokens").asInt()).isBetween(1, Integer.parseInt(alone[i][3]));
            assertThat(answer.get("prompt_tokens").asInt()).isEqualTo(prompt.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    /** A --max-tokens far past the context costs no more than the context allows, and gives what the context allows. */
    @Test
    void aHugeMaxTokensStopsAtTheContext(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1); // 32 positions
        String room = CliRun.ok("generate", "--model", base.toString(), "--prompt", "Call me", "--max-tokens", "40", "--seed", "3");
        assertThat(CliRun.ok("generate", "--model", base.toString(), "--prompt", "Call me", "--max-tokens", "2147483647", "--seed", "3"))
                .isEqualTo(room);
        Path in = Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"Call me\", \"max_tokens\": 2147483647, \"seed\": 3}\n");
        Path out = dir.resolve("a.jsonl");
        CliRun.ok("generate", "--model", base.toString(), "--prompts", in.toString(), "--out", out.toString());
        JsonNode answer = JSON.readTree(Files.readAllLines(out, StandardCharsets.UTF_8).get(0));
        assertThat("Call me" + answer.get("text").asText() + "\n").isEqualTo(room);
    }

    @Test
    void badPromptFilesAndOptionsAreOneLine(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path out = dir.resolve("answers.jsonl");
        String model = base.toString();
        Path notJson = Files.writeString(dir.resolve("a.jsonl"), "{\"prompt\": \"ok\"}\n{prompt: no quotes}\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", notJson.toString(), "--out", out.toString()))
                .contains(notJson + " line 2 is not JSON");
        Path unknown = Files.writeString(dir.resolve("b.jsonl"), "{\"prompt\": \"ok\", \"max_new_tokens\": 4}\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", unknown.toString(), "--out", out.toString()))
                .contains("line 1 has the field \"max_new_tokens\"");
        Path noPrompt = Files.writeString(dir.resolve("c.jsonl"), "{\"text\": \"ok\"}\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", noPrompt.toString(), "--out", out.toString()))
                .contains("line 1 has the field \"text\"");
        Path badTemperature = Files.writeString(dir.resolve("d.jsonl"), "{\"prompt\": \"ok\", \"temperature\": -1}\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", badTemperature.toString(), "--out", out.toString()))
                .contains("line 1: \"temperature\" must be a finite number");
        Path binary = Files.write(dir.resolve("g.jsonl"), new byte[] {'{', '"', (byte) 0xB9, '"', '}', '\n'});
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", binary.toString(), "--out", out.toString()))
                .contains(binary + " is not UTF-8 text: byte 0xB9 at offset 2");
        Path empty = Files.writeString(dir.resolve("e.jsonl"), "\n\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", empty.toString(), "--out", out.toString())).contains("holds no prompt");
        Path good = Files.writeString(dir.resolve("f.jsonl"), "{\"prompt\": \"ok\", \"max_tokens\": 2}\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", good.toString())).contains("--prompts needs --out");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", good.toString(), "--prompt", "x", "--out", out.toString()))
                .contains("give one of --prompt");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", good.toString(), "--out", good.toString())).contains("--prompts");
        Files.writeString(out, "earlier answers\n");
        assertThat(CliRun.refused("generate", "--model", model, "--prompts", good.toString(), "--out", out.toString())).contains("--force");
        assertThat(Files.readString(out)).isEqualTo("earlier answers\n"); // nothing lost
        CliRun.ok("generate", "--model", model, "--prompts", good.toString(), "--out", out.toString(), "--force");
        assertThat(Files.readAllLines(out)).hasSize(1);
    }
}
