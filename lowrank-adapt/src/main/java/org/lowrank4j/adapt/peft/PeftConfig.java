package org.lowrank4j.adapt.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * {@code adapter_config.json} of a PEFT LoRA adapter. The JSON object is kept whole, so fields this code does not
 * know survive a read and rewrite; the accessors read the fields PEFT reads (peft_type, r, lora_alpha,
 * target_modules, lora_dropout, bias, use_rslora, fan_in_fan_out, rank_pattern, alpha_pattern, task_type,
 * base_model_name_or_path, layers_to_transform). Instances are immutable; the {@code with…} methods return copies.
 */
public final class PeftConfig {
    static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode json;

    private PeftConfig(ObjectNode json) {
        this.json = json;
    }

    /**
     * A new LoRA config with the fields PEFT writes (spec 01), in PEFT's defaults where not given.
     *
     * @param targets   module names (suffixes), e.g. q_proj, v_proj
     * @param baseModel base_model_name_or_path (may be null)
     * @param taskType  e.g. CAUSAL_LM, SEQ_CLS, or null
     */
    public static PeftConfig lora(LoraSettings settings, List<String> targets, String baseModel, String taskType) {
        ObjectNode o = JSON.createObjectNode();
        o.put("peft_type", "LORA");
        o.put("task_type", taskType);
        o.put("base_model_name_or_path", baseModel);
        o.putNull("revision");
        o.put("inference_mode", true);
        o.put("r", settings.rank());
        putAlpha(o, settings.alpha());
        o.put("lora_dropout", settings.dropout());
        ArrayNode t = o.putArray("target_modules");
        targets.forEach(t::add);
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("use_rslora", settings.useRslora());
        o.put("use_dora", false);
        o.put("init_lora_weights", true);
        o.putNull("modules_to_save");
        o.putNull("layers_to_transform");
        o.putNull("layers_pattern");
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        return new PeftConfig(o).validated("adapter_config.json");
    }

    /** lora_alpha as PEFT writes it: an integer when it is one. */
    private static void putAlpha(ObjectNode o, double alpha) {
        if (alpha == Math.rint(alpha) && Math.abs(alpha) < 1e9) {
            o.put("lora_alpha", (long) alpha);
        } else {
            o.put("lora_alpha", alpha);
        }
    }

