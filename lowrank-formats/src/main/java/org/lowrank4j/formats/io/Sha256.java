package org.lowrank4j.formats.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one fingerprint the project writes into records, checkpoints and cache keys: of a file (streamed), of a
 * text (UTF-8), or built up part by part on a {@link MessageDigest}, and printed as lower-case hex.
 */
public final class Sha256 {
    private Sha256() {
    }

    /** A fresh SHA-256 digest (every Java runtime has one). */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-256", e);
        }
    }

    /** Adds a file's bytes to {@code digest}, read in blocks. */
    public static void addFile(MessageDigest digest, Path file) throws IOException {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
    }

    /** Finishes {@code digest} and returns its value in hex. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The SHA-256 of a file's bytes, in hex. */
    public static String ofFile(Path file) throws IOException {
        MessageDigest digest = digest();
        addFile(digest, file);
        return hex(digest);
    }

    /** The SHA-256 of a text's UTF-8 bytes, in hex. */
    public static String ofText(String text) {
        return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
