package org.lowrank4j.adapt.rmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.FiniteValues;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;

/**
 * A {@link ReversibleMerge} on disk: {@value #CONFIG} (format version, the task names in order, k, the first adapter's PEFT
 * config as the template of the reverted adapters, each module's rank and shape) and {@value #WEIGHTS}, per module path
 * {@code P} and factor {@code F ∈ {B, A}}: {@code P.F.basis} (k, rows·cols, float32), {@code P.F.coefficients} (k, n) and
 * {@code P.F.eigenvalues} (n), both float64. {@code adapter revert} rebuilds any task's PEFT adapter from it.
 */
public final class RmmFolder {
    public static final String CONFIG = "rmm_config.json";
    public static final String WEIGHTS = "rmm_model.safetensors";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RmmFolder() {
    }

    /** A merge read back, with the names of its tasks in order. */
    public record Stored(ReversibleMerge merge, List<String> taskNames) {

        /** The index of the task named {@code name}, or given as its 0-based index. */
        public int task(String name) {
            int index = taskNames.indexOf(name);
            if (index >= 0) {
                return index;
            }
            try {
                int i = Integer.parseInt(name.strip());
                if (i >= 0 && i < taskNames.size()) {
                    return i;
                }
            } catch (NumberFormatException ignored) {
                // not an index either
            }
            throw new IllegalArgumentException("--task " + name + " is none of the merged adapters " + taskNames + " (give a name or 0.."
                    + (taskNames.size() - 1) + ")");
        }
    }

    /** Writes {@code merge} into {@code folder} (created if needed), both files atomically. */
    public static void write(Path folder, ReversibleMerge merge, List<String> taskNames) throws IOException {
        if (taskNames.size() != merge.tasks()) {
            throw new IllegalArgumentException(taskNames.size() + " task names for " + merge.tasks() + " merged adapters");
        }
        Files.createDirectories(folder);
        ObjectNode config = JSON.createObjectNode();
        config.put("format", "lowrank4j-rmm");
        config.put("format_version", FORMAT_VERSION);
        ArrayNode tasks = config.putArray("tasks");
        taskNames.forEach(tasks::add);
        config.put("bases", merge.bases());
        config.put("stored_values", merge.storedValues());
        config.put("separate_values", merge.separateValues());
        config.set("template_adapter_config", merge.template().json());
        ArrayNode modules = config.putArray("modules");
        SafetensorsWriter writer = new SafetensorsWriter();
        merge.modules().forEach((path, m) -> {
            ObjectNode node = modules.addObject();
            node.put("path", path);
            node.put("rank", m.rank());
            node.put("in", m.in());
            node.put("out", m.out());
            ArrayNode ranks = node.putArray("task_ranks"); // each task's own rank here, 0 where it does not adapt the module
            for (int r : m.taskRanks()) {
                ranks.add(r);
            }
            add(writer, path + ".B", m.b());
            add(writer, path + ".A", m.a());
        });
        writer.write(folder.resolve(WEIGHTS));
        AtomicFiles.writeString(folder.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    private static void add(SafetensorsWriter writer, String prefix, ReversibleMerge.FactorBasis f) {
        int k = f.basis().length, length = f.rows() * f.cols(), n = f.eigenvalues().length;
        float[] basis = new float[k * length];
        double[] coefficients = new double[k * n];
        for (int j = 0; j < k; j++) {
            for (int e = 0; e < length; e++) {
                basis[j * length + e] = (float) f.basis()[j][e];
            }
            System.arraycopy(f.coefficients()[j], 0, coefficients, j * n, n);
        }
        writer.add(prefix + ".basis", new long[] {k, length}, basis);
        writer.add(prefix + ".coefficients", new long[] {k, n}, coefficients);
        writer.add(prefix + ".eigenvalues", new long[] {n}, f.eigenvalues().clone());
    }

    /**
     * @throws IllegalArgumentException one line naming the folder or file and what is wrong (missing, another format or
     *                                  version, a tensor missing or of the wrong size)
     */
    public static Stored read(Path folder) throws IOException {
        Path configFile = folder.resolve(CONFIG), weights = folder.resolve(WEIGHTS);
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(folder + " is not a reversible-merge folder (it needs " + CONFIG + " and " + WEIGHTS
                    + ", written by `lowrank adapter rmm`)");
        }
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(configFile + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!"lowrank4j-rmm".equals(config.path("format").asText()) || config.path("format_version").asInt(-1) != FORMAT_VERSION) {
            throw new IllegalArgumentException(configFile + " is not a reversible merge of format version " + FORMAT_VERSION
                    + " (format " + config.path("format") + ", version " + config.path("format_version") + ")");
        }
        List<String> names = new ArrayList<>();
        config.path("tasks").forEach(t -> names.add(t.asText()));
        if (!config.path("bases").canConvertToExactIntegral()) {
            throw new IllegalArgumentException(configFile + ": bases must be a whole number, got " + config.path("bases"));
        }
        int k = config.path("bases").asInt(0), n = names.size();
        if (n < 1 || k < 1 || k > n) {
            throw new IllegalArgumentException(configFile + ": " + n + " tasks and " + k + " bases do not make a merge (need 1 <= bases <= tasks)");
        }
        PeftConfig template = PeftConfig.fromJson(config.get("template_adapter_config"), configFile + " (template_adapter_config)");
        Map<String, ReversibleMerge.ModuleBasis> modules = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            for (JsonNode node : config.path("modules")) {
                String path = node.path("path").asText();
                int rank = node.path("rank").asInt(), in = node.path("in").asInt(), out = node.path("out").asInt();
                modules.put(path, new ReversibleMerge.ModuleBasis(rank, in, out, factor(st, weights, path + ".B", out, rank, k, n),
                        factor(st, weights, path + ".A", rank, in, k, n), taskRanks(node, configFile, path, rank, n)));
            }
        }
        if (modules.isEmpty()) {
            throw new IllegalArgumentException(configFile + " lists no module");
        }
        return new Stored(new ReversibleMerge(n, k, modules, template), List.copyOf(names));
    }

