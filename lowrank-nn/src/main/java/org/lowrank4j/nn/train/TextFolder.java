package org.lowrank4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Reads the {@code .txt} files of a folder, in natural name order, as one text. */
public final class TextFolder {
    /**
     * Natural order of file names: runs of digits compare by value, so {@code chapter_2} comes before
     * {@code chapter_10}; other characters compare case-insensitively, then exactly (a total order).
     */
    public static final Comparator<String> NATURAL_ORDER = TextFolder::compareNatural;

    private TextFolder() {
    }

    /** The {@code .txt} files directly in {@code folder}, in {@link #NATURAL_ORDER} of their names. */
    public static List<Path> textFiles(Path folder) {
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("text folder " + folder + " does not exist or is not a folder");
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(folder)) {
            entries.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().toLowerCase().endsWith(".txt")).forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("text folder " + folder + " holds no .txt files");
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString(), NATURAL_ORDER));
        return files;
    }

    /**
     * The UTF-8 contents of the folder's {@code .txt} files in natural name order, each followed by a newline
     * unless it already ends with one; read as {@link TextFiles} reads (strict UTF-8, no binary, at most
     * {@value TextFiles#DEFAULT_LIMIT_MB} MB in all).
     *
     * @throws IllegalArgumentException when the folder is missing or holds no .txt file, or only empty ones, or a file
     *                                  is not UTF-8 text
     */
    public static String readAll(Path folder) {
        StringBuilder out = new StringBuilder();
        TextFiles.Budget budget = TextFiles.budget();
        for (Path file : textFiles(folder)) {
            String text = budget.read(file);
            out.append(text);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                out.append('\n');
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("text folder " + folder + " holds only empty .txt files");
        }
        return out.toString();
    }

    static int compareNatural(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i), cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i, sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String da = stripZeros(a.substring(si, i)), db = stripZeros(b.substring(sj, j));
                int c = da.length() != db.length() ? Integer.compare(da.length(), db.length()) : da.compareTo(db);
                if (c != 0) {
                    return c;
                }
            } else {
                int c = Character.compare(Character.toLowerCase(ca), Character.toLowerCase(cb));
                if (c != 0) {
                    return c;
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    private static String stripZeros(String digits) {
        int k = 0;
        while (k < digits.length() - 1 && digits.charAt(k) == '0') {
            k++;
        }
        return digits.substring(k);
    }
}
