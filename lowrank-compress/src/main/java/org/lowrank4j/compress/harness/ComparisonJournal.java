package org.lowrank4j.compress.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.onnx.StatsCache;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * The finished rows of a comparison, kept in {@value #FILE} in its output folder as each row ends, so that an
 * interrupted {@code compare} run given {@code --resume} skips the rows it already has. The first line names the
 * setup (a hash of the model, calibration and evaluation settings); a journal of another setup is refused rather
 * than mixed in. Each further line is {@code {"key": "method|allocation|ratio", "run": {…}}}, the row as results.json
 * holds it. The file is rewritten atomically after each row.
 */
public final class ComparisonJournal {
    public static final String FILE = "rows.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORMAT = "lowrank4j-comparison-rows";

    private final Path file;
    private final String setup;
    private final Map<String, JsonNode> rows = new LinkedHashMap<>();
    private final int resumed;

    private ComparisonJournal(Path file, String setup, Map<String, JsonNode> kept) {
        this.file = file;
        this.setup = setup;
        this.rows.putAll(kept);
        this.resumed = kept.size();
    }

    /**
     * Opens the journal of {@code folder}. With {@code resume}, rows of an earlier run of the same setup are kept;
     * without, any earlier journal is replaced once the first row is written.
     *
     * @throws IllegalArgumentException with {@code resume}, when the folder's journal belongs to another setup or cannot be read
     */
    public static ComparisonJournal open(Path folder, String setup, boolean resume) throws IOException {
        Path file = folder.resolve(FILE);
        Map<String, JsonNode> kept = new LinkedHashMap<>();
        if (resume && Files.isRegularFile(file)) {
            List<String> lines = Files.readAllLines(file);
            JsonNode head;
            try {
                head = lines.isEmpty() ? null : JSON.readTree(lines.get(0));
            } catch (IOException e) {
                head = null;
            }
            if (head == null || !FORMAT.equals(head.path("format").asText())) {
                throw new IllegalArgumentException("--resume: " + file + " is not a lowrank4j comparison journal; remove it or choose another --out");
            }
            if (!setup.equals(head.path("setup").asText())) {
                throw new IllegalArgumentException("--resume: the rows in " + file + " were computed with another model, calibration or evaluation"
                        + " setup; run without --resume to start over, or choose another --out");
            }
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (IOException e) {
                    break; // a torn last line: the row is computed again
                }
                if (row.hasNonNull("key") && row.path("run").isObject()) {
                    kept.put(row.get("key").asText(), row.get("run"));
                }
            }
        }
        return new ComparisonJournal(file, setup, kept);
    }

    /** The key of one row. */
    public static String key(String method, String allocation, double ratio) {
        return method + "|" + allocation + "|" + String.format(Locale.ROOT, "%.6f", ratio);
    }

    /** A setup hash from the context entries that define the comparison (model, calibration, evaluation, …). */
    public static String setupKey(Map<String, ?> definingContext) {
        StatsCache.Key key = new StatsCache.Key();
        definingContext.forEach((k, v) -> key.text(k).text(String.valueOf(v)));
        return key.hex();
    }

    public boolean has(String key) {
        return rows.containsKey(key);
    }

    /** The row under {@code key}, or null. */
    public JsonNode get(String key) {
        return rows.get(key);
    }

    /** Rows taken over from the earlier run. */
    public int resumed() {
        return resumed;
    }

    public Path file() {
        return file;
    }

    /** Records a finished row and rewrites the journal. */
    public void add(String key, JsonNode run) throws IOException {
        rows.put(key, run);
        StringBuilder text = new StringBuilder();
        ObjectNode head = JSON.createObjectNode().put("format", FORMAT).put("version", 1).put("setup", setup);
        text.append(JSON.writeValueAsString(head)).append('\n');
        for (Map.Entry<String, JsonNode> e : rows.entrySet()) {
            ObjectNode line = JSON.createObjectNode().put("key", e.getKey());
            line.set("run", e.getValue());
            text.append(JSON.writeValueAsString(line)).append('\n');
        }
        AtomicFiles.writeString(file, text.toString());
    }
}