    /**
     * Reads and checks a config file.
     *
     * @throws IllegalArgumentException naming the file when it is not JSON, not a LoRA config, or a field is invalid
     *                                  or asks for something this code does not do (DoRA, trained biases)
     */
    public static PeftConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist (a PEFT adapter folder holds adapter_config.json)");
        }
        JsonNode root;
        // NaN and Infinity are read (Python's json writes them) so that the field holding one is named below, instead of
        // Jackson's advice to enable a parser feature
        try (java.io.InputStream in = Files.newInputStream(file)) {
            root = JSON.reader().with(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).readTree(in);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + " does not hold a JSON object");
        }
        return new PeftConfig((ObjectNode) root).validated(file.toString());
    }

    /**
     * A config held inside another file (a reversible merge's template), checked as {@link #read} checks a file.
     *
     * @param where names the file and field in messages
     */
    public static PeftConfig fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + " does not hold a JSON object");
        }
        return new PeftConfig(((ObjectNode) node).deepCopy()).validated(where);
    }

    private PeftConfig validated(String where) {
        String type = json.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new IllegalArgumentException(where + ": peft_type is \"" + type + "\"; only LORA adapters are read");
        }
        JsonNode r = json.get("r");
        if (r == null || !r.canConvertToInt() || r.asInt() < 1 || !r.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": r must be a positive integer, got " + r);
        }
        JsonNode alpha = json.get("lora_alpha");
        if (alpha != null && !alpha.isNull() && (!alpha.isNumber() || !Double.isFinite(alpha.asDouble()))) {
            throw new IllegalArgumentException(where + ": lora_alpha must be a finite number, got " + (alpha.isNumber() ? String.valueOf(alpha.asDouble()) : alpha));
        }
        double dropout = json.path("lora_dropout").asDouble(0);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(where + ": lora_dropout must be in [0, 1), got " + dropout);
        }
        String bias = json.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new IllegalArgumentException(where + ": bias = \"" + bias + "\" (trained biases) is not supported; only \"none\"");
        }
        if (json.path("use_dora").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": use_dora = true (DoRA) is not supported");
        }
        JsonNode targets = json.get("target_modules");
        if (targets == null || targets.isNull() || !(targets.isTextual() || targets.isArray()) || targets.isArray() && targets.isEmpty()) {
            throw new IllegalArgumentException(where + ": target_modules must be a non-empty list of module names or a regular expression, got "
                    + targets);
        }
        targets(); // compiles a regex, checks list entries
        rankPattern();
        alphaPattern();
        modulesToSave();
        JsonNode layers = json.get("layers_to_transform");
        if (layers != null && !layers.isNull() && !layers.isInt() && !layers.isArray()) {
            throw new IllegalArgumentException(where + ": layers_to_transform must be null, an integer or a list of integers, got " + layers);
        }
        return this;
    }

    public int rank() {
        return json.get("r").asInt();
    }

    /** lora_alpha (PEFT's default 8 when absent). */
    public double alpha() {
        JsonNode a = json.get("lora_alpha");
        return a == null || a.isNull() ? 8 : a.asDouble();
    }

    public double dropout() {
        return json.path("lora_dropout").asDouble(0);
    }

    public boolean useRslora() {
        return json.path("use_rslora").asBoolean(false);
    }

    /** fan_in_fan_out: only meaningful for GPT-2's Conv1D; PEFT turns it off for ordinary linear layers, as this code does. */
    public boolean fanInFanOut() {
        return json.path("fan_in_fan_out").asBoolean(false);
    }

    public String bias() {
        return json.path("bias").asText("none");
    }

    public String taskType() {
        JsonNode t = json.get("task_type");
        return t == null || t.isNull() ? null : t.asText();
    }

    public String baseModel() {
        JsonNode t = json.get("base_model_name_or_path");
        return t == null || t.isNull() ? null : t.asText();
    }

    /** target_modules (with layers_to_transform) as a matcher. */
    public TargetModules targets() {
        JsonNode t = json.get("target_modules");
        TargetModules targets;
        if (t.isTextual()) {
            targets = TargetModules.regex(t.asText());
        } else {
            List<String> names = new ArrayList<>();
            for (JsonNode n : t) {
                if (!n.isTextual() || n.asText().isEmpty()) {
                    throw new IllegalArgumentException("adapter_config.json: target_modules entries must be module names, got " + n);
                }
                names.add(n.asText());
            }
            targets = TargetModules.names(names);
        }
        JsonNode layers = json.get("layers_to_transform");
        if (layers == null || layers.isNull()) {
            return targets;
        }
        List<Integer> indices = new ArrayList<>();
        if (layers.isInt()) {
            indices.add(layers.asInt());
        } else {
            layers.forEach(n -> indices.add(n.asInt()));
        }
        return targets.inLayers(indices);
    }

    /** rank_pattern: module regex → r. */
    public Map<String, Integer> rankPattern() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields("rank_pattern")) {
            if (!e.getValue().isIntegralNumber() || e.getValue().asInt() < 1) {
                throw new IllegalArgumentException("adapter_config.json: rank_pattern[\"" + e.getKey() + "\"] must be a positive integer, got "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
    }

    /** alpha_pattern: module regex → α. */
    public Map<String, Double> alphaPattern() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : fields("alpha_pattern")) {
            if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) {
                throw new IllegalArgumentException("adapter_config.json: alpha_pattern[\"" + e.getKey() + "\"] must be a finite number, got "
                        + (e.getValue().isNumber() ? String.valueOf(e.getValue().asDouble()) : e.getValue()));
            }
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }

    private List<Map.Entry<String, JsonNode>> fields(String name) {
        JsonNode node = json.get(name);
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("adapter_config.json: " + name + " must be an object, got " + node);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /** The rank, α, dropout and scaling of one module, after rank_pattern and alpha_pattern. */
    public LoraSettings settingsFor(String module) {
        Integer r = TargetModules.patternValue(rankPattern(), module);
        Double a = TargetModules.patternValue(alphaPattern(), module);
        return new LoraSettings(r == null ? rank() : r, a == null ? alpha() : a, dropout(), useRslora());
    }

    /**
     * modules_to_save: modules trained in full and stored whole beside the adapters (a classification head), empty when
     * null.
     */
    public List<String> modulesToSave() {
        JsonNode m = json.get("modules_to_save");
        List<String> out = new ArrayList<>();
        if (m == null || m.isNull()) {
            return out;
        }
        if (!m.isArray()) {
            throw new IllegalArgumentException("adapter_config.json: modules_to_save must be null or a list of module names, got " + m);
        }
        for (JsonNode n : m) {
            if (!n.isTextual() || n.asText().isEmpty()) {
                throw new IllegalArgumentException("adapter_config.json: modules_to_save entries must be module names, got " + n);
            }
            out.add(n.asText());
        }
        return out;
    }

    /** A copy whose target_modules lists {@code modules} (module paths or their last parts, as PEFT matches them). */
    public PeftConfig withTargetModules(List<String> modules) {
        ObjectNode o = json.deepCopy();
        ArrayNode list = o.putArray("target_modules");
        modules.forEach(list::add);
        return new PeftConfig(o).validated("adapter_config.json");
    }

    /** A copy with fan_in_fan_out set: true for adapters on GPT-2's Conv1D modules, as PEFT writes them. */
    public PeftConfig withFanInFanOut(boolean fanInFanOut) {
        ObjectNode o = json.deepCopy();
        o.put("fan_in_fan_out", fanInFanOut);
        return new PeftConfig(o).validated("adapter_config.json");
    }

    /** A copy whose modules_to_save lists {@code modules}. */
    public PeftConfig withModulesToSave(List<String> modules) {
        ObjectNode o = json.deepCopy();
        ArrayNode list = o.putArray("modules_to_save");
        modules.forEach(list::add);
        return new PeftConfig(o).validated("adapter_config.json");
    }

    /** A copy with another global r and lora_alpha and empty rank/alpha patterns (a squeezed adapter). */
    public PeftConfig withRankAndAlpha(int rank, double alpha) {
        ObjectNode o = json.deepCopy();
        o.put("r", rank);
        putAlpha(o, alpha);
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        return new PeftConfig(o).validated("adapter_config.json");
    }

    /** A copy with per-module ranks and alphas (regexes that match exactly one module path each). */
    public PeftConfig withPatterns(Map<String, Integer> ranks, Map<String, Double> alphas) {
        ObjectNode o = json.deepCopy();
        ObjectNode rp = o.putObject("rank_pattern");
        ranks.forEach(rp::put);
        ObjectNode ap = o.putObject("alpha_pattern");
        alphas.forEach(ap::put);
        return new PeftConfig(o).validated("adapter_config.json");
    }

    /** The JSON object (a copy). */
    public ObjectNode json() {
        return json.deepCopy();
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the config atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson() + "\n");
    }
}
