package org.lowrank4j.serve.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.generate.ByteTokenizer;

/** Deltas never split a character or a stop string, and their concatenation is the decoded text up to the stop. */
class TextStreamTest {
    private static final ByteTokenizer BYTES = new ByteTokenizer();

    private static List<String> feed(TextStream stream, String text) {
        List<String> deltas = new ArrayList<>();
        for (int id : BYTES.encode(text)) {
            deltas.add(stream.accept(id));
            if (stream.stopped()) {
                return deltas;
            }
        }
        deltas.add(stream.finish());
        return deltas;
    }

    @Test
    void multiByteCharactersArriveWhole() {
        String text = "naïve café — 1790 ✓";
        List<String> deltas = feed(new TextStream(BYTES, List.of()), text);
        assertThat(String.join("", deltas)).isEqualTo(text);
        assertThat(deltas).noneMatch(d -> d.contains("\uFFFD"));
        assertThat(deltas.stream().filter(d -> !d.isEmpty()).count()).isEqualTo(text.length());
    }

    @Test
    void textEndsBeforeTheFirstStopStringAndNoPartOfItIsSent() {
        TextStream stream = new TextStream(BYTES, List.of("\n\n", "END"));
        List<String> deltas = feed(stream, "first line\nsecond ENand END more");
        assertThat(stream.stopped()).isTrue();
        assertThat(String.join("", deltas)).isEqualTo("first line\nsecond ENand ");
        assertThat(deltas).noneMatch(d -> d.contains("END"));
    }

    @Test
    void aHeldBackPrefixIsSentWhenTheStopStringFailsToComplete() {
        TextStream stream = new TextStream(BYTES, List.of("STOP"));
        List<String> deltas = feed(stream, "ends with ST");
        assertThat(stream.stopped()).isFalse();
        assertThat(deltas.get(deltas.size() - 1)).isEqualTo("ST"); // held until generation ended
        assertThat(String.join("", deltas)).isEqualTo("ends with ST");
    }

    @Test
    void chatMessagesBecomeATranscript() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var messages = json.createArrayNode();
        messages.addObject().put("role", "system").put("content", "Be brief.");
        var user = messages.addObject().put("role", "user");
        user.putArray("content").addObject().put("type", "text").put("text", "Hello");
        assertThat(ChatPrompt.of(messages)).isEqualTo("system: Be brief.\nuser: Hello\nassistant:");
    }
}
