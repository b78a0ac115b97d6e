package org.lowrank4j.algorithms.anncur;

import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.nn.train.TextFiles;

/** A list of texts, one per line of a UTF-8 file (blank lines skipped, each line stripped): the items or the queries. */
public final class TextList {
    private TextList() {
    }

    /**
     * @param option the option that named the file, for the error message
     * @throws IllegalArgumentException when the file is missing, not UTF-8 text, or holds no text
     */
    public static List<String> read(Path file, String option) {
        if (file == null || !java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + " is not a file; give a text file with one sentence per line");
        }
        List<String> lines = TextFiles.read(file).lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(option + " " + file + " holds no text; give one sentence per line");
        }
        return lines;
    }
}
