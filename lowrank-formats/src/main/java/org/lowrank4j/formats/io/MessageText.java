package org.lowrank4j.formats.io;

/**
 * Text that comes from a file (a tensor name, a JSON value, a parser's complaint) made fit for a one-line user
 * error: control characters are written as escapes and anything long is cut, so a damaged or hostile file can
 * neither break the message over several lines nor make it megabytes long.
 */
public final class MessageText {
    /** Longest piece of foreign text kept in a message, in characters. */
    public static final int MAX_CHARS = 160;

    private MessageText() {
    }

    /** {@code text} on one line and at most {@link #MAX_CHARS} characters (then ending in "..."). */
    public static String oneLine(String text) {
        return oneLine(text, MAX_CHARS);
    }

    /** {@code text} on one line and at most {@code maxChars} characters (then ending in "..."). */
    public static String oneLine(String text, int maxChars) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= maxChars) {
                return out.append("...").toString();
            }
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A name from a file between single quotes, made one-line and short. */
    public static String quoted(String name) {
        return "'" + oneLine(name) + "'";
    }
}
