package org.lowrank4j.formats.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Strict UTF-8 for text files a user gives: bytes that do not decode are refused in one line naming the file, the
 * first bad byte and its offset, with a hint to convert the file, instead of the decoder's bare "Input length = 1".
 */
public final class Utf8Text {

    private Utf8Text() {
    }

    /** The text of {@code file}, read whole, a leading byte-order mark dropped; for files small enough to hold at once. */
    public static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long invalid = firstInvalid(bytes, bytes.length);
        if (invalid >= 0) {
            throw notUtf8(file, bytes, invalid);
        }
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        return new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
    }

    /**
     * The byte offset of the first byte that is not part of valid UTF-8 in {@code bytes[0, length)}, or -1 when all of
     * it decodes.
     */
    public static long firstInvalid(byte[] bytes, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(Math.min(length, 1 << 16) + 2);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                return in.position();
            }
            if (result.isUnderflow()) {
                break;
            }
            out.clear(); // overflow: the chars are not kept, only the verdict
        }
        out.clear();
        CoderResult end = decoder.flush(out);
        return end.isError() ? in.position() : -1;
    }

    /** The one-line refusal of {@code file}, whose byte at {@code offset} does not decode. */
    public static IllegalArgumentException notUtf8(Path file, byte[] bytes, long offset) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "%s is not UTF-8 text: byte 0x%02X at offset %d does not decode;"
                + " convert the file to UTF-8 (for example iconv -f latin1 -t utf-8)", file, bytes[(int) offset] & 0xff, offset));
    }
}
