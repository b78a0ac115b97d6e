package org.lowrank4j.compress.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.nn.train.NaturalOrder;
import org.lowrank4j.nn.train.TextFiles;

/**
 * An ordered, immutable list of text pieces (sentences, lines or fixed-size chunks) read from a file, a folder
 * of {@code .txt} files, or the small corpora vendored with this module.
 *
 * <p>Loading is deterministic: the files of a folder are found recursively and read in natural name order
 * ({@code chapter_2.txt} before {@code chapter_10.txt}). Files are read as {@link TextFiles} reads them: strict UTF-8
 * (a file that is not is refused with the offset of its first bad byte), no binary data, only regular files, and at
 * most {@value TextFiles#DEFAULT_LIMIT_MB} MB over all the files of one corpus.
 */
public final class TextCorpus {

    /** How the text of a file is cut into pieces. */
    public enum Unit {
        /** one piece per non-blank line */
        LINES,
        /** one piece per sentence (see {@link SentenceSplitter}) */
        SENTENCES,
        /** consecutive runs of a fixed number of words */
        CHUNKS
    }

    private static final String RESOURCE_DIR = "/org/lowrank4j/compress/text/";

    private final String source;
    private final List<String> texts;

    private TextCorpus(String source, List<String> texts) {
        this.source = source;
        this.texts = Collections.unmodifiableList(texts);
    }

    /** Sentences of a file or of every {@code .txt} file under a folder. */
    public static TextCorpus sentences(Path fileOrDir) {
        return load(fileOrDir, Unit.SENTENCES, 0);
    }

    /** Non-blank lines (trimmed) of a file or of every {@code .txt} file under a folder. */
    public static TextCorpus lines(Path fileOrDir) {
        return load(fileOrDir, Unit.LINES, 0);
    }

    /** Chunks of {@code wordsPerChunk} words (the last chunk of each file may be shorter). */
    public static TextCorpus chunks(Path fileOrDir, int wordsPerChunk) {
        if (wordsPerChunk < 1) {
            throw new IllegalArgumentException("wordsPerChunk must be at least 1, got " + wordsPerChunk);
        }
        return load(fileOrDir, Unit.CHUNKS, wordsPerChunk);
    }

    /**
     * Reads a file, or all {@code .txt} files under a folder, and cuts it into pieces.
     *
     * @param wordsPerChunk used only with {@link Unit#CHUNKS}
     * @throws IllegalArgumentException if the path does not exist, is not a regular file or folder, is a folder without
     *                                  {@code .txt} files, holds no text, or a file is not UTF-8 text or too large
     */
    public static TextCorpus load(Path fileOrDir, Unit unit, int wordsPerChunk) {
        if (fileOrDir == null || !Files.exists(fileOrDir)) {
            throw new IllegalArgumentException("text path " + fileOrDir
                    + " does not exist; give a .txt file or a folder of .txt files");
        }
        if (!Files.isDirectory(fileOrDir)) {
            TextFiles.requireRegularFile(fileOrDir, "text path");
        }
        if (unit == Unit.CHUNKS && wordsPerChunk < 1) {
            throw new IllegalArgumentException("wordsPerChunk must be at least 1, got " + wordsPerChunk);
        }
        List<Path> files = textFiles(fileOrDir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("folder " + fileOrDir + " holds no .txt files");
        }
        List<String> pieces = new ArrayList<>();
        TextFiles.Budget budget = TextFiles.budget();
        for (Path file : files) {
            pieces.addAll(split(budget.read(file), unit, wordsPerChunk));
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException(files.size() == 1 && files.get(0).equals(fileOrDir)
                    ? "text file " + fileOrDir + " holds no text (" + (budget.used() == 0 ? "it is empty" : "only blanks") + ")"
                    : "folder " + fileOrDir + " holds no text (" + files.size() + " .txt file(s), all blank)");
        }
        return new TextCorpus(fileOrDir.toString(), pieces);
    }

    /** Words per calibration chunk (≈ 128 tokens), for {@link #calibration(Path, int, String)}. */
    public static final int WORDS_PER_CHUNK = 90;

    /**
     * {@code count} calibration pieces spread evenly over a file or folder (every file contributes, not the first few), or
     * over the vendored {@link #mix()} when {@code fileOrDir} is null:
     * {@code unit} "sentences" (one sentence each, as a sentence encoder is used; also the default for null) or
     * "chunks" (about {@value #WORDS_PER_CHUNK} words each).
     *
     * @throws IllegalArgumentException naming --calib-sequences or --calib-unit for a bad count or unit
     */
    public static List<String> calibration(Path fileOrDir, int count, String unit) {
        requireCalibrationOptions(count, unit);
        boolean chunks = unit != null && unit.trim().equalsIgnoreCase("chunks");
        if (fileOrDir == null) {
            return (chunks ? new TextCorpus(MIX_SOURCE, chunk(resource(MIX), WORDS_PER_CHUNK)) : mix()).spread(count);
        }
        return (chunks ? chunks(fileOrDir, WORDS_PER_CHUNK) : sentences(fileOrDir)).spread(count);
    }

    /** The checks of {@link #calibration(Path, int, String)}, for callers that validate before long work. */
    public static void requireCalibrationOptions(int count, String unit) {
        if (count < 1) {
            throw new IllegalArgumentException("--calib-sequences must be at least 1, got " + count);
        }
        String u = unit == null ? "sentences" : unit.trim().toLowerCase(java.util.Locale.ROOT);
        if (!u.equals("sentences") && !u.equals("chunks")) {
            throw new IllegalArgumentException("--calib-unit must be sentences or chunks, got " + unit);
        }
    }

