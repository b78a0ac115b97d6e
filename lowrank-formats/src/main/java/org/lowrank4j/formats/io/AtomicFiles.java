package org.lowrank4j.formats.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

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
        requireWritable(target);
        Path temp = createSibling(target);
        ExitCleanup.register(temp);
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                writer.write(out);
            }
            ExitCleanup.commit(temp, () -> moveReplacing(temp, target));
        } catch (IOException e) {
            throw explainDiskFull(e, target);
        } finally {
            Files.deleteIfExists(temp);
            ExitCleanup.forget(temp);
        }
    }

    /**
     * Writes files that belong together (the pictures of one result and their record): each is written in full under a
     * hidden name first, and only then are they all renamed into place, in the map's order and in one
     * {@link ExitCleanup#commit}. A run that fails or is stopped while it writes leaves the earlier files as they were,
     * never some new ones beside some earlier ones.
     *
     * @throws IllegalArgumentException when a target's folder is missing or not writable, or a target is a folder
     */
    public static void writeTogether(java.util.Map<Path, Writer> files) throws IOException {
        for (Path target : files.keySet()) {
            requireWritable(target);
        }
        java.util.Map<Path, Path> staged = new java.util.LinkedHashMap<>(); // each target to its hidden file
        try {
            for (java.util.Map.Entry<Path, Writer> e : files.entrySet()) {
                Path temp = createSibling(e.getKey());
                staged.put(e.getKey(), temp);
                ExitCleanup.register(temp);
                try (OutputStream out = Files.newOutputStream(temp)) {
                    e.getValue().write(out);
                }
            }
            ExitCleanup.commit(List.copyOf(staged.values()), () -> {
                for (java.util.Map.Entry<Path, Path> e : staged.entrySet()) {
                    moveReplacing(e.getValue(), e.getKey());
                }
            });
        } catch (IOException e) {
            throw explainDiskFull(e, files.keySet().iterator().next());
        } finally {
            for (Path temp : staged.values()) {
                Files.deleteIfExists(temp);
                ExitCleanup.forget(temp);
            }
        }
    }

    /** The checks {@link #write} makes before it writes: the target's folder exists and is writable, and the target is no folder. */
    private static void requireWritable(Path target) {
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("cannot write " + target + ": folder " + folder + " does not exist; create it first");
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException("cannot write " + target + ": folder " + folder + " is not writable");
        }
        if (Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) { // the rename would fail naming the staging file
            throw new IllegalArgumentException("cannot write " + target + ": it is a folder; give a file name");
        }
    }

    /**
     * A full disk as one line naming the output and what to do: the file system's own "No space left on device" (or
     * "Disk quota exceeded") names no file, or names a hidden staging file the user never chose. Other exceptions, and
     * those that already say more, are returned as they are.
     */
    public static IOException explainDiskFull(IOException e, Path out) {
        IOException bareOne = e instanceof DiskFull explained ? (IOException) explained.getCause() : e;
        String bare = bareOne instanceof java.nio.file.FileSystemException f ? f.getReason() : bareOne.getMessage();
        if (bare == null || !(bare.strip().equals("No space left on device") || bare.strip().equals("Disk quota exceeded"))) {
            return e;
        }
        Path folder = out.toAbsolutePath().normalize().getParent();
        return new DiskFull("cannot write " + out + ": the disk is full (" + bare.strip() + "); free space on the disk of " + folder
                + " or write to another folder", bareOne);
    }

    /** A full disk, explained for the output being written (an enclosing folder's writer names its folder instead). */
    private static final class DiskFull extends IOException {
        DiskFull(String message, IOException cause) {
            super(message, cause);
        }
    }

    /** Renames {@code from} onto {@code to}, replacing a file there: atomically where the file system can. */
    static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Creates a new empty file beside {@code target} with a unique hidden name, for writing before a rename.
     * Unlike {@link Files#createTempFile}, which makes files readable by their owner only, it gets the default
     * permissions (the umask applies), so the renamed result is as readable as any file the user writes.
     */
    public static Path createSibling(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = siblingName(target, "tmp");
            try {
                return Files.createFile(candidate);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * A fresh hidden name beside {@code target} for staging it ({@code kind} "tmp") or for moving an old copy aside
     * ("old"): {@code .NAME.lowrank-PID-RANDOM.KIND}, so that {@link #removeStale} can tell the leftovers of a killed
     * process from the files of a run still going.
     */
    public static Path siblingName(Path target, String kind) {
        Path absolute = target.toAbsolutePath().normalize();
        return absolute.resolveSibling("." + absolute.getFileName() + STAGING + ProcessHandle.current().pid() + "-"
                + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE) + "." + kind);
    }

    /**
     * Deletes the staging files and folders {@link #siblingName} made for {@code target} whose process is no longer
     * running (a run killed while writing); a running process's files are left alone. An earlier output set aside by
     * {@link #replacing} is put back instead when {@code target} is missing. Older staging names without a
     * process id count as stale once an hour old.
     *
     * @return how many were removed
     */
    public static int removeStale(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path folder = absolute.getParent();
        if (folder == null || absolute.getFileName() == null || !Files.isDirectory(folder)) {
            return 0;
        }
        String prefix = "." + absolute.getFileName() + ".";
        int removed = 0;
        List<Path> candidates;
        try (Stream<Path> list = Files.list(folder)) {
            candidates = list.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && (n.endsWith(".tmp") || n.endsWith(".old"));
            }).toList();
        }
        for (Path leftover : candidates) {
            if (isStale(leftover.getFileName().toString().substring(prefix.length() - 1), leftover)) {
                if (leftover.getFileName().toString().endsWith(".old") && !Files.exists(absolute, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(leftover, absolute); // a run killed between replacing's two renames: the earlier output comes back
                } else {
                    deleteTree(leftover);
                }
                removed++;
            }
        }
        return removed;
    }

    private static boolean isStale(String suffix, Path file) throws IOException {
        int at = suffix.indexOf(STAGING);
        if (at == 0) {
            int dash = suffix.indexOf('-', STAGING.length());
            try {
                long pid = Long.parseLong(suffix.substring(STAGING.length(), dash));
                return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
            } catch (RuntimeException e) {
                return false;
            }
        }
        // a name from before process ids were recorded: stale once clearly abandoned
        return Files.getLastModifiedTime(file).toMillis() < System.currentTimeMillis() - 3_600_000L;
    }

    /** A write into a path that does not exist yet (a file or a folder), which may fail. */
    @FunctionalInterface
    public interface Writing<T> {
        T to(Path staging) throws Exception;
    }

    /**
     * Writes {@code out} afresh, replacing what is there (a file or a folder the caller has been allowed to replace): the
     * writer writes a hidden staging name beside it, and only when it has succeeded does the old {@code out} go aside, the
     * new one take its name, and the old one go. A writer that fails, or a run killed while it writes, leaves the old
     * {@code out} as it was (the staging leftovers are removed, or later by {@link #removeStale}); a run killed between the
     * two renames leaves the old one aside, and {@link #removeStale} puts it back. Every failure removes the staging name
     * before it is thrown, a failed rename included (an {@code out} that cannot be moved aside: a mount point, say).
     *
     * @throws IllegalArgumentException before anything is written, when {@code out} is the current working folder or
     *                                  holds it ({@code --out .}): it cannot be renamed, or the folder the command was
     *                                  started in would be deleted from under the user's shell
     */
    public static <T> T replacing(Path out, Writing<T> writing) throws Exception {
        requireNotWorkingFolder(out);
        Path staging = siblingName(out, "tmp");
        ExitCleanup.register(staging); // Ctrl-C while writing: the shutdown hook removes the staging folder
        T result;
        try {
            result = writing.to(staging);
        } catch (Exception | Error e) {
            try {
                deleteTree(staging);
                ExitCleanup.forget(staging);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof IOException io) {
                throw explainDiskFull(io, out); // the folder's name, not that of a file in its hidden staging folder
            }
            throw e;
        }
        Path[] aside = new Path[1];
        // both renames under ExitCleanup's lock: a Ctrl-C meanwhile waits for them, and one that came first (its hook
        // deleting the staging folder while the writer above still ran) leaves the earlier OUT as it was
        try {
            commitReplacing(staging, out, aside);
        } catch (IOException e) { // a rename failed (an out that cannot be moved aside: a mount point), or the process is ending
            if (ExitCleanup.pending(staging)) {
                try {
                    deleteTree(staging);
                    ExitCleanup.forget(staging);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
        if (aside[0] != null) {
            deleteTree(aside[0]);
            ExitCleanup.forget(aside[0]);
        }
        return result;
    }

    /** Both renames of {@link #replacing} under ExitCleanup's lock; {@code aside[0]} is set to where an earlier OUT went. */
    private static void commitReplacing(Path staging, Path out, Path[] aside) throws IOException {
        ExitCleanup.commit(staging, () -> {
            if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                aside[0] = siblingName(out, "old");
                Files.move(out, aside[0]);
            }
            try {
                Files.move(staging, out);
            } catch (IOException e) {
                if (aside[0] != null) {
                    try {
                        Files.move(aside[0], out);
                    } catch (IOException restore) {
                        e.addSuppressed(new IOException("the earlier " + out + " is kept at " + aside[0], restore));
                    }
                }
                throw e;
            }
            if (aside[0] != null) {
                ExitCleanup.register(aside[0]); // stopped while deleting it in replacing: the hook finishes the job
            }
        });
    }

    /**
     * Refuses to replace the folder the process runs in, or one that holds it: {@code .} cannot be renamed at all, and
     * {@code ../here} can, which would leave the user's shell in a deleted folder.
     */
    private static void requireNotWorkingFolder(Path out) throws IOException {
        if (!Files.isDirectory(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return; // a file, a link (renaming a link moves the link alone) or nothing yet
        }
        Path here = Path.of("").toAbsolutePath().toRealPath();
        Path target = out.toRealPath();
        if (here.startsWith(target)) {
            throw new IllegalArgumentException("cannot replace " + out + ": it " + (here.equals(target) ? "is" : "holds") + " the current folder "
                    + here + ", which the command runs in; choose another path, or run the command from another folder");
        }
    }

    /**
     * Runs work that fills OUT in place because it can be resumed (a fine-tune's checkpoints, an index filled row by
     * row), replacing an earlier OUT (one the caller was allowed to replace, with --force). The earlier OUT is moved aside
     * under a hidden name first. When the work fails before OUT holds anything {@code resumable} (a refused setting, an
     * unreadable input), what it made is removed and the earlier OUT comes back; once it has left something to resume, or
     * has succeeded, the earlier OUT goes. Without an earlier OUT, a folder the work made is removed when it fails before
     * holding anything resumable. A run killed meanwhile leaves the earlier OUT aside, which {@link #removeStale} puts back
     * when OUT is absent.
     */
    public static <T> T restartingIn(Path out, java.util.function.Predicate<Path> resumable, java.util.concurrent.Callable<T> work) throws Exception {
        boolean existed = Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Path aside = null;
        if (existed) {
            aside = siblingName(out, "old");
            Files.move(out, aside);
        }
        T result;
        try {
            result = work.call();
        } catch (Exception | Error e) {
            try {
                if (!Files.isDirectory(out) || !resumable.test(out)) {
                    deleteTree(out);
                    if (aside != null) {
                        Files.move(aside, out);
                    }
                } else if (aside != null) {
                    deleteTree(aside); // the new run can be resumed, as --force asked
                }
            } catch (IOException restore) {
                e.addSuppressed(aside == null ? restore : new IOException("the earlier " + out + " is kept at " + aside, restore));
            }
            throw e;
        }
        if (aside != null) {
            deleteTree(aside);
        }
        return result;
    }

    /** What fills a folder being written: its files, into the new empty folder given. */
    @FunctionalInterface
    public interface FolderWriter {
        void writeInto(Path folder) throws IOException;
    }

    /**
     * {@link #replacing} for a folder (a model, an index) whose writer throws only IOExceptions: the writer fills a new
     * empty hidden folder beside {@code out}, which then takes its name.
     */
    public static void replaceFolder(Path out, FolderWriter writer) throws IOException {
        try {
            replacing(out, staging -> {
                Files.createDirectories(staging);
                writer.writeInto(staging);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) { // the writer throws no other checked exception
            throw new IOException(e);
        }
    }

    /**
     * Earlier files a run is about to replace (a model's record and report) taken out of sight while it works: each is
     * renamed to a hidden staging name beside it, so that a run stopped or killed meanwhile leaves none of them behind to
     * describe an output that has since changed (ExitCleanup, or the next run's {@link #removeStale}, deletes them). A run
     * that fails puts them back with {@link #restore}; one that succeeds deletes them with {@link #discard}.
     */
    public static final class SetAside {
        private final java.util.Map<Path, Path> hidden = new java.util.LinkedHashMap<>(); // each file to its hidden name

        private SetAside() {
        }

        /** Sets aside those of {@code files} that exist. */
        public static SetAside of(Path... files) throws IOException {
            SetAside aside = new SetAside();
            for (Path file : files) {
                if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Path to = siblingName(file, "tmp");
                    ExitCleanup.register(to);
                    Files.move(file, to);
                    aside.hidden.put(file, to);
                }
            }
            return aside;
        }

        /** Puts every file back under its name, unless a new file has taken the name meanwhile. */
        public void restore() throws IOException {
            for (var e : hidden.entrySet()) {
                if (!Files.exists(e.getKey(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(e.getValue(), e.getKey());
                }
                Files.deleteIfExists(e.getValue());
                ExitCleanup.forget(e.getValue());
            }
            hidden.clear();
        }

        /** Deletes the files set aside: their replacements are written. */
        public void discard() throws IOException {
            for (Path to : hidden.values()) {
                Files.deleteIfExists(to);
                ExitCleanup.forget(to);
            }
            hidden.clear();
        }
    }

    /** Deletes a file, or a folder with everything in it. */
    public static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }

    private static final String STAGING = ".lowrank-";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
