package org.lowrank4j.serve.generate;

import java.util.Arrays;
import java.util.List;
import org.lowrank4j.nn.generate.Tokenizer;

/**
 * Turns generated tokens into text deltas that are safe to send at once: a streaming client and a non-streaming one
 * get the same text, because both are the concatenation of these deltas. A delta never ends inside a character
 * (trailing U+FFFD from an unfinished UTF-8 sequence of byte tokens is held back) nor on a prefix of a stop string
 * (held back until the string is ruled out); when a stop string appears, the text ends just before it.
 */
final class TextStream {
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final List<String> stops;
    private int[] tokens = new int[16];
    private int count;
    private int emitted; // characters of the decoded text already handed out
    private boolean stopped;

    TextStream(Tokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = List.copyOf(stops);
    }

    /** Adds one generated token; returns the text that can be sent now (maybe empty). */
    String accept(int token) {
        if (stopped) {
            return "";
        }
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, count * 2);
        }
        tokens[count++] = token;
        String text = tokenizer.decode(Arrays.copyOf(tokens, count));
        int stopAt = firstStop(text);
        if (stopAt >= 0) {
            stopped = true;
            return take(text, stopAt);
        }
        int safe = text.length();
        while (safe > emitted && text.charAt(safe - 1) == REPLACEMENT) {
            safe--;
        }
        safe -= heldForStop(text, safe);
        return take(text, safe);
    }

    /** The rest of the text once generation has ended. */
    String finish() {
        if (stopped || count == 0) {
            return "";
        }
        String text = tokenizer.decode(Arrays.copyOf(tokens, count));
        return take(text, text.length());
    }

    /** True once a stop string appeared. */
    boolean stopped() {
        return stopped;
    }

    int tokenCount() {
        return count;
    }

    private String take(String text, int end) {
        if (end <= emitted) {
            return "";
        }
        String delta = text.substring(emitted, end);
        emitted = end;
        return delta;
    }

    /** The earliest index of a stop string at or after text already sent can no longer change, or -1. */
    private int firstStop(String text) {
        int best = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, Math.max(0, emitted - stop.length() + 1));
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best < emitted && best >= 0 ? emitted : best;
    }

    /** Characters before {@code end} to keep back because they begin a stop string. */
    private int heldForStop(String text, int end) {
        int held = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, end - emitted); k > held; k--) {
                if (text.startsWith(stop.substring(0, k), end - k)) {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }
}
