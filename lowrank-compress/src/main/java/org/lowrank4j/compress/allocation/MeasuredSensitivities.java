package org.lowrank4j.compress.allocation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * A {@link SensitivityProbe} that remembers every measurement and keeps them in a small JSON file, so that an
 * interrupted sensitivity scan (spec c03 algorithm B: |sites| × |candidates| whole-model evaluations, "cached on
 * disk" in the reference code) resumes where it stopped. Each new measurement is written at once (atomically);
 * known ones are answered from memory without calling the underlying probe.
 *
 * <p>The file carries a caller-chosen {@code key} (e.g. a hash of model, calibration text and method); a file with
 * another key is refused rather than silently reused. Format:
 * <pre>
 * {"format": "lowrank4j-sensitivities", "version": 1, "key": "...", "baseline": 12.3,
 *  "sites": {"block 0 attention.query": {"38": 12.9, "57": 12.5}, ...}}
 * </pre>
 */
public final class MeasuredSensitivities implements SensitivityProbe {
    private static final String FORMAT = "lowrank4j-sensitivities";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SensitivityProbe measure;
    private final Path file;
    private final String key;
    private Double baseline;
    private final Map<String, TreeMap<Integer, Double>> values = new LinkedHashMap<>();
    private int newMeasurements;

    private MeasuredSensitivities(SensitivityProbe measure, Path file, String key) {
        this.measure = measure;
        this.file = file;
        this.key = key;
    }

    /**
     * Opens (or starts) the cache in {@code file}.
     *
     * @param measure the real probe, called only for what the file does not hold; may be null for a read-only cache
     * @throws IllegalArgumentException when the file is not a sensitivity cache, has another key, or holds non-finite values
     */
    public static MeasuredSensitivities open(Path file, String key, SensitivityProbe measure) throws IOException {
        if (file == null || key == null) {
            throw new IllegalArgumentException("a sensitivity cache needs a file and a key");
        }
        MeasuredSensitivities cache = new MeasuredSensitivities(measure, file, key);
        if (Files.isRegularFile(file)) {
            cache.read(JSON.readTree(file.toFile()));
        }
        return cache;
    }

    /**
     * As {@link #open}, but a file that cannot serve this key (another model, text or method, or not a cache) is
     * deleted and the cache starts empty; {@code onReplaced} is told why.
     */
    public static MeasuredSensitivities openReplacing(Path file, String key, SensitivityProbe measure, java.util.function.Consumer<String> onReplaced)
            throws IOException {
        try {
            return open(file, key, measure);
        } catch (IllegalArgumentException stale) {
            onReplaced.accept(stale.getMessage());
            Files.deleteIfExists(file);
            return open(file, key, measure);
        }
    }

    /** A cache in memory only (nothing is written). */
    public static MeasuredSensitivities inMemory(SensitivityProbe measure) {
        return new MeasuredSensitivities(measure, null, "");
    }

    @Override
    public synchronized double baseline() {
        if (baseline == null) {
            double b = require().baseline();
            if (!Double.isFinite(b)) {
                throw new IllegalArgumentException("sensitivity probe returned " + b + " for the uncompressed model's baseline loss");
            }
            baseline = b;
            save();
        }
        return baseline;
    }

    @Override
    public synchronized double evaluate(String site, int rank) {
        Double known = values.getOrDefault(site, new TreeMap<>()).get(rank);
        if (known != null) {
            return known;
        }
        double loss = require().evaluate(site, rank);
        if (!Double.isFinite(loss)) {
            throw new IllegalArgumentException("sensitivity probe returned " + loss + " for site " + site + " at rank " + rank
                    + "; the truncated model's loss must be finite");
        }
        values.computeIfAbsent(site, s -> new TreeMap<>()).put(rank, loss);
        newMeasurements++;
        save();
        return loss;
    }

    /** Whether (site, rank) is already known. */
    public synchronized boolean contains(String site, int rank) {
        return values.containsKey(site) && values.get(site).containsKey(rank);
    }

    /** Measurements held (loaded plus new). */
    public synchronized int size() {
        return values.values().stream().mapToInt(Map::size).sum();
    }

    /** Measurements taken by the underlying probe since this cache was opened. */
    public synchronized int newMeasurements() {
        return newMeasurements;
    }

    /** Writes the file now (also done after every new measurement). No-op for an in-memory cache. */
    public synchronized void save() {
        if (file == null) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        root.put("key", key);
        if (baseline != null) {
            root.put("baseline", baseline);
        }
        ObjectNode sites = root.putObject("sites");
        values.forEach((site, byRank) -> {
            ObjectNode node = sites.putObject(site);
            byRank.forEach((rank, loss) -> node.put(Integer.toString(rank), loss));
        });
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            AtomicFiles.writeString(file, JSON.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sensitivity cache " + file, e);
        }
    }

    private SensitivityProbe require() {
        if (measure == null) {
            throw new IllegalStateException("sensitivity cache " + file + " holds no such measurement and has no probe to take it");
        }
        return measure;
    }

    private void read(JsonNode root) {
        if (root == null || !FORMAT.equals(root.path("format").asText()) || root.path("version").asInt() != 1) {
            throw new IllegalArgumentException(file + " is not a version-1 sensitivity cache (format \"" + FORMAT + "\")");
        }
        if (!key.equals(root.path("key").asText())) {
            throw new IllegalArgumentException("sensitivity cache " + file + " belongs to key '" + root.path("key").asText()
                    + "', not '" + key + "'; delete it or use another file");
        }
        if (root.has("baseline")) {
            baseline = finite(root.get("baseline"), "baseline");
        }
        for (Iterator<Map.Entry<String, JsonNode>> sites = root.path("sites").fields(); sites.hasNext(); ) {
            Map.Entry<String, JsonNode> site = sites.next();
            TreeMap<Integer, Double> byRank = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> ranks = site.getValue().fields(); ranks.hasNext(); ) {
                Map.Entry<String, JsonNode> e = ranks.next();
                int rank;
                try {
                    rank = Integer.parseInt(e.getKey());
                } catch (NumberFormatException bad) {
                    throw new IllegalArgumentException("sensitivity cache " + file + ": site " + site.getKey() + " has rank '" + e.getKey() + "', not an integer");
                }
                byRank.put(rank, finite(e.getValue(), "site " + site.getKey() + " at rank " + rank));
            }
            values.put(site.getKey(), byRank);
        }
    }

    private double finite(JsonNode node, String what) {
        if (node == null || !node.isNumber() || !Double.isFinite(node.asDouble())) {
            throw new IllegalArgumentException("sensitivity cache " + file + ": " + what + " is " + node + ", not a finite number");
        }
        return node.asDouble();
    }
}
