package org.lowrank4j.compress.blockwise;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.ExitCleanup;

/**
 * The hidden folder one blockwise run spills its activations into, beside the path it works for (the output, or the
 * model read): named as {@link AtomicFiles} names staging ({@code .NAME.lowrank-PID-RANDOM.tmp}), so that the activations
 * of a run killed before it could delete them (gigabytes for a large model) are cleared by the next run's
 * {@link AtomicFiles#removeStale}, and never lie beside the user's files under names no later run recognises. A Ctrl-C or
 * SIGTERM deletes it through {@link ExitCleanup}; {@link #close} deletes it otherwise.
 */
public final class SpillFolder implements Closeable {
    private final Path path;

    private SpillFolder(Path path) {
        this.path = path;
    }

    /** A new empty spill folder beside {@code anchor}, after clearing the spill folders of killed runs there. */
    public static SpillFolder beside(Path anchor) throws IOException {
        AtomicFiles.removeStale(anchor);
        Path path = AtomicFiles.siblingName(anchor, "tmp");
        ExitCleanup.register(path);
        try {
            Files.createDirectory(path);
        } catch (IOException | RuntimeException e) {
            ExitCleanup.forget(path);
            throw e;
        }
        return new SpillFolder(path);
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        try {
            AtomicFiles.deleteTree(path);
        } finally {
            ExitCleanup.forget(path);
        }
    }
}
