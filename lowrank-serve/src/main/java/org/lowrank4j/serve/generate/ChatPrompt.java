package org.lowrank4j.serve.generate;

import com.fasterxml.jackson.databind.JsonNode;
import org.lowrank4j.serve.ApiError;

/**
 * The prompt of a chat request. The models served here are plain text continuers (no chat template was trained), so
 * the messages become a transcript: one line {@code "<role>: <content>"} per message, then {@code "assistant:"} for the
 * model to continue. Content may be a string or an array of {@code {"type":"text","text":...}} parts.
 */
public final class ChatPrompt {
    private ChatPrompt() {
    }

    /** The transcript of {@code messages}; 400 when it is not a non-empty array of {role, content} objects. */
    public static String of(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.badRequest("missing_messages", "'messages' must be a non-empty array of {\"role\", \"content\"} objects");
        }
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            JsonNode role = message.get("role");
            if (!message.isObject() || role == null || !role.isTextual() || role.asText().isBlank()) {
                throw ApiError.badRequest("invalid_messages", "messages[" + i + "] must be an object with a string 'role'");
            }
            prompt.append(role.asText()).append(": ").append(content(message.get("content"), i)).append('\n');
        }
        return prompt.append("assistant:").toString();
    }

    private static String content(JsonNode content, int index) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.badRequest("unsupported_content", "messages[" + index
                            + "].content has a part that is not {\"type\":\"text\",\"text\":...}; only text is served");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.badRequest("invalid_messages", "messages[" + index + "].content must be a string or an array of text parts");
    }
}
