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

    /**
     * The text of a .txt file, or of a folder's .txt files in natural name order; with years, only the files whose
     * names start with a year in [from, to] (State of the Union style {@code YEAR_name.txt}).
     */
    public static String readText(Path path, Integer from, Integer to, String option) {
        if (path == null || !Files.exists(path)) {
            throw new IllegalArgumentException(option + " " + path + " does not exist");
        }
        String text;
        TextFiles.Budget budget = TextFiles.budget();
        if (Files.isDirectory(path)) {
            List<Path> files = new ArrayList<>();
            for (Path file : TextFolder.textFiles(path)) {
                if (from == null && to == null || inYears(file, from, to)) {
                    files.add(file);
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(option + " " + path + " holds no .txt file named YEAR_*.txt with a year in ["
                        + (from == null ? "any" : from) + ", " + (to == null ? "any" : to) + "]");
            }
            StringBuilder out = new StringBuilder();
            for (Path file : files) {
                String part = budget.read(file);
                out.append(part);
                if (!part.isEmpty() && !part.endsWith("\n")) {
                    out.append('\n');
                }
            }
            text = out.toString();
        } else {
            if (from != null || to != null) {
                throw new IllegalArgumentException("--from and --to select files of a folder, but " + option + " " + path + " is a file");
            }
            TextFiles.requireRegularFile(path, option);
            text = budget.read(path);
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(option + " " + path + " holds no text");
        }
        return text;
    }

    /** Whether the file's name starts with a year in [from, to] (null: unbounded). */
    public static boolean inYears(Path file, Integer from, Integer to) {
        String name = file.getFileName().toString();
        int end = 0;
        while (end < name.length() && Character.isDigit(name.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 9) {
            return false;
        }
        int year = Integer.parseInt(name.substring(0, end));
        return (from == null || year >= from) && (to == null || year <= to);
    }

    /** The longest prefix of {@code text} whose UTF-8 encoding fits in {@code maxBytes} (whole code points only). */
    public static String firstBytes(String text, long maxBytes) {
        long bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }
}
