package org.lowrank4j.cli;

import picocli.CommandLine.Option;

/** {@code --from/--to}: of a text folder, only the files named YEAR_*.txt in that range of years (a mixin). */
final class YearRange {
    @Option(names = "--from", description = "With a folder: only files named YEAR_*.txt with YEAR >= this.")
    Integer from;

    @Option(names = "--to", description = "With a folder: only files named YEAR_*.txt with YEAR <= this.")
    Integer to;

    /** Whether either bound was given. */
    boolean given() {
        return from != null || to != null;
    }

    /** The text of {@code data} (a file, or a folder's files in this range), read for the option {@code --data}. */
    String read(java.nio.file.Path data) {
        return org.lowrank4j.nn.train.TextFolder.readText(data, from, to, "--data");
    }
}
