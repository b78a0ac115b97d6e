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
        Path temp = Files.createTempFile(folder, "." + target.getFileName(), ".tmp");
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

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
