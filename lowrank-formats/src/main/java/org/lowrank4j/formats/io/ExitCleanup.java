package org.lowrank4j.formats.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files and folders to delete if the process ends before the code that made them could (a run stopped with
 * SIGTERM or Ctrl-C: the JVM runs its shutdown hooks, but no {@code finally} block of the interrupted work). Writers
 * register a staging path when they create it and forget it once it is renamed or deleted; one shutdown hook deletes
 * whatever is still registered. A SIGKILL runs no hook: {@link AtomicFiles#removeStale} clears those leftovers later.
 *
 * <p>The hook runs while the interrupted work goes on in its own thread, so the two must not cross: a writer renames
 * its staging path into place through {@link #commit}, which either finishes before the hook starts deleting or is
 * refused once it has (a staging folder half deleted by the hook is never renamed into place), and no new staging path
 * may be registered once the hook has started (the work stops writing instead of leaving files the hook has missed).
 */
public final class ExitCleanup {
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();
    private static final Object COMMITS = new Object(); // held by a commit's renames and by the hook as it starts
    private static boolean hooked;
    private static volatile boolean exiting;

    private ExitCleanup() {
    }

    /** What a commit does under the lock: the renames that put a staging path in place. */
    @FunctionalInterface
    public interface Renames {
        void run() throws IOException;
    }

    /**
     * Deletes {@code path} (a file or a folder tree) at exit unless {@link #forget} is called first.
     *
     * @throws UncheckedIOException when the process is already ending; {@code path} is deleted then (best effort)
     */
    public static void register(Path path) {
        hook();
        Path normal = path.toAbsolutePath().normalize();
        synchronized (COMMITS) {
            if (!exiting) {
                PENDING.add(normal);
                return;
            }
        }
        try {
            AtomicFiles.deleteTree(normal);
        } catch (IOException | RuntimeException e) {
            // the process is ending; AtomicFiles.removeStale clears what could not be deleted now
        }
        throw new UncheckedIOException(new IOException("stopped: the process is ending, so " + path + " is not written"));
    }

    /** The path was renamed into place or deleted by its writer. */
    public static void forget(Path path) {
        PENDING.remove(path.toAbsolutePath().normalize());
    }

    /**
     * Runs {@code renames}, which put the registered {@code staging} path in place, unless the process has begun to end,
     * and forgets {@code staging} once they succeed. The hook waits for a commit that has started, and a commit that comes
     * after the hook has started is refused: the hook deletes the staging path instead.
     *
     * @throws IOException from the renames, or when the process is ending (nothing is renamed then)
     */
    public static void commit(Path staging, Renames renames) throws IOException {
        commit(java.util.List.of(staging), renames);
    }

    /** {@link #commit(Path, Renames)} for renames that put several staging paths in place together. */
    public static void commit(java.util.List<Path> staging, Renames renames) throws IOException {
        synchronized (COMMITS) {
            if (exiting) {
                throw new IOException("stopped: the process is ending, so " + staging.get(0) + " is not put in place");
            }
            renames.run();
            staging.forEach(ExitCleanup::forget);
        }
    }

    /** Whether {@code path} is still registered. */
    static boolean pending(Path path) {
        return PENDING.contains(path.toAbsolutePath().normalize());
    }

    /**
     * What the shutdown hook does: refuses further commits and registrations, then deletes every registered path. Public
     * so that the tests of writers in other packages can stop a write as Ctrl-C does ({@link #resumeAfterTest} after).
     */
    public static void exit() {
        synchronized (COMMITS) { // a commit under way finishes first
            exiting = true;
        }
        deletePending();
    }

    /** For tests of {@link #exit} only: lets commits and registrations through again. */
    public static void resumeAfterTest() {
        synchronized (COMMITS) {
            exiting = false;
        }
    }

    /** Deletes every registered path, best effort, in two passes (the second catches files a writer added meanwhile). */
    static void deletePending() {
        for (int pass = 0; pass < 2; pass++) {
            for (Path path : PENDING.toArray(Path[]::new)) {
                try {
                    AtomicFiles.deleteTree(path);
                    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        PENDING.remove(path);
                    }
                } catch (IOException | RuntimeException e) {
                    // the process is ending; AtomicFiles.removeStale clears what could not be deleted now
                }
            }
        }
    }

    private static synchronized void hook() {
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitCleanup::exit, "lowrank-exit-cleanup"));
            hooked = true;
        }
    }
}
