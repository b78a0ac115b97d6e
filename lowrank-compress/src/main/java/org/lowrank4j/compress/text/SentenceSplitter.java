package org.lowrank4j.compress.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small rule-based English sentence splitter: a sentence ends at {@code . ! ?} (with any closing quotes or
 * brackets) followed by white space and a capital letter, unless the word before the stop is a common
 * abbreviation ({@code Mr.}, {@code Gen.}) or a single letter ({@code J. Smith}, {@code U.S.}).
 * White space inside a sentence is collapsed to single spaces. Deterministic and locale-independent.
 */
public final class SentenceSplitter {

    private static final Pattern BOUNDARY = Pattern.compile("[.!?][\"')\\]]*\\s+(?=[\"'(\\[]?\\p{Lu})");
    private static final Pattern LAST_WORD = Pattern.compile("(\\w+)[.!?][\"')\\]]*\\s*$");
    private static final Set<String> ABBREVIATIONS = Set.of(
            "mr", "mrs", "ms", "dr", "st", "gen", "messrs", "no", "vs", "jr", "sr", "hon", "col", "capt", "lt",
            "prof", "rev", "gov", "sen", "rep", "etc", "inc", "co");

    private SentenceSplitter() {
    }

    /** The sentences of {@code text}, in order, stripped, never empty strings. */
    public static List<String> split(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        List<String> sentences = new ArrayList<>();
        int start = 0;
        Matcher boundary = BOUNDARY.matcher(flat);
        while (boundary.find()) {
            String candidate = flat.substring(start, boundary.end());
            Matcher last = LAST_WORD.matcher(candidate);
            if (last.find()) {
                String word = last.group(1);
                if (word.length() == 1 || ABBREVIATIONS.contains(word.toLowerCase(Locale.ROOT))) {
                    continue;
                }
            }
            add(sentences, candidate);
            start = boundary.end();
        }
        add(sentences, flat.substring(start));
        return sentences;
    }

    private static void add(List<String> sentences, String sentence) {
        String stripped = sentence.strip();
        if (!stripped.isEmpty()) {
            sentences.add(stripped);
        }
    }
}