    /** A module's task_ranks (a folder written before they were kept: every task at the padded rank, as it was then). */
    private static int[] taskRanks(JsonNode node, Path configFile, String path, int rank, int n) {
        JsonNode list = node.get("task_ranks");
        int[] ranks = new int[n];
        if (list == null) {
            java.util.Arrays.fill(ranks, rank);
            return ranks;
        }
        if (!list.isArray() || list.size() != n) {
            throw new IllegalArgumentException(configFile + ": module " + path + " needs task_ranks, one whole number in 0.." + rank + " per task ("
                    + n + "), got " + list);
        }
        for (int t = 0; t < n; t++) {
            JsonNode r = list.get(t);
            if (!r.canConvertToExactIntegral() || r.asInt() < 0 || r.asInt() > rank) {
                throw new IllegalArgumentException(configFile + ": module " + path + " task_ranks[" + t + "] must be a whole number in 0.." + rank
                        + ", got " + r);
            }
            ranks[t] = r.asInt();
        }
        return ranks;
    }

    private static ReversibleMerge.FactorBasis factor(SafetensorsFile st, Path file, String prefix, int rows, int cols, int k, int n) {
        float[] basis = tensor(st, file, prefix + ".basis", (long) k * rows * cols).floats;
        double[] coefficients = tensor(st, file, prefix + ".coefficients", (long) k * n).doubles;
        double[] eigenvalues = tensor(st, file, prefix + ".eigenvalues", n).doubles;
        double[][] b = new double[k][rows * cols], c = new double[k][n];
        for (int j = 0; j < k; j++) {
            for (int e = 0; e < rows * cols; e++) {
                b[j][e] = basis[j * rows * cols + e];
            }
            System.arraycopy(coefficients, j * n, c[j], 0, n);
        }
        return new ReversibleMerge.FactorBasis(rows, cols, b, c, eigenvalues);
    }

    private record Values(float[] floats, double[] doubles) {
    }

    private static Values tensor(SafetensorsFile st, Path file, String name, long expected) {
        if (!st.contains(name)) {
            throw new IllegalArgumentException(file + " has no tensor " + name);
        }
        if (st.info(name).elementCount() != expected) {
            throw new IllegalArgumentException(file + ": tensor " + name + " holds " + st.info(name).elementCount() + " values, expected " + expected);
        }
        try {
            return name.endsWith(".basis") ? new Values(st.readFloats(name), null) : new Values(null, st.readDoubles(name));
        } catch (FiniteValues.Damaged e) { // its own message names the file already, and calls it a model
            throw new IllegalArgumentException(file + ": tensor " + name + " holds NaN or infinite values; the merged folder is damaged: merge"
                    + " the adapters again with lowrank adapter rmm");
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            throw new IllegalArgumentException(message.contains(file.toString()) ? message : file + ": tensor " + name + " cannot be read: " + message);
        }
    }
}
