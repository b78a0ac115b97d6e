package org.lowrank4j.algorithms.anncur;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;

/**
 * Exact cross-encoder scores of queries × items on disk (safetensors: {@code scores}, float64, queries × items), with
 * what they were computed from in the metadata: SHA-256 of the query list, of the item list and of the scorer
 * (model file and head), and how many rows are done. The file is rewritten (atomically) every few rows, so a run that
 * stops continues from its last rows, and a finished file is reused; a file computed from other inputs is refused.
 */
public final class ScoreMatrixFile {
    public static final String TENSOR = "scores";
    private static final int SAVE_EVERY = 10;

    /** What a score file must have been computed from. */
    public record Inputs(String queriesSha256, String itemsSha256, String scorerSha256) {
        Map<String, String> metadata(int rowsDone) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("queries_sha256", queriesSha256);
            m.put("items_sha256", itemsSha256);
            m.put("scorer_sha256", scorerSha256);
            m.put("rows_done", Integer.toString(rowsDone));
            return m;
        }

        /** Hashes of the two lists and of the scorer's files (in order). */
        public static Inputs of(List<String> queries, List<String> items, Path... scorerFiles) throws IOException {
            MessageDigest scorer = Sha256.digest();
            for (Path p : scorerFiles) {
                scorer.update(Files.readAllBytes(p));
            }
            return new Inputs(hash(queries), hash(items), Sha256.hex(scorer));
        }
    }

    private ScoreMatrixFile() {
    }

    /** The full matrix of a finished file. */
    public static double[][] read(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!f.contains(TENSOR) || f.info(TENSOR).shape().length != 2) {
                throw new IllegalArgumentException(file + " holds no 2-D '" + TENSOR + "' tensor: it is not a score file written by lowrank anncur");
            }
            long[] shape = f.info(TENSOR).shape();
            int done = Integer.parseInt(f.metadata().getOrDefault("rows_done", "0"));
            if (done != shape[0]) {
                throw new IllegalArgumentException(file + " is unfinished (" + done + " of " + shape[0] + " rows); run the command that writes it again to continue");
            }
            return rows(f.readDoubles(TENSOR), (int) shape[0], (int) shape[1]);
        }
    }

    /** The metadata of a score file (its inputs' hashes). */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return f.metadata();
        }
    }

    /**
     * The scores of every query against every item: read from {@code file} when it holds them for these inputs,
     * continued when it holds some of their rows, computed otherwise.
     *
     * @param scorer   query number → its scores against all items
     * @param progress told the number of rows done after each row
     * @throws IllegalArgumentException when {@code file} exists but was computed from other queries, items or scorer
     */
    public static double[][] computeOrResume(Path file, Inputs inputs, int queries, int items, java.util.function.IntFunction<double[]> scorer,
            IntConsumer progress) throws IOException {
        double[][] out = new double[queries][];
        int start = 0;
        if (Files.exists(file)) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                Map<String, String> m = f.metadata();
                if (!inputs.metadata(0).entrySet().stream().filter(e -> !e.getKey().equals("rows_done"))
                        .allMatch(e -> e.getValue().equals(m.get(e.getKey())))) {
                    throw new IllegalArgumentException(file + " holds scores of other queries, items or cross-encoder; give another path or "
                            + "remove it");
                }
                long[] shape = f.info(TENSOR).shape();
                start = Integer.parseInt(m.getOrDefault("rows_done", "0"));
                double[][] saved = rows(f.readDoubles(TENSOR), (int) shape[0], (int) shape[1]);
                System.arraycopy(saved, 0, out, 0, start);
            }
        }
        for (int q = start; q < queries; q++) {
            double[] row = scorer.apply(q);
            if (row.length != items) {
                throw new IllegalStateException("the scorer gave " + row.length + " scores for " + items + " items");
            }
            out[q] = row;
            progress.accept(q + 1);
            if ((q + 1) % SAVE_EVERY == 0 || q + 1 == queries) {
                save(file, out, q + 1, items, inputs);
            }
        }
        return out;
    }

    private static void save(Path file, double[][] rows, int done, int items, Inputs inputs) throws IOException {
        double[] flat = new double[rows.length * items];
        for (int q = 0; q < done; q++) {
            System.arraycopy(rows[q], 0, flat, q * items, items);
        }
        new SafetensorsWriter().add(TENSOR, new long[] {rows.length, items}, flat).metadata(inputs.metadata(done)).write(file);
    }

    private static double[][] rows(double[] flat, int r, int c) {
        double[][] out = new double[r][c];
        for (int q = 0; q < r; q++) {
            System.arraycopy(flat, q * c, out[q], 0, c);
        }
        return out;
    }

    static String hash(List<String> lines) {
        MessageDigest d = Sha256.digest();
        for (String s : lines) {
            d.update(s.getBytes(StandardCharsets.UTF_8));
            d.update((byte) '\n');
        }
        return Sha256.hex(d);
    }

}
