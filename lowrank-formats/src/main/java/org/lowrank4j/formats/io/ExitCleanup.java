package org.lowrank4j.formats.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files and folders to delete if the process ends before the code that made them could (a run stopped with
 * SIGTERM or Ctrl-C: the JVM runs its shutdown hooks, but no {@code finally} block of the interrupted work). Writers
 * register a staging path when they create it and forget it once it is renamed or deleted; one shutdown hook deletes
 * whatever is still registered. A SIGKILL runs no hook: {@link AtomicFiles#removeStale} clears those leftovers later.
 */
public final class ExitCleanup {
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();
    private static boolean hooked;

    private ExitCleanup() {
    }

    /** Deletes {@code path} (a file or a folder tree) at exit unless {@link #forget} is called first. */
    public static void register(Path path) {
        hook();
        PENDING.add(path.toAbsolutePath().normalize());
    }

    /** The path was renamed into place or deleted by its writer. */
    public static void forget(Path path) {
        PENDING.remove(path.toAbsolutePath().normalize());
    }

    /** Whether {@code path} is still registered. */
    static boolean pending(Path path) {
        return PENDING.contains(path.toAbsolutePath().normalize());
    }

    /** What the shutdown hook does: deletes every registered path, best effort. */
    static void deletePending() {
        for (Path path : PENDING.toArray(Path[]::new)) {
            try {
                AtomicFiles.deleteTree(path);
                PENDING.remove(path);
            } catch (IOException | RuntimeException e) {
                // the process is ending; AtomicFiles.removeStale clears what could not be deleted now
            }
        }
    }

    private static synchronized void hook() {
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitCleanup::deletePending, "lowrank-exit-cleanup"));
            hooked = true;
        }
    }
}
