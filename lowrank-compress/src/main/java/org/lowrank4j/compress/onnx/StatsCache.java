package org.lowrank4j.compress.onnx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * Calibration statistics saved to disk, so that a comparison that was interrupted, or a second compression of the
 * same model with the same text, does not run the model again. The key is a SHA-256 of everything the statistics
 * depend on (model and tokenizer bytes, the texts, batch size and the site inputs); values are stored in float64
 * safetensors, so a reloaded run gives bit-identical results.
 */
public final class StatsCache {
    private final Path folder;

    public StatsCache(Path folder) {
        this.folder = folder;
    }

    /** The default location, {@code $LOWRANK_CACHE/stats} or {@code ~/.cache/lowrank4j/stats}. */
    public static StatsCache defaultCache() {
        String root = System.getenv("LOWRANK_CACHE");
        Path base = root != null ? Path.of(root) : Path.of(System.getProperty("user.home"), ".cache", "lowrank4j");
        return new StatsCache(base.resolve("stats"));
    }

    public Path fileFor(String key) {
        return folder.resolve(key + ".safetensors");
    }

    /** The cache key of one ONNX calibration: model and tokenizer bytes, batch size, the sites' inputs and the texts. */
    public static String key(Path model, Path tokenizer, List<String> texts, int batchSize, List<LinearSite> sites) throws IOException {
        Key key = new Key().file(model).file(tokenizer).text("batch=" + batchSize);
        sites.forEach(site -> key.text(site.name() + "\u0000" + site.input()));
        texts.forEach(key::text);
        return key.hex();
    }

    /**
     * A cache key built from everything a calibration depends on: files (hashed by content), texts and token windows.
     * The same parts in the same order give the same key.
     */
    public static final class Key {
        private final MessageDigest digest;

        public Key() {
            digest = Sha256.digest();
        }

        public Key file(Path file) throws IOException {
            Sha256.addFile(digest, file);
            digest.update((byte) 1);
            return this;
        }

        public Key text(String text) {
            digest.update(text.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            return this;
        }

        public Key tokens(int[][] windows) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4);
            for (int[] window : windows) {
                for (int t : window) {
                    digest.update(buffer.putInt(0, t).array());
                }
                digest.update((byte) 2);
            }
            return this;
        }

        public String hex() {
            return HexFormat.of().formatHex(digest.digest(), 0, 16);
        }
    }

    /**
     * Saves statistics keyed by site name. Sites that hold the same {@link LayerStats} object (query, key and value
     * read one input) are written once and share it again when loaded. Only the Gram, Σ|x| and the token count are
     * kept (not Fisher or compressed-prefix statistics, which are collected later).
     */
    public void save(String key, Map<String, LayerStats> stats) throws IOException {
        Files.createDirectories(folder);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("lowrank4j", "calibration statistics");
        Map<LayerStats, String> written = new java.util.IdentityHashMap<>();
        for (Map.Entry<String, LayerStats> e : stats.entrySet()) {
            LayerStats s = e.getValue();
            String tensor = written.get(s);
            if (tensor == null) {
                tensor = "s" + written.size();
                written.put(s, tensor);
                int n = s.features();
                writer.add(tensor + ".gram", new long[] {n, n}, s.gram().toArray());
                writer.add(tensor + ".abs_sum", new long[] {n}, s.absSum().clone());
                if (s.sum() != null) {
                    writer.add(tensor + ".sum", new long[] {n}, s.sum().clone());
                }
                if (s.absMax() != null) {
                    writer.add(tensor + ".abs_max", new long[] {n}, s.absMax().clone());
                }
                writer.metadata(tensor + ".tokens", Long.toString(s.tokens()));
            }
            writer.metadata("site:" + e.getKey(), tensor);
        }
        writer.write(fileFor(key));
    }

    /** Statistics saved by {@link #save} for exactly these sites, or null when the file is absent or holds others. */
    public Map<String, LayerStats> load(String key, List<String> siteNames) throws IOException {
        Path file = fileFor(key);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Map<String, LayerStats> byTensor = new LinkedHashMap<>();
        Map<String, LayerStats> bySite = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String site : siteNames) {
                String tensor = f.metadata().get("site:" + site);
                if (tensor == null) {
                    return null;
                }
                LayerStats stats = byTensor.get(tensor);
                if (stats == null) {
                    String tokens = f.metadata().get(tensor + ".tokens");
                    if (tokens == null || !f.contains(tensor + ".gram") || !f.contains(tensor + ".sum")) {
                        return null; // written by another version: recompute
                    }
                    double[] absSum = f.readDoubles(tensor + ".abs_sum");
                    int n = absSum.length;
                    stats = LayerStats.of(DoubleMatrix.wrap(f.readDoubles(tensor + ".gram"), n, n), absSum, f.readDoubles(tensor + ".sum"),
                            Long.parseLong(tokens)).withAbsMax(f.contains(tensor + ".abs_max") ? f.readDoubles(tensor + ".abs_max") : null);
                    byTensor.put(tensor, stats);
                }
                bySite.put(site, stats);
            }
        }
        return bySite;
    }


}
