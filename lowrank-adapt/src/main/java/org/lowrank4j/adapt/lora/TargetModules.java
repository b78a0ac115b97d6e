package org.lowrank4j.adapt.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT's rules for which modules an adapter targets (spec 01, {@code target_modules}): a list of names matches a
 * module whose path equals a name or ends in {@code "." + name}; a single string is a regular expression the whole
 * path must match; {@code "all-linear"} matches every linear layer given (the output projection is never offered).
 * {@code layers_to_transform} further keeps only blocks with the listed indices.
 */
public final class TargetModules implements Predicate<String> {
    private static final Pattern LAYER_INDEX = Pattern.compile("(?:^|\\.)(?:layers|layer|h|blocks)\\.(\\d+)\\.");
    private final List<String> names;   // or null
    private final Pattern regex;        // or null
    private final boolean allLinear;
    private final List<Integer> layers; // or null for all

    private TargetModules(List<String> names, Pattern regex, boolean allLinear, List<Integer> layers) {
        this.names = names;
        this.regex = regex;
        this.allLinear = allLinear;
        this.layers = layers;
    }

    /** Modules whose path is or ends in one of {@code names}, e.g. {@code q_proj, v_proj}. */
    public static TargetModules names(Collection<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("target_modules is empty: name at least one module (e.g. q_proj,v_proj)");
        }
        return new TargetModules(List.copyOf(names), null, false, null);
    }

    /** Modules whose whole path matches {@code regex}; {@code "all-linear"} for every linear layer. */
    public static TargetModules regex(String regex) {
        if (regex.equals("all-linear")) {
            return new TargetModules(null, null, true, null);
        }
        try {
            return new TargetModules(null, Pattern.compile(regex), false, null);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("target_modules \"" + regex + "\" is not a valid regular expression: " + e.getDescription());
        }
    }

    /** The same targets restricted to the blocks with these indices (null: every block). */
    public TargetModules inLayers(List<Integer> indices) {
        return new TargetModules(names, regex, allLinear, indices == null ? null : List.copyOf(indices));
    }

    @Override
    public boolean test(String module) {
        boolean named;
        if (allLinear) {
            named = true;
        } else if (regex != null) {
            named = regex.matcher(module).matches();
        } else {
            named = false;
            for (String name : names) {
                if (module.equals(name) || module.endsWith("." + name)) {
                    named = true;
                    break;
                }
            }
        }
        if (!named || layers == null) {
            return named;
        }
        Matcher m = LAYER_INDEX.matcher(module);
        return m.find() && layers.contains(Integer.parseInt(m.group(1)));
    }

    /** The paths among {@code modules} that match, in their order. */
    public List<String> select(Collection<String> modules) {
        List<String> out = new ArrayList<>();
        for (String module : modules) {
            if (test(module)) {
                out.add(module);
            }
        }
        return out;
    }

    /** How the config wrote the targets, for messages. */
    public String describe() {
        String what = allLinear ? "\"all-linear\"" : regex != null ? "\"" + regex.pattern() + "\"" : names.toString();
        return layers == null ? what : what + " in layers " + layers;
    }

    /**
     * The value of the first key of a {@code rank_pattern} / {@code alpha_pattern} map that matches {@code module} as
     * PEFT matches them (the key, a regular expression, must match a trailing run of whole path components), or null.
     */
    public static <V> V patternValue(Map<String, V> patterns, String module) {
        for (Map.Entry<String, V> e : patterns.entrySet()) {
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")").matcher(module).matches()) {
                return e.getValue();
            }
        }
        return null;
    }
}
