package org.lowrank4j.nn.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import org.lowrank4j.formats.io.Utf8Text;

/**
 * Reads text a user names (training, calibration and evaluation text): strictly UTF-8, never binary, never unbounded.
 *
 * <ul>
 *   <li>Only regular files are opened: a FIFO, a device such as {@code /dev/zero} or a socket is refused from its
 *       attributes, before any read, so nothing blocks or fills the heap.</li>
 *   <li>Bytes that are not UTF-8 are refused naming the file and the offset of the first bad byte (the decoder
 *       reports, it does not replace); a NUL byte marks binary data and is refused the same way.</li>
 *   <li>A {@link Budget} caps the bytes read over all the files of one input ({@value #DEFAULT_LIMIT_MB} MB by
 *       default); the file that would cross it is named with the limit.</li>
 * </ul>
 * A leading byte-order mark is dropped. Errors are {@link IllegalArgumentException}s whose message is one line.
 */
public final class TextFiles {
    /** The default cap on the text of one input, in MB (10^6 bytes). */
    public static final int DEFAULT_LIMIT_MB = 512;

    /** The default cap in bytes. */
    public static final long DEFAULT_LIMIT = DEFAULT_LIMIT_MB * 1_000_000L;

    /** The largest array a JVM reliably allocates. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private TextFiles() {
    }

    /** A fresh budget of {@link #DEFAULT_LIMIT} bytes. */
    public static Budget budget() {
        return new Budget(DEFAULT_LIMIT);
    }

    /** One file, read within a fresh default budget. */
    public static String read(Path file) {
        return budget().read(file);
    }

    /**
     * Refuses a path that is not a regular file (missing, a folder, a FIFO, a device, a socket), from its attributes only.
     *
     * @param what how the message names the path, e.g. {@code "--text"} or {@code "text file"}
     */
    public static void requireRegularFile(Path file, String what) {
        if (file == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + file + " does not exist");
        }
        if (attributes.isDirectory()) {
            throw new IllegalArgumentException(what + " " + file + " is a folder, not a file");
        }
        if (!attributes.isRegularFile()) {
            throw new IllegalArgumentException(what + " " + file + " is not a regular file (" + kind(file)
                    + "); give a plain .txt file");
        }
    }

    /** What a non-regular path is, for messages. */
    private static String kind(Path file) {
        if (Files.isSymbolicLink(file) && !Files.exists(file)) {
            return "a broken link";
        }
        try {
            Object mode = Files.getAttribute(file, "unix:mode");
            int type = ((Integer) mode) & 0170000;
            return switch (type) {
                case 0010000 -> "a named pipe";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
    }

    /**
     * The byte offset of the first byte that is not part of valid UTF-8 in {@code bytes[0, length)}, or -1 when all of
     * it decodes.
     */
    public static long firstInvalidUtf8(byte[] bytes, int length) {
        return Utf8Text.firstInvalid(bytes, length);
    }

    /** Text read against one shared cap, so that a folder of many files is bounded as a whole. */
    public static final class Budget {
        private final long limit;
        private long used;

        /** A budget of {@code limit} bytes (at least 1). */
        public Budget(long limit) {
            if (limit < 1 || limit >= MAX_ARRAY) {
                throw new IllegalArgumentException("the text limit must be in [1, " + MAX_ARRAY + ") bytes, got " + limit);
            }
            this.limit = limit;
        }

        /** Bytes read so far. */
        public long used() {
            return used;
        }

        /**
         * The UTF-8 text of a regular file, counted against this budget.
         *
         * @throws IllegalArgumentException naming the file: not a regular file, over the budget, binary (a NUL byte) or not
         *                                  UTF-8 (with the offset of the first bad byte)
         * @throws UncheckedIOException     on a read error
         */
        public String read(Path file) {
            requireRegularFile(file, "text file");
            long left = limit - used;
            byte[] bytes;
            try {
                long size = Files.size(file);
                if (size > left) {
                    throw overLimit(file, size);
                }
                try (InputStream in = Files.newInputStream(file)) {
                    // the file may grow while it is read: one byte past the budget is enough to notice it
                    bytes = in.readNBytes((int) Math.min(left + 1, MAX_ARRAY));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            int length = bytes.length;
            if (length > left) {
                throw overLimit(file, length);
            }
            used += length;
            int nul = indexOfNul(bytes, length);
            long invalid = firstInvalidUtf8(bytes, nul < 0 ? length : nul);
            if (invalid >= 0) {
                throw Utf8Text.notUtf8(file, bytes, invalid);
            }
            if (nul >= 0) {
                throw new IllegalArgumentException(file + " holds binary data (a NUL byte at offset " + nul + "), not text");
            }
            int start = length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
            return new String(bytes, start, length - start, StandardCharsets.UTF_8);
        }

        private IllegalArgumentException overLimit(Path file, long size) {
            return new IllegalArgumentException(String.format(Locale.ROOT, "%s would take the text read to more than the limit of %,d bytes"
                    + " (%,d read before it, the file has %,d); give less text", file, limit, used, size));
        }

        private static int indexOfNul(byte[] bytes, int length) {
            for (int i = 0; i < length; i++) {
                if (bytes[i] == 0) {
                    return i;
                }
            }
            return -1;
        }
    }
}
