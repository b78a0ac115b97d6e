package org.lowrank4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Texts with class labels, for linear probes. Labels are integers {@code 0..classes-1}, indexing
 * {@link #classNames()}, numbered in order of first appearance.
 *
 * @param texts      the texts, in file order
 * @param labels     one label per text
 * @param classNames the name of each label
 * @param source     where the texts came from
 */
public record LabelledTexts(List<String> texts, int[] labels, List<String> classNames, String source) {

    /** Default cap on the texts per class that {@link #spamAssassin(Path)} keeps. */
    public static final int DEFAULT_PER_CLASS = 500;

    /** SpamAssassin sub-folders holding spam, in reading order. */
    public static final List<String> SPAM_FOLDERS = List.of("spam-1", "spam-2");

    /** SpamAssassin sub-folders holding ham (legitimate mail), in reading order. */
    public static final List<String> HAM_FOLDERS = List.of("easy-ham-1", "easy-ham-2", "hard-ham-1");

    /** Mail bodies are cut to about this many characters (at a word boundary when one is near). */
    static final int MAX_CHARS = 400;

    public LabelledTexts {
        texts = List.copyOf(texts);
        labels = labels.clone();
        classNames = List.copyOf(classNames);
        if (texts.size() != labels.length) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        }
        for (int label : labels) {
            if (label < 0 || label >= classNames.size()) {
                throw new IllegalArgumentException("label " + label + " outside 0.." + (classNames.size() - 1));
            }
        }
    }

    /** A copy of the labels. */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    public int size() {
        return texts.size();
    }

    /** Count of texts per label. */
    public int[] classCounts() {
        int[] counts = new int[classNames.size()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Reads a UTF-8 TSV file {@code label<TAB>text}, one text a line; a first line {@code label<TAB>text} is a
     * header and skipped; blank lines are skipped. The file is read as {@link TextFiles} reads (strict UTF-8, no
     * binary data, a size limit).
     *
     * @throws IllegalArgumentException if the file does not exist or is not a regular file, is not UTF-8 text, a line
     *                                  has no tab, or there are no rows
     */
    public static LabelledTexts readTsv(Path file) {
        if (file == null || !Files.exists(file)) {
            throw new IllegalArgumentException("labelled text file " + file
                    + " does not exist (expected label<TAB>text lines)");
        }
        TextFiles.requireRegularFile(file, "labelled text file");
        return parseTsv(TextFiles.read(file), file.toString());
    }

    /**
     * Reads labelled texts from a TSV file ({@link #readTsv}), a SpamAssassin-style folder ({@link #spamAssassin(Path)},
     * recognised by its sub-folder names) or a folder with one sub-folder per class ({@link #folderPerClass}).
     *
     * @throws IllegalArgumentException if the path does not exist, or is a folder of neither layout
     */
    public static LabelledTexts load(Path fileOrDir) {
        if (fileOrDir != null && Files.isDirectory(fileOrDir)) {
            boolean spamAssassin = !present(fileOrDir, SPAM_FOLDERS).isEmpty() || !present(fileOrDir, HAM_FOLDERS).isEmpty();
            return spamAssassin ? spamAssassin(fileOrDir) : folderPerClass(fileOrDir);
        }
        return readTsv(fileOrDir);
    }

    /** {@link #spamAssassin(Path, int)} with at most {@value #DEFAULT_PER_CLASS} texts per class. */
    public static LabelledTexts spamAssassin(Path dir) {
        return spamAssassin(dir, DEFAULT_PER_CLASS);
    }

    /**
     * Reads a SpamAssassin-style corpus: sub-folders {@code spam-1}, {@code spam-2} (class {@code spam}) and
     * {@code easy-ham-1}, {@code easy-ham-2}, {@code hard-ham-1} (class {@code ham}), one e-mail per file, at
     * least one folder of each class present. Each mail is reduced to its body: headers (everything up to the
     * first blank line) dropped, MIME part headers, boundaries and base64 lines dropped, quoted-printable soft
     * breaks undone, HTML tags removed crudely, whitespace collapsed, cut to about {@value #MAX_CHARS}
     * characters. Empty bodies and duplicates (of any earlier text, either class) are dropped. Both classes are
     * then cut to the same size, {@code min(perClass, spam count, ham count)}, by taking texts evenly spread over
     * each class's file order (files in natural name order, folders in the order above): deterministic.
     * Labels: {@code spam} = 0, {@code ham} = 1. Mail is read leniently (UTF-8, else ISO-8859-1, as old mail is), but
     * only regular files, at most {@value TextFiles#DEFAULT_LIMIT_MB} MB in all.
     *
     * @param perClass the most texts kept per class, at least 1
     * @throws IllegalArgumentException if {@code dir} is not a folder, lacks a spam or a ham sub-folder, or
     *                                  yields no text for a class
     */
    public static LabelledTexts spamAssassin(Path dir, int perClass) {
        if (perClass < 1) {
            throw new IllegalArgumentException("perClass must be at least 1, got " + perClass);
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("SpamAssassin folder " + dir + " does not exist or is not a folder");
        }
        List<Path> spamDirs = present(dir, SPAM_FOLDERS);
        List<Path> hamDirs = present(dir, HAM_FOLDERS);
        if (spamDirs.isEmpty() || hamDirs.isEmpty()) {
            throw new IllegalArgumentException("folder " + dir + " is not a SpamAssassin corpus: it needs at least one of "
                    + SPAM_FOLDERS + " (spam) and one of " + HAM_FOLDERS + " (ham) as sub-folders");
        }
        Set<String> seen = new HashSet<>();
        long[] budget = {TextFiles.DEFAULT_LIMIT};
        List<String> spam = mailBodies(spamDirs, seen, budget);
        List<String> ham = mailBodies(hamDirs, seen, budget);
        if (spam.isEmpty() || ham.isEmpty()) {
            throw new IllegalArgumentException("folder " + dir + " yields " + spam.size() + " spam and " + ham.size()
                    + " ham texts; both classes need at least one non-empty mail");
        }
        int n = Math.min(perClass, Math.min(spam.size(), ham.size()));
        List<String> texts = new ArrayList<>(pickEvenly(spam, n));
        texts.addAll(pickEvenly(ham, n));
        int[] labels = new int[2 * n];
        java.util.Arrays.fill(labels, n, 2 * n, 1);
        return new LabelledTexts(texts, labels, List.of("spam", "ham"),
                dir + " (SpamAssassin, " + n + " per class)");
    }

    /**
     * The body text of one raw e-mail, as {@link #spamAssassin(Path, int)} keeps it: headers dropped, MIME
     * scaffolding and HTML removed, whitespace collapsed, cut to about {@value #MAX_CHARS} characters; may be
     * empty.
     */
    public static String mailBody(String rawMail) {
        String mail = rawMail.replace("\r\n", "\n").replace('\r', '\n');
        int blank = mail.indexOf("\n\n");
        String body = blank < 0 ? "" : mail.substring(blank + 2);
        body = MIME_LINE.matcher(body).replaceAll(" ");
        if (QUOTED_PRINTABLE.matcher(mail).find()) {
            body = decodeQuotedPrintable(body);
        }
        body = STYLE_OR_SCRIPT.matcher(body).replaceAll(" ");
        body = HTML_COMMENT.matcher(body).replaceAll(" ");
        body = HTML_TAG.matcher(body).replaceAll(" ");
        body = unescapeEntities(body);
        body = WHITESPACE.matcher(body).replaceAll(" ").strip();
        if (body.length() > MAX_CHARS) {
            int cut = body.lastIndexOf(' ', MAX_CHARS);
            body = body.substring(0, cut > MAX_CHARS * 3 / 4 ? cut : MAX_CHARS).strip();
        }
        return body;
    }

    private static final Pattern QUOTED_PRINTABLE =
            Pattern.compile("(?im)^content-transfer-encoding:\\s*quoted-printable");
    /** MIME part headers, boundary lines and base64 lines. */
    private static final Pattern MIME_LINE = Pattern.compile(
            "(?im)^(?:content-[a-z-]+:.*(?:\\n[ \\t].*)*|--\\S+|[A-Za-z0-9+/]{40,}={0,2})[ \\t]*$");
    private static final Pattern STYLE_OR_SCRIPT = Pattern.compile("(?is)<(style|script)\\b[^>]*>.*?</\\1\\s*>");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern SOFT_LINE_BREAK = Pattern.compile("=[ \\t]*\n");
    private static final Pattern QUOTED_BYTE = Pattern.compile("=([0-9A-F]{2})");
    private static final Pattern HTML_COMMENT = Pattern.compile("(?s)<!--.*?-->");
    private static final Pattern HTML_TAG = Pattern.compile("(?s)<[!/a-zA-Z][^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});");
    private static final Map<String, String> NAMED_ENTITIES = Map.of(
            "nbsp", " ", "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "copy", "\u00a9",
            "reg", "\u00ae", "middot", "\u00b7");

    private static String decodeQuotedPrintable(String text) {
        String joined = SOFT_LINE_BREAK.matcher(text).replaceAll("");
        Matcher m = QUOTED_BYTE.matcher(joined);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int code = Integer.parseInt(m.group(1), 16);
            m.appendReplacement(out, Matcher.quoteReplacement(code < 0x80 ? String.valueOf((char) code) : " "));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String unescapeEntities(String text) {
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement;
            if (name.startsWith("#")) {
                try {
                    int code = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X')
                            ? Integer.parseInt(name.substring(2), 16) : Integer.parseInt(name.substring(1));
                    replacement = Character.isValidCodePoint(code) && code != 0 ? Character.toString(code) : " ";
                } catch (NumberFormatException e) {
                    replacement = " ";
                }
            } else {
                replacement = NAMED_ENTITIES.getOrDefault(name.toLowerCase(Locale.ROOT), m.group());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static List<Path> present(Path dir, List<String> names) {
        List<Path> found = new ArrayList<>();
        for (String name : names) {
            Path sub = dir.resolve(name);
            if (Files.isDirectory(sub)) {
                found.add(sub);
            }
        }
        return found;
    }

    /**
     * Distinct non-empty bodies of the files of the folders, in order; {@code seen} collects texts taken, {@code budget[0]}
     * the bytes that may still be read.
     */
    private static List<String> mailBodies(List<Path> folders, Set<String> seen, long[] budget) {
        List<String> bodies = new ArrayList<>();
        for (Path folder : folders) {
            List<Path> files;
            try (Stream<Path> list = Files.list(folder)) {
                files = list.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith("."))
                        .filter(p -> !p.getFileName().toString().equals("cmds"))
                        .sorted((a, b) -> NaturalOrder.compare(a.getFileName().toString(), b.getFileName().toString()))
                        .toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + folder, e);
            }
            for (Path file : files) {
                String body = mailBody(decode(file, budget));
                if (!body.isEmpty() && seen.add(body)) {
                    bodies.add(body);
                }
            }
        }
        return bodies;
    }

    /** UTF-8 when the bytes are valid UTF-8, ISO-8859-1 otherwise (older mail); counted against {@code budget[0]}. */
    private static String decode(Path file, long[] budget) {
        byte[] bytes;
        try {
            if (Files.size(file) > budget[0]) {
                throw new IllegalArgumentException("mail " + file + " takes the text read to more than the limit of "
                        + TextFiles.DEFAULT_LIMIT_MB + " MB; give a smaller corpus");
            }
            bytes = Files.readAllBytes(file);
            budget[0] -= bytes.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /** {@code n} items spread evenly over the list: items {@code (2i+1)·size / 2n}, i = 0..n-1. */
    static <T> List<T> pickEvenly(List<T> items, int n) {
        if (items.size() <= n) {
            return List.copyOf(items);
        }
        List<T> picked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            picked.add(items.get((int) ((2L * i + 1) * items.size() / (2L * n))));
        }
        return picked;
    }

    public static LabelledTexts parseTsv(String content, String source) {
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Map<String, Integer> classes = new LinkedHashMap<>();
        List<String> lines = content.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || (i == 0 && line.strip().equals("label\ttext"))) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected label<TAB>text");
            }
            String label = line.substring(0, tab).strip();
            String text = line.substring(tab + 1).strip();
            if (i == 0 && looksLikeHeader(label, text)) {
                throw new IllegalArgumentException(source + " line 1: the header names the columns \"" + label + "\" and \"" + text
                        + "\"; the file must be label<TAB>text (header \"label<TAB>text\" or none)");
            }
            if (text.isEmpty()) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": the text after label \"" + label
                        + "\" is empty; remove the line or give its text");
            }
            labels.add(classes.computeIfAbsent(label, k -> classes.size()));
            texts.add(text);
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no labelled texts");
        }
        int[] labelArray = labels.stream().mapToInt(Integer::intValue).toArray();
        return new LabelledTexts(texts, labelArray, new ArrayList<>(classes.keySet()), source);
    }

    /** A first row whose fields are column names ({@code text}, {@code label}, {@code sentence}, …) rather than data. */
    private static boolean looksLikeHeader(String first, String second) {
        Set<String> names = Set.of("label", "labels", "text", "sentence", "class", "category", "target", "y", "content");
        return names.contains(first.toLowerCase(Locale.ROOT)) && names.contains(second.toLowerCase(Locale.ROOT));
    }

    /**
     * Reads one folder per class: each sub-folder's name is a class, each regular file in it (natural name order, hidden
     * files skipped) one text, read as {@link TextFiles} reads; texts are stripped. Classes are numbered in natural order
     * of the folder names.
     *
     * @throws IllegalArgumentException if {@code dir} has no sub-folder, a sub-folder holds no file, or a file is empty
     */
    public static LabelledTexts folderPerClass(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("labelled text folder " + dir + " does not exist or is not a folder");
        }
        List<Path> classDirs = sortedEntries(dir, Files::isDirectory);
        if (classDirs.isEmpty()) {
            throw new IllegalArgumentException("folder " + dir + " has no sub-folders; give one sub-folder per class (its name is the label), "
                    + "one text file per example (or a SpamAssassin corpus with " + SPAM_FOLDERS + " and " + HAM_FOLDERS + ")");
        }
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path classDir : classDirs) {
            List<Path> files = sortedEntries(classDir, Files::isRegularFile);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("class folder " + classDir + " holds no text files");
            }
            for (Path file : files) {
                String text = TextFiles.read(file).strip();
                if (text.isEmpty()) {
                    throw new IllegalArgumentException("text file " + file + " is empty; remove it or give its text");
                }
                texts.add(text);
                labels.add(names.size());
            }
            names.add(classDir.getFileName().toString());
        }
        return new LabelledTexts(texts, labels.stream().mapToInt(Integer::intValue).toArray(), names, dir + " (one folder per class)");
    }

    private static List<Path> sortedEntries(Path dir, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(keep).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted((a, b) -> NaturalOrder.compare(a.getFileName().toString(), b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Indices of the training and test rows of a {@link #stratifiedSplit}, each ascending. */
    public record Split(int[] train, int[] test) {
    }

    /**
     * A stratified split of label indices: in each class (in label order), a shuffle drawn from one {@code Random(seed)}
     * puts {@code round(trainFraction * count)} rows in training and the rest in test. The encoder probe of
     * {@code eval} and the fine-tuning of classifiers both split this way, so their test rows are the same.
     */
    public static Split stratifiedSplit(int[] labels, double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        int classes = java.util.Arrays.stream(labels).max().orElse(-1) + 1;
        java.util.Random random = new java.util.Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            final int label = c;
            int[] members = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == label).toArray();
            for (int i = members.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = members[i];
                members[i] = members[j];
                members[j] = t;
            }
            int cut = (int) Math.round(trainFraction * members.length);
            for (int i = 0; i < members.length; i++) {
                (i < cut ? train : test).add(members[i]);
            }
        }
        return new Split(train.stream().mapToInt(Integer::intValue).sorted().toArray(),
                test.stream().mapToInt(Integer::intValue).sorted().toArray());
    }
}
