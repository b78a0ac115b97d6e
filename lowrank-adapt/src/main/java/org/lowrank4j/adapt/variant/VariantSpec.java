package org.lowrank4j.adapt.variant;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An adapter variant as the command line names it: {@code NAME[:KEY=VALUE[:KEY=VALUE…]]}, e.g. {@code nola:basis=128}
 * or {@code sora:xi=1e-3:xi-max=2e-2}. A variant reads its keys with the typed getters, then calls
 * {@link #requireAllRead()} so that a misspelled key fails with the keys the variant takes.
 */
public final class VariantSpec {
    private final String name;
    private final String text;
    private final Map<String, String> values;
    private final Set<String> known = new LinkedHashSet<>();

    private VariantSpec(String name, String text, Map<String, String> values) {
        this.name = name;
        this.text = text;
        this.values = values;
    }

    /** @throws IllegalArgumentException for an empty name, an option that is not KEY=VALUE, or a key given twice */
    public static VariantSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--adapter must name a variant (lora, " + String.join(", ", AdapterVariants.names()) + ")");
        }
        String compact = spec.replace(" ", "");
        String[] parts = compact.split(":", -1);
        String name = parts[0].toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("--adapter '" + spec + "': the variant's name comes first, as in nola:basis=128");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0 || eq == parts[i].length() - 1) {
                throw new IllegalArgumentException("--adapter '" + spec + "': option '" + parts[i] + "' must be KEY=VALUE, as in " + name
                        + ":rank=8");
            }
            String key = parts[i].substring(0, eq).toLowerCase(Locale.ROOT);
            if (values.put(key, parts[i].substring(eq + 1)) != null) {
                throw new IllegalArgumentException("--adapter '" + spec + "': option '" + key + "' is given twice");
            }
        }
        return new VariantSpec(name, compact, values);
    }

    public String name() {
        return name;
    }

    /** The spec as written (spaces removed). */
    public String text() {
        return text;
    }

    /** A number option, {@code fallback} when absent. */
    public double number(String key, double fallback) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--adapter " + text + ": " + key + " must be a number, got '" + v + "'");
    }

    /** A whole-number option at least {@code min}, {@code fallback} when absent. */
    public int integer(String key, int fallback, int min) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int i = Integer.parseInt(v);
            if (i >= min) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--adapter " + text + ": " + key + " must be a whole number >= " + min + ", got '" + v + "'");
    }

    /** A long option, {@code fallback} when absent. */
    public long longValue(String key, long fallback) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--adapter " + text + ": " + key + " must be a whole number, got '" + v + "'");
        }
    }

    /** A word option out of {@code allowed}, {@code fallback} when absent. */
    public String word(String key, String fallback, Set<String> allowed) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        String w = v.toLowerCase(Locale.ROOT);
        if (!allowed.contains(w)) {
            throw new IllegalArgumentException("--adapter " + text + ": " + key + " must be one of " + allowed + ", got '" + v + "'");
        }
        return w;
    }

    /** A text option as written (e.g. a list {@code 4,8,8}), {@code fallback} when absent. */
    public String string(String key, String fallback) {
        known.add(key);
        return values.getOrDefault(key, fallback);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** @throws IllegalArgumentException naming a key no getter read, and the keys the variant takes */
    public void requireAllRead() {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("--adapter " + text + ": " + name + " has no option '" + key + "'; it takes " + known);
            }
        }
    }
}
