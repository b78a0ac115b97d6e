package org.lowrank4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** What the CLI tests share: running a command line with its output captured, and unpacking bundled models. */
final class CliRun {
    private CliRun() {
    }

    /** Runs the CLI: {exit code, stdout, stderr}. */
    static Object[] run(String... args) {
        PrintStream savedOut = System.out, savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = LowrankCommand.execute(args);
            return new Object[] {code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** A test resource copied to {@code target} once (atomically, so parallel or interrupted runs never see half a file). */
    static Path resource(String resource, Path target) throws IOException {
        if (!Files.isRegularFile(target)) {
            try (InputStream in = CliRun.class.getResourceAsStream(resource)) {
                Path temp = Files.createTempFile(target.getParent(), "resource", ".tmp");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }
}
