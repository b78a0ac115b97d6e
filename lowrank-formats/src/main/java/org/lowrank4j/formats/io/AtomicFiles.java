package org.lowrank4j.formats.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file under a temporary name in its final folder and renames it into place only when complete, so
 * that no reader ever sees half a file and a failed write leaves nothing behind.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** What produces the file's bytes. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * @throws IllegalArgumentException when the target's folder is missing or not writable (naming it)
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("cannot write " + target + ": folder " + folder + " does not exist; create it first");
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException("cannot write " + target + ": folder " + folder + " is not writable");
        }
        Path temp = createSibling(target);
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                writer.write(out);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Creates a new empty file beside {@code target} with a unique hidden name, for writing before a rename.
     * Unlike {@link Files#createTempFile}, which makes files readable by their owner only, it gets the default
     * permissions (the umask applies), so the renamed result is as readable as any file the user writes.
     */
    public static Path createSibling(Path target) throws IOException {
        Path folder = target.toAbsolutePath().getParent();
        for (int attempt = 0; ; attempt++) {
            Path candidate = folder.resolve("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + ".tmp");
            try {
                return Files.createFile(candidate);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