    private static final String MIX = "mix.txt";
    /** How records name the default text. */
    public static final String MIX_SOURCE = "vendored:mix.txt";

    /**
     * The default calibration and distillation text: 8,029 sentences, one a line, half of them every sentence of Moby
     * Dick chapters 1–67 (narrative and quoted speech), half spread over the State of the Union addresses 1790–1899 and
     * 1946–1980. Two registers rather than one, because recovery distilled on addresses alone fits them and keeps less
     * fidelity on other text (results/ood-mix). Shares no source with any evaluation set: not the held-out years
     * 1900–1945, not the party probe's 1981–2021, not Moby Dick chapters 68–135.
     */
    public static TextCorpus mix() {
        return new TextCorpus(MIX_SOURCE, split(resource(MIX), Unit.LINES, 0));
    }

    /** The vendored calibration sentences: 330 sentences of State of the Union addresses 1790–1899. */
    public static TextCorpus calibration() {
        return new TextCorpus("vendored:calibration.txt", split(resource("calibration.txt"), Unit.LINES, 0));
    }

    /** The vendored held-out sentences: 315 sentences of addresses 1900–1945, disjoint from calibration. */
    public static TextCorpus heldOut() {
        return new TextCorpus("vendored:heldout.txt", split(resource("heldout.txt"), Unit.LINES, 0));
    }

    /**
     * Out-of-domain evaluation text, narrative register: 300 sentences (8–45 words) of Moby Dick (Melville, 1851;
     * public domain), from paragraphs without quoted speech, spread over chapters 68–135. Nothing in the project
     * calibrates or trains on those chapters (the default {@link #mix()} takes chapters 1–67).
     */
    public static TextCorpus mobyDickNarrative() {
        return new TextCorpus("vendored:moby-dick-narrative.txt", split(resource("moby-dick-narrative.txt"), Unit.LINES, 0));
    }

    /**
     * Out-of-domain evaluation text, a second register: 300 lines of quoted speech from Moby Dick (4–40 words
     * between a pair of quotation marks) — short, spoken, often exclamations or questions, unlike both the addresses
     * and the narrative; from chapters 68–135, like {@link #mobyDickNarrative()} and disjoint from it.
     */
    public static TextCorpus mobyDickDialogue() {
        return new TextCorpus("vendored:moby-dick-dialogue.txt", split(resource("moby-dick-dialogue.txt"), Unit.LINES, 0));
    }

    /**
     * The vendored party probe set: 200 {@code democrat} and 200 {@code republican} passages (consecutive whole
     * sentences, 40–80 words) of State of the Union addresses 1981–2021, disjoint from {@link #calibration()} and
     * {@link #heldOut()}.
     * Public domain. The SpamAssassin spam-vs-ham probe is not vendored: read a fetched copy with
     * {@link LabelledTexts#spamAssassin(Path)}.
     */
    public static LabelledTexts partyProbe() {
        return LabelledTexts.parseTsv(resource("sotu-party.tsv"), "vendored:sotu-party.tsv");
    }

    /** Where the text came from (a path, or {@code vendored:NAME}). */
    public String source() {
        return source;
    }

    /** The pieces, in order (unmodifiable). */
    public List<String> texts() {
        return texts;
    }

    public int size() {
        return texts.size();
    }

    /**
     * {@code n} pieces spread evenly over the whole corpus, in corpus order (pieces {@code floor(i · size / n)}; all of
     * them if there are fewer): calibration that covers every file of a folder instead of its first few.
     */
    public List<String> spread(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be non-negative, got " + n);
        }
        if (n >= texts.size()) {
            return texts;
        }
        List<String> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(texts.get((int) ((long) i * texts.size() / n)));
        }
        return out;
    }

    /** The first {@code n} pieces (all of them if there are fewer). */
    public List<String> first(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be non-negative, got " + n);
        }
        return texts.subList(0, Math.min(n, texts.size()));
    }

    static List<String> split(String text, Unit unit, int wordsPerChunk) {
        switch (unit) {
            case LINES:
                return text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
            case SENTENCES:
                return SentenceSplitter.split(text);
            case CHUNKS:
                return chunk(text, wordsPerChunk);
            default:
                throw new AssertionError(unit);
        }
    }

    private static List<String> chunk(String text, int wordsPerChunk) {
        String stripped = text.strip();
        if (stripped.isEmpty()) {
            return List.of();
        }
        String[] words = stripped.split("\\s+");
        List<String> chunks = new ArrayList<>();
        for (int start = 0; start < words.length; start += wordsPerChunk) {
            int end = Math.min(words.length, start + wordsPerChunk);
            chunks.add(String.join(" ", java.util.Arrays.asList(words).subList(start, end)));
        }
        return chunks;
    }

    private static List<Path> textFiles(Path fileOrDir) {
        if (!Files.isDirectory(fileOrDir)) {
            return List.of(fileOrDir);
        }
        try (Stream<Path> walk = Files.walk(fileOrDir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".txt"))
                    .sorted((a, b) -> NaturalOrder.compare(fileOrDir.relativize(a).toString(),
                            fileOrDir.relativize(b).toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + fileOrDir, e);
        }
    }

    static String resource(String name) {
        try (InputStream in = TextCorpus.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("vendored text " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vendored text " + name, e);
        }
    }
}
