package org.lowrank4j.formats.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.lowrank4j.formats.io.ExitCleanup;

/**
 * A file written under a temporary name in its final folder and renamed into place only when complete,
 * so readers never see half a file. Close without {@link #commit()} and the temporary file is deleted.
 */
final class StagedFile implements AutoCloseable {

    private final Path target;
    private final Path temporary;
    private OutputStream stream;
    private boolean committed;

    private StagedFile(Path target, Path temporary) {
        this.target = target;
        this.temporary = temporary;
    }

    /**
     * Creates the temporary file next to {@code target}.
     *
     * @throws IllegalArgumentException if the folder is missing, not a folder or not writable
     */
    static StagedFile create(Path target) {
        Path folder = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("cannot write " + target + ": folder " + folder
                    + (Files.exists(folder) ? " is not a folder" : " does not exist") + "; create it or choose another path");
        }
        Path temporary;
        try {
            temporary = org.lowrank4j.formats.io.AtomicFiles.createSibling(target);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("cannot write " + target + ": folder " + folder
                    + " is not writable (" + e.getClass().getSimpleName() + "); choose a writable output folder", e);
        }
        ExitCleanup.register(temporary); // a run stopped by Ctrl-C or SIGTERM while it writes leaves no hidden file
        return new StagedFile(target, temporary);
    }

    /** The stream to write the content to; buffered. */
    OutputStream output() throws IOException {
        if (stream == null) {
            stream = new BufferedOutputStream(Files.newOutputStream(temporary), 1 << 20);
        }
        return stream;
    }

    /** Flushes the content to disk and renames the temporary file onto the target. */
    void commit() throws IOException {
        if (stream != null) {
            stream.close();
            stream = null;
        }
        ExitCleanup.commit(temporary, () -> {
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        });
        committed = true;
    }

    /** Deletes the temporary file unless it was committed. */
    @Override
    public void close() throws IOException {
        if (committed) {
            return;
        }
        try {
            if (stream != null) {
                stream.close();
            }
        } finally {
            Files.deleteIfExists(temporary);
            ExitCleanup.forget(temporary);
        }
    }
}
