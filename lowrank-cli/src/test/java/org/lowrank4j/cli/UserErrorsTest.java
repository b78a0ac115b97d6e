package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.junit.jupiter.api.Test;

/** A failed file operation becomes one line that names the file a user chose and says what to do. */
class UserErrorsTest {

    @Test
    void aStagingFileIsShownAsTheOutputItStandsFor() {
        String line = UserErrors.describe(new NoSuchFileException("/proc/.x.json.lowrank-24521-29a1d087656a423d.tmp"));
        assertThat(line).startsWith("cannot open or create /proc/x.json: no such file or folder")
                .contains("its folder exists").doesNotContain("lowrank-24521").doesNotContain("\n");
        assertThat(UserErrors.describe(new NoSuchFileException("/data/.model.lowrank-7-abc.old"))).contains("/data/model:");
    }

    @Test
    void eachKindSaysWhatWentWrong() {
        assertThat(UserErrors.describe(new NoSuchFileException("/proc/x"))).isEqualTo(
                "cannot open or create /proc/x: no such file or folder; check the path, and for an output that its folder exists and accepts new files");
        assertThat(UserErrors.describe(new AccessDeniedException("/root/out.json"))).contains("/root/out.json: permission denied");
        assertThat(UserErrors.describe(new NotDirectoryException("/tmp/afile"))).startsWith("/tmp/afile is not a folder");
        assertThat(UserErrors.describe(new FileSystemException("/tmp/afile/sub", null, "Not a directory")))
                .isEqualTo("file operation on /tmp/afile/sub failed (Not a directory)");
        assertThat(UserErrors.describe(new FileSystemException("/tmp/a", "/tmp/b", null))).isEqualTo("file operation on /tmp/a and /tmp/b failed (FileSystemException)");
        assertThat(UserErrors.describe(new NoSuchFileException(null))).contains("a file");
    }
}
