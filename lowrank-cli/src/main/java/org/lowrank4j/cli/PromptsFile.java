package org.lowrank4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.lowrank4j.nn.train.TextFiles;

/**
 * The JSON Lines files of {@code lowrank generate --prompts IN --out OUT}. A line of IN is an object with a
 * {@code "prompt"} string and, optionally, its own {@code "max_tokens"}, {@code "temperature"}, {@code "top_p"} and
 * {@code "seed"} (the command's options otherwise); blank lines are skipped. A line of OUT answers the prompt of the same
 * index: {@code index}, {@code prompt}, {@code text} (the continuation), {@code finish_reason} ("stop" or "length"),
 * {@code prompt_tokens}, {@code completion_tokens}.
 */
final class PromptsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("prompt", "max_tokens", "temperature", "top_p", "seed");

    private PromptsFile() {
    }

    /** One line of IN, its fields filled from the defaults where the line leaves them out. */
    record Prompt(String prompt, int maxTokens, double temperature, double topP, long seed) {
    }

    /**
     * @param seed the seed of the prompt on line i (counting prompts from 0) is {@code seed + i} unless the line gives one
     * @throws IllegalArgumentException one line naming the file and line: not JSON, not an object, no prompt, an unknown
     *                                  field, a value out of range; or a file with no prompt at all
     */
    static List<Prompt> read(Path file, int maxTokens, double temperature, double topP, long seed) throws IOException {
        List<Prompt> out = new ArrayList<>();
        TextFiles.requireRegularFile(file, "--prompts");
        List<String> lines = TextFiles.read(file).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(lines.get(i));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + " is not JSON: " + e.getOriginalMessage());
            }
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException(where + " must be a JSON object such as {\"prompt\": \"...\"}");
            }
            for (var names = object.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    throw new IllegalArgumentException(where + " has the field \"" + name + "\"; the fields are " + FIELDS);
                }
            }
            JsonNode prompt = object.get("prompt");
            if (prompt == null || !prompt.isTextual() || prompt.asText().isEmpty()) {
                throw new IllegalArgumentException(where + " needs a non-empty \"prompt\" string");
            }
            Prompt p = new Prompt(prompt.asText(), intField(object, "max_tokens", maxTokens, where), number(object, "temperature", temperature, where),
                    number(object, "top_p", topP, where), object.has("seed") ? longField(object, where) : seed + out.size());
            GenerateCommand.checkSampling(p.maxTokens(), p.temperature(), p.topP(), where + ": ", false);
            out.add(p);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no prompt; give one JSON object per line, such as {\"prompt\": \"...\"}");
        }
        return out;
    }

    private static int intField(ObjectNode object, String name, int fallback, String where) {
        JsonNode v = object.get(name);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": \"" + name + "\" must be a whole number, got " + v);
        }
        return v.asInt();
    }

    private static double number(ObjectNode object, String name, double fallback, String where) {
        JsonNode v = object.get(name);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(where + ": \"" + name + "\" must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static long longField(ObjectNode object, String where) {
        JsonNode v = object.get("seed");
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(where + ": \"seed\" must be a whole number, got " + v);
        }
        return v.asLong();
    }

    /** One line of OUT. */
    static String answer(int index, Prompt prompt, String text, boolean stopped, int promptTokens, int completionTokens) {
        ObjectNode line = JSON.createObjectNode();
        line.put("index", index).put("prompt", prompt.prompt()).put("text", text).put("finish_reason", stopped ? "stop" : "length")
                .put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens);
        return line.toString();
    }
}
