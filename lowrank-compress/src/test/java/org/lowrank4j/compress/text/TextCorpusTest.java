package org.lowrank4j.compress.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.train.LabelledTexts;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {

    @TempDir
    Path dir;

    @Test
    void readsAFolderOfTxtFilesInNaturalOrder() throws IOException {
        Files.writeString(dir.resolve("chapter_10.txt"), "Ten. Ten again.");
        Files.writeString(dir.resolve("chapter_2.txt"), "Two is here. Mr. Smith said so!");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub").resolve("z.txt"), "Nested text.");
        Files.writeString(dir.resolve("notes.md"), "Not read.");

        TextCorpus corpus = TextCorpus.sentences(dir);

        assertThat(corpus.texts()).containsExactly(
                "Two is here.", "Mr. Smith said so!", "Ten.", "Ten again.", "Nested text.");
        assertThat(TextCorpus.sentences(dir).texts()).isEqualTo(corpus.texts());
    }

    @Test
    void linesAndChunks() throws IOException {
        Path file = dir.resolve("a.txt");
        Files.writeString(file, "  one two three \n\n four five\n");

        assertThat(TextCorpus.lines(file).texts()).containsExactly("one two three", "four five");
        assertThat(TextCorpus.chunks(file, 2).texts()).containsExactly("one two", "three four", "five");
        assertThat(TextCorpus.lines(file).first(1)).containsExactly("one two three");
    }

    @Test
    void splitterKeepsAbbreviationsAndInitialsInsideSentences() {
        assertThat(SentenceSplitter.split("Gen. Grant met J. Q. Adams in the U. S. capital.  He left!  \"Why?\" Nobody knew."))
                .containsExactly("Gen. Grant met J. Q. Adams in the U. S. capital.", "He left!", "\"Why?\"", "Nobody knew.");
        assertThat(SentenceSplitter.split("   ")).isEmpty();
    }

    @Test
    void missingPathEmptyFolderAndBlankFilesAreClearErrors() throws IOException {
        assertThatThrownBy(() -> TextCorpus.sentences(dir.resolve("nope")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TextCorpus.sentences(dir))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no .txt files");
        Files.writeString(dir.resolve("blank.txt"), " \n\t\n");
        assertThatThrownBy(() -> TextCorpus.lines(dir))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds no text");
        assertThatThrownBy(() -> TextCorpus.chunks(dir, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void vendoredCalibrationAndHeldOutAreDisjointRealSentences() {
        List<String> calibration = TextCorpus.calibration().texts();
        List<String> heldOut = TextCorpus.heldOut().texts();

        assertThat(calibration).hasSize(330);
        assertThat(heldOut).hasSize(315);
        Set<String> overlap = new HashSet<>(calibration);
        overlap.retainAll(heldOut);
        assertThat(overlap).isEmpty();
        assertThat(calibration.get(0)).startsWith("In conformity to the powers vested in me");
    }

    @Test
    void vendoredOutOfDomainSetsAreTwoDisjointRegistersOfMobyDick() {
        List<String> narrative = TextCorpus.mobyDickNarrative().texts();
        List<String> dialogue = TextCorpus.mobyDickDialogue().texts();

        assertThat(narrative).hasSize(300).doesNotHaveDuplicates();
        assertThat(dialogue).hasSize(300).doesNotHaveDuplicates();
        assertThat(narrative).allSatisfy(t -> assertThat(t.split("\\s+").length).isBetween(8, 45))
                .allSatisfy(t -> assertThat(t).doesNotContain("\"", "\u201c", "\u201d"));
        assertThat(dialogue).allSatisfy(t -> assertThat(t.split("\\s+").length).isBetween(4, 40));
        assertThat(narrative).doesNotContainAnyElementsOf(dialogue)
                .doesNotContainAnyElementsOf(TextCorpus.calibration().texts()).doesNotContainAnyElementsOf(TextCorpus.heldOut().texts());
        assertThat(TextCorpus.mobyDickNarrative().source()).isEqualTo("vendored:moby-dick-narrative.txt");
        assertThat(narrative.get(0)).isEqualTo("The question is, what and where is the skin of the whale?");
    }

    @Test
    void defaultMixHoldsTwoRegistersAndNoEvaluationText() {
        TextCorpus mix = TextCorpus.mix();
        List<String> texts = mix.texts();

        assertThat(mix.source()).isEqualTo(TextCorpus.MIX_SOURCE);
        assertThat(texts).hasSize(8029).doesNotHaveDuplicates();
        // Moby Dick chapters 1-67 first, then State of the Union sentences
        assertThat(texts.get(0)).startsWith("Some years ago");
        assertThat(texts.get(texts.size() - 1)).doesNotContain("whale");
        assertThat(texts).doesNotContainAnyElementsOf(TextCorpus.heldOut().texts())
                .doesNotContainAnyElementsOf(TextCorpus.mobyDickNarrative().texts())
                .doesNotContainAnyElementsOf(TextCorpus.mobyDickDialogue().texts())
                .doesNotContainAnyElementsOf(TextCorpus.partyProbe().texts());
        // without a path, calibration spreads over the mix: both halves contribute
        List<String> calibration = TextCorpus.calibration(null, 10, null);
        assertThat(calibration).hasSize(10).isSubsetOf(texts);
        assertThat(texts.indexOf(calibration.get(0))).isLessThan(texts.size() / 2);
        assertThat(texts.indexOf(calibration.get(9))).isGreaterThan(texts.size() / 2);
        assertThat(TextCorpus.calibration(null, 3, "chunks")).hasSize(3)
                .allSatisfy(c -> assertThat(c.split(" ")).hasSize(TextCorpus.WORDS_PER_CHUNK));
    }

    @Test
    void vendoredPartyProbeIsBalancedAndDisjointFromCalibrationAndHeldOut() {
        LabelledTexts probe = TextCorpus.partyProbe();

        assertThat(probe.classNames()).containsExactly("democrat", "republican");
        assertThat(probe.classCounts()).containsExactly(200, 200);
        assertThat(probe.source()).isEqualTo("vendored:sotu-party.tsv");
        assertThat(probe.texts()).allSatisfy(t -> assertThat(t.split("\\s+").length).isBetween(40, 80));
        assertThat(new HashSet<>(probe.texts())).hasSize(400);
        assertThat(probe.texts()).doesNotContainAnyElementsOf(TextCorpus.calibration().texts())
                .doesNotContainAnyElementsOf(TextCorpus.heldOut().texts());
        assertThat(TextCorpus.class.getResource("/org/lowrank4j/compress/text/spam-ham.tsv")).isNull();
    }

    /** A fake raw e-mail: a few headers, a blank line, then the body. */
    private static String mail(String subject, String contentType, String body) {
        return "From sender@example.org  Mon Jan  1 00:00:00 2001\r\nFrom: sender@example.org\r\nSubject: "
                + subject + "\r\nContent-Type: " + contentType + "\r\n\r\n" + body;
    }

    private void write(String folder, String name, String content) throws IOException {
        Files.createDirectories(dir.resolve(folder));
        Files.writeString(dir.resolve(folder).resolve(name), content);
    }

    @Test
    void readsASpamAssassinFolderBalancedAndCleaned() throws IOException {
        for (int i = 1; i <= 6; i++) {
            write("spam-1", i + ".txt", mail("Offer " + i, "text/html",
                    "<html><style>p {color: red}</style><body><p>WIN   a <b>prize</b> &amp; cash number " + i
                            + "!</p>\n<!-- hidden --></body></html>"));
        }
        write("spam-2", "1.txt", mail("dup", "text/plain", "WIN a prize & cash number 3!"));   // duplicate of spam-1/3
        write("spam-2", "2.txt", mail("empty", "text/plain", "  \n <br> \n"));               // empty once cleaned
        write("spam-2", "3.txt", "Subject: no body at all\n");
        for (int i = 1; i <= 3; i++) {
            write("easy-ham-1", i + ".txt", mail("Meeting " + i, "text/plain",
                    "Hi all,\n\nthe meeting moves to room " + i + ".\nSubject: not a header here\n"));
        }
        write("hard-ham-1", "10.txt", mail("Long", "text/plain", "word ".repeat(200)));
        write("hard-ham-1", "9.txt", mail("Newsletter", "text/plain", "Our newsletter, issue nine."));
        Files.writeString(dir.resolve("README"), "not a class folder");

        LabelledTexts set = LabelledTexts.spamAssassin(dir, 100);

        assertThat(set.classNames()).containsExactly("spam", "ham");
        assertThat(set.classCounts()).containsExactly(5, 5);   // 6 distinct spam, 5 ham: balanced to 5
        assertThat(set.texts()).doesNotHaveDuplicates()
                .allSatisfy(t -> assertThat(t).isNotBlank().doesNotContain("<", "From:", "Subject: Offer", "color")
                        .hasSizeLessThanOrEqualTo(400));
        List<String> ham = set.texts().subList(5, 10);
        assertThat(ham).containsExactly(
                "Hi all, the meeting moves to room 1. Subject: not a header here",
                "Hi all, the meeting moves to room 2. Subject: not a header here",
                "Hi all, the meeting moves to room 3. Subject: not a header here",
                "Our newsletter, issue nine.",
                ("word ".repeat(80)).strip());
        assertThat(set.texts().get(0)).isEqualTo("WIN a prize & cash number 1!");
        assertThat(set.labels()).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);

        LabelledTexts small = LabelledTexts.spamAssassin(dir, 2);
        assertThat(small.classCounts()).containsExactly(2, 2);
        assertThat(small.texts()).containsExactly("WIN a prize & cash number 2!", "WIN a prize & cash number 5!",
                ham.get(1), ham.get(3));
        assertThat(LabelledTexts.spamAssassin(dir, 2)).usingRecursiveComparison().isEqualTo(small);
        assertThat(LabelledTexts.load(dir).texts()).isEqualTo(set.texts());
        assertThat(LabelledTexts.spamAssassin(dir).classCounts()).containsExactly(5, 5);
    }

    @Test
    void mailBodyDropsMimeScaffoldingAndDecodesQuotedPrintable() {
        String raw = "Subject: x\nContent-Type: multipart/alternative; boundary=\"b1\"\n"
                + "Content-Transfer-Encoding: quoted-printable\n\n"
                + "--b1\nContent-Type: text/plain;\n\tcharset=us-ascii\n\nSoft=\nbreak and a=3Db here\n"
                + "--b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
                + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg==\n--b1--\n";
        assertThat(LabelledTexts.mailBody(raw)).isEqualTo("Softbreak and a=b here");
        assertThat(LabelledTexts.mailBody("Subject: only headers")).isEmpty();
    }

    @Test
    void folderWithoutSpamAssassinSubFoldersIsAClearError() throws IOException {
        write("spam-1", "1.txt", mail("x", "text/plain", "spam text"));
        assertThatThrownBy(() -> LabelledTexts.spamAssassin(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a SpamAssassin corpus").hasMessageContaining("easy-ham-1");
        assertThatThrownBy(() -> LabelledTexts.load(dir.resolve("spam-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no sub-folders").hasMessageContaining("SpamAssassin");
        assertThatThrownBy(() -> LabelledTexts.spamAssassin(dir.resolve("nope")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> LabelledTexts.load(dir.resolve("nope.tsv")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        write("hard-ham-1", "1.txt", "Subject: headers only\n");
        assertThatThrownBy(() -> LabelledTexts.spamAssassin(dir))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 ham");
        assertThatThrownBy(() -> LabelledTexts.spamAssassin(dir, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void loadReadsATsvFile() throws IOException {
        Path tsv = dir.resolve("set.tsv");
        Files.writeString(tsv, "label\ttext\nd\tone\nr\ttwo\n");
        LabelledTexts set = LabelledTexts.load(tsv);
        assertThat(set.classNames()).containsExactly("d", "r");
        assertThat(set.texts()).containsExactly("one", "two");
    }

    @Test
    void tsvErrors() throws IOException {
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "spam\tok\nno tab here\n");
        assertThatThrownBy(() -> LabelledTexts.readTsv(bad))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> LabelledTexts.readTsv(dir.resolve("missing.tsv")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }

    @Test
    void spreadTakesPiecesEvenlyOverTheWholeCorpus(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            text.append("Line ").append(i).append('\n');
        }
        java.nio.file.Files.writeString(dir.resolve("a.txt"), text);
        TextCorpus corpus = TextCorpus.lines(dir);
        org.assertj.core.api.Assertions.assertThat(corpus.spread(4)).containsExactly("Line 0", "Line 25", "Line 50", "Line 75");
        org.assertj.core.api.Assertions.assertThat(corpus.spread(500)).hasSize(100);
        org.assertj.core.api.Assertions.assertThat(corpus.spread(0)).isEmpty();
    }
}
