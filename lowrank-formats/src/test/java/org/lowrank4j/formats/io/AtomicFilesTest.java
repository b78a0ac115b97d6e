package org.lowrank4j.formats.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @Test
    void writesWithTheUsersDefaultPermissionsAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path plain = Files.createFile(dir.resolve("plain.txt"));
        Path written = dir.resolve("out.json");
        AtomicFiles.writeString(written, "{}\n");
        assertThat(Files.readString(written)).isEqualTo("{}\n");
        assertThat(Files.getPosixFilePermissions(written)).isEqualTo(Files.getPosixFilePermissions(plain));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("plain.txt", "out.json");
        }
    }

    @Test
    void aFailedWriteLeavesNothingAndKeepsTheOldFile(@TempDir Path dir) throws IOException {
        Path target = Files.writeString(dir.resolve("keep.txt"), "old");
        assertThatThrownBy(() -> AtomicFiles.write(target, out -> {
            out.write(1);
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void aReplacedFolderStaysWhenTheNewOneFailsAndGoesWhenItSucceeds(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("adapter"));
        Files.writeString(out.resolve("weights"), "old");
        assertThatThrownBy(() -> AtomicFiles.replacing(out, staging -> {
            assertThat(staging).doesNotExist().isNotEqualTo(out); // the writer starts from nothing, beside OUT
            Files.createDirectories(staging);
            Files.writeString(staging.resolve("half"), "partial");
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("adapter"); // no staging left behind
        }
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("weights"); // the old folder, whole
        }
        assertThat(Files.readString(out.resolve("weights"))).isEqualTo("old");

        int written = AtomicFiles.replacing(out, staging -> {
            assertThat(Files.readString(out.resolve("weights"))).isEqualTo("old"); // still there while the new one is written
            Files.createDirectories(staging);
            Files.writeString(staging.resolve("weights"), "new");
            return 7;
        });
        assertThat(written).isEqualTo(7);
        assertThat(Files.readString(out.resolve("weights"))).isEqualTo("new");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(1); // nothing set aside is left behind
        }
    }

    @Test
    void aFolderThatCannotBeMovedAsideKeepsItsContentsAndLeavesNoStagingFolder(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.writeString(folder.resolve("weights"), "old");
        Path out = folder.resolve("."); // the folder itself, by a name rename(2) refuses, as a mount point's would be
        boolean[] wrote = {false};
        assertThatThrownBy(() -> AtomicFiles.replacing(out, staging -> {
            Files.createDirectories(staging);
            Files.writeString(staging.resolve("weights"), "new");
            wrote[0] = true;
            return null;
        })).isInstanceOf(IOException.class);
        assertThat(wrote[0]).isTrue();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model"); // the staging folder went with the failure
        }
        assertThat(Files.readString(folder.resolve("weights"))).isEqualTo("old");
    }

    @Test
    void theFolderTheProcessRunsInIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path here = Path.of("").toAbsolutePath();
        String staged = "." + here.getFileName() + ".lowrank-" + ProcessHandle.current().pid() + "-"; // this process's staging names
        boolean[] wrote = {false};
        assertThatThrownBy(() -> AtomicFiles.replacing(Path.of("."), staging -> {
            Files.createDirectories(staging);
            wrote[0] = true;
            return null;
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot replace .: it is the current folder " + here.toRealPath())
                .hasMessageContaining("choose another path");
        assertThat(wrote[0]).isFalse();
        try (Stream<Path> files = Files.list(here.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(staged));
        }
    }

    @Test
    void anOutputSetAsideByARunThatDiedComesBackWhenItsNameIsFree(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("adapter");
        // what a run killed between replacing's two renames leaves: the earlier output aside under a dead process's id
        Path aside = dir.resolve(".adapter" + ".lowrank-" + Long.MAX_VALUE + "-1.old");
        Files.createDirectories(aside);
        Files.writeString(aside.resolve("weights"), "old");
        assertThat(AtomicFiles.removeStale(out)).isEqualTo(1);
        assertThat(Files.readString(out.resolve("weights"))).isEqualTo("old");
        assertThat(aside).doesNotExist();
    }

    @Test
    void aStopThatBeginsWhileTheNewFolderIsWrittenLeavesTheEarlierOneWhole(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("merged"));
        Files.writeString(out.resolve("model.safetensors"), "old weights");
        Files.writeString(out.resolve("config.json"), "old config");
        try {
            assertThatThrownBy(() -> AtomicFiles.replacing(out, staging -> {
                Files.createDirectories(staging);
                Files.writeString(staging.resolve("model.safetensors"), "new weights");
                ExitCleanup.exit(); // Ctrl-C: the shutdown hook deletes the staging folder while this writer goes on
                Files.createDirectories(staging); // as a writer that makes its folder again before each file
                Files.writeString(staging.resolve("config.json"), "new config");
                return null;
            })).isInstanceOf(IOException.class).hasMessageContaining("process is ending");
        } finally {
            ExitCleanup.resumeAfterTest();
        }
        // the half-deleted staging folder (a config without weights) was not renamed into place over the earlier one
        assertThat(Files.readString(out.resolve("model.safetensors"))).isEqualTo("old weights");
        assertThat(Files.readString(out.resolve("config.json"))).isEqualTo("old config");
    }

    @Test
    void noFileIsStartedOnceTheProcessIsEnding(@TempDir Path dir) throws IOException {
        Path target = Files.writeString(dir.resolve("out.json"), "old");
        try {
            ExitCleanup.exit();
            assertThatThrownBy(() -> AtomicFiles.writeString(target, "new")).hasMessageContaining("process is ending");
        } finally {
            ExitCleanup.resumeAfterTest();
        }
        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(1); // no staging file left for the hook, which has already run, to miss
        }
    }

    @Test
    void filesWrittenTogetherTakeTheirNamesOnlyOnceAllAreWritten(@TempDir Path dir) throws IOException {
        Path a = Files.writeString(dir.resolve("albedo.png"), "earlier albedo"), b = Files.writeString(dir.resolve("shading.png"), "earlier shading");
        Path record = Files.writeString(dir.resolve("record.json"), "earlier record");
        java.util.Map<Path, AtomicFiles.Writer> files = new java.util.LinkedHashMap<>();
        files.put(a, out -> out.write("new albedo".getBytes()));
        files.put(b, out -> {
            out.write("half a".getBytes());
            throw new IOException("No space left on device");
        });
        files.put(record, out -> out.write("new record".getBytes()));
        assertThatThrownBy(() -> AtomicFiles.writeTogether(files)).hasMessageContaining("No space left on device");
        assertThat(Files.readString(a)).isEqualTo("earlier albedo"); // not this run's albedo beside the earlier shading and record
        assertThat(Files.readString(b)).isEqualTo("earlier shading");
        assertThat(Files.readString(record)).isEqualTo("earlier record");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).hasSize(3);
        }

        files.put(b, out -> out.write("new shading".getBytes()));
        AtomicFiles.writeTogether(files);
        assertThat(Files.readString(a)).isEqualTo("new albedo");
        assertThat(Files.readString(b)).isEqualTo("new shading");
        assertThat(Files.readString(record)).isEqualTo("new record");
    }

    @Test
    void aFullDiskIsOneLineNamingTheOutputTheUserChose(@TempDir Path dir) throws Exception {
        Path record = dir.resolve("out.json");
        assertThatThrownBy(() -> AtomicFiles.write(record, out -> {
            throw new IOException("No space left on device"); // what the JVM reports, naming no file
        })).isInstanceOf(IOException.class).hasMessageStartingWith("cannot write " + record + ": the disk is full (No space left on device)")
                .hasMessageContaining("free space").hasMessageNotContaining("\n");

        Path folder = dir.resolve("model");
        assertThatThrownBy(() -> AtomicFiles.replaceFolder(folder, staging -> AtomicFiles.write(staging.resolve("model.safetensors"), out -> {
            throw new java.nio.file.FileSystemException(staging.resolve("model.safetensors").toString(), null, "No space left on device");
        }))).hasMessageStartingWith("cannot write " + folder + ": the disk is full").hasMessageNotContaining(".lowrank-");

        assertThatThrownBy(() -> AtomicFiles.write(record, out -> {
            throw new IOException("cannot read the input");
        })).hasMessage("cannot read the input"); // other failures keep their own words
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void missingFolderIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> AtomicFiles.writeString(dir.resolve("no").resolve("x.txt"), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }
}
