package org.lowrank4j.algorithms.anncur;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * ANNCUR's offline step and a live search over its result. An index folder holds the exact cross-encoder scores of the
 * anchor queries against every item ({@code anchor-scores.safetensors}, R, k_q × |I|, with the hashes of the items and of
 * the cross-encoder it was computed with) and the anchor queries themselves ({@code anchor-queries.txt}). The anchor
 * items are drawn at search time (k_i is a query-time choice: E = pinv(R[:, I_anc]) R is cheap next to R).
 */
public final class AnnCurIndexing {
    public static final String SCORES = "anchor-scores.safetensors";
    public static final String QUERIES = "anchor-queries.txt";

    private AnnCurIndexing() {
    }

    /** An item found by a search, with its exact cross-encoder score. */
    public record Hit(int item, String text, double score) {
    }

    /** What a search returned and spent. */
    public record Found(List<Hit> hits, long calls, int anchorItems) {
    }

    /**
     * Scores every anchor query against every item with the cross-encoder into {@code folder} (continuing an unfinished
     * run of the same inputs); returns the number of pair scores the index holds.
     */
    public static long index(Path items, Path queries, CrossEncoderFiles crossEncoder, Path folder, IntConsumer progress) throws IOException {
        return index(items, queries, crossEncoder, folder, false, progress);
    }

    /**
     * As {@link #index(Path, Path, CrossEncoderFiles, Path, IntConsumer)}; with {@code replace} (--force) an earlier index in
     * {@code folder} is started over, and stays as it was until this run has scores of its own ({@link AtomicFiles#restartingIn}):
     * a run refused or failed before that puts it back.
     */
    public static long index(Path items, Path queries, CrossEncoderFiles crossEncoder, Path folder, boolean replace, IntConsumer progress)
            throws IOException {
        if (!replace || !Files.exists(folder)) {
            return fill(items, queries, crossEncoder, folder, progress);
        }
        try {
            return AtomicFiles.restartingIn(folder, f -> Files.exists(f.resolve(SCORES)), () -> fill(items, queries, crossEncoder, folder, progress));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) { // fill throws no other checked exception
            throw new IOException(e);
        }
    }

    private static long fill(Path items, Path queries, CrossEncoderFiles crossEncoder, Path folder, IntConsumer progress) throws IOException {
        List<String> itemList = TextList.read(items, "--items");
        List<String> queryList = TextList.read(queries, "--queries");
        crossEncoder.requireFiles();
        boolean created = !Files.exists(folder);
        Files.createDirectories(folder);
        try {
            Path saved = folder.resolve(QUERIES);
            if (Files.exists(saved) && !TextList.read(saved, "the index's").equals(queryList)) {
                throw new IllegalArgumentException(folder + " holds an index of other anchor queries; give another --out or --force");
            }
            AtomicFiles.writeString(saved, String.join("\n", queryList) + "\n");
            double[][] r = crossEncoder.scores(queryList, itemList, folder.resolve(SCORES), progress);
            return (long) r.length * r[0].length;
        } catch (IllegalArgumentException e) {
            // a cross-encoder that cannot be opened (not ONNX, another tokenizer, a text classifier) is refused before
            // any score is computed: the folder this call made holds nothing worth resuming, so it goes too
            if (created && !Files.exists(folder.resolve(SCORES))) {
                AtomicFiles.deleteTree(folder);
            }
            throw e;
        }
    }

    /** The anchor queries of an index folder. */
    public static List<String> anchorQueries(Path folder) {
        if (!Files.isRegularFile(folder.resolve(QUERIES))) {
            throw new IllegalArgumentException("--index " + folder + " has no " + QUERIES + "; build it with lowrank anncur index");
        }
        return TextList.read(folder.resolve(QUERIES), "--index " + folder + ":");
    }

    /**
     * The anchor queries' exact scores R (k_q × |I|).
     *
     * @throws IllegalArgumentException when the folder is not a finished index, or was built over other items or with
     *                                  another cross-encoder
     */
    public static double[][] load(Path folder, List<String> items, CrossEncoderFiles crossEncoder) throws IOException {
        Path scores = folder.resolve(SCORES);
        if (!Files.isRegularFile(scores)) {
            throw new IllegalArgumentException("--index " + folder + " has no " + SCORES + "; build it with lowrank anncur index");
        }
        Map<String, String> m = ScoreMatrixFile.metadata(scores);
        ScoreMatrixFile.Inputs expected = crossEncoder.inputs(anchorQueries(folder), items);
        if (!expected.itemsSha256().equals(m.get("items_sha256"))) {
            throw new IllegalArgumentException("--index " + folder + " was built over other items than --items; give the same item file");
        }
        if (!expected.scorerSha256().equals(m.get("scorer_sha256"))) {
            throw new IllegalArgumentException("--index " + folder + " was built with another cross-encoder than --model/--classifier");
        }
        return ScoreMatrixFile.read(scores);
    }

    /**
     * Searches one query: k_i anchor items drawn with {@code seed}, then {@link AnnCurSearch} at {@code budget} calls of
     * the live cross-encoder.
     */
    public static Found search(Path folder, Path items, CrossEncoderFiles crossEncoder, String query, int anchorItems, int budget, int k,
            long seed) throws IOException {
        List<String> itemList = TextList.read(items, "--items");
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("--query is empty; give the text to search for");
        }
        if (anchorItems < 1 || anchorItems > itemList.size()) {
            throw new IllegalArgumentException("--anchor-items " + anchorItems + " must be in [1, " + itemList.size() + "] (the item count)");
        }
        if (budget < anchorItems || budget > itemList.size()) {
            throw new IllegalArgumentException("--budget " + budget + " must pay for the " + anchorItems + " anchor items and stay within the "
                    + itemList.size() + " items: give a budget in [" + anchorItems + ", " + itemList.size() + "]");
        }
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1, got " + k);
        }
        double[][] r = load(folder, itemList, crossEncoder);
        CurIndex index = CurIndex.build(r, CurIndex.randomAnchors(itemList.size(), anchorItems, seed));
        double[] exact = new double[itemList.size()];
        try (OnnxCrossEncoder ce = crossEncoder.open()) {
            CrossEncoder live = (q, idx) -> {
                List<String> texts = new ArrayList<>(idx.length);
                for (int i : idx) {
                    texts.add(itemList.get(i));
                }
                double[] s = ce.score(query, texts);
                for (int j = 0; j < idx.length; j++) {
                    exact[idx[j]] = s[j];
                }
                return s;
            };
            SearchResult result = new AnnCurSearch(index).search(live, 0, budget, k);
            List<Hit> hits = new ArrayList<>();
            for (int i : result.top()) {
                hits.add(new Hit(i, itemList.get(i), exact[i]));
            }
            return new Found(hits, result.calls(), anchorItems);
        }
    }
}
