package org.lowrank4j.compress.methods;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A method as the command line names it: {@code NAME[:KEY=VALUE[:KEY=VALUE…]]}, for example {@code asvd:alpha=1},
 * {@code saes:alphas=0/0.5/1}, {@code basis-sharing:group=3:split=balanced}. List values are separated by
 * {@code /} (commas separate methods in {@code compare --methods}). Each method's options record reads its keys
 * with the typed getters here, starting from its defaults, then calls {@link #requireAllRead()} so that a
 * misspelled key fails with the list of keys the method takes instead of being ignored.
 *
 * <p>{@link #label()} is the spec as written (name lower-cased, spaces removed). It names a configured method in
 * reports and keys its caches, so {@code asvd:alpha=0.25} and {@code asvd:alpha=1} are two rows of one comparison.
 */
public final class MethodSpec {
    private final String name;
    private final String label;
    private final Map<String, String> values;
    private final Set<String> read = new LinkedHashSet<>();
    private final Set<String> known = new LinkedHashSet<>();

    private MethodSpec(String name, String label, Map<String, String> values) {
        this.name = name;
        this.label = label;
        this.values = values;
    }

    /**
     * @throws IllegalArgumentException for an empty name, an option without {@code =}, an empty key or value, or a
     *                                  key given twice
     */
    public static MethodSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("a method must be named (for example whitened, or asvd:alpha=1)");
        }
        String compact = spec.replace(" ", "").trim();
        String[] parts = compact.split(":", -1);
        String name = parts[0].toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("method '" + spec + "': the name comes first, as in asvd:alpha=1");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("method '" + spec + "': option '" + p + "' must be KEY=VALUE, as in " + name + ":alpha=1");
            }
            String key = p.substring(0, eq).toLowerCase(Locale.ROOT);
            if (values.put(key, p.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("method '" + spec + "': option '" + key + "' is given twice");
            }
        }
        String label = parts.length == 1 ? name : name + compact.substring(parts[0].length());
        return new MethodSpec(name, label, values);
    }

    /** The method's name, lower case, without options. */
    public String name() {
        return name;
    }

    /** The spec as written (name lower case): the configured method's name in reports and cache keys. */
    public String label() {
        return label;
    }

    public boolean hasOptions() {
        return !values.isEmpty();
    }

    /** A number option; {@code fallback} when absent. */
    public double number(String key, double fallback) {
        String v = take(key);
        return v == null ? fallback : parseNumber(key, v);
    }

    /** A whole-number option; {@code fallback} when absent. */
    public int integer(String key, int fallback) {
        String v = take(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": option " + key + " must be a whole number, got '" + v + "'");
        }
    }

    /** A list of numbers separated by {@code /}; {@code fallback} when absent. */
    public List<Double> numbers(String key, List<Double> fallback) {
        String v = take(key);
        if (v == null) {
            return fallback;
        }
        List<Double> out = new ArrayList<>();
        for (String s : v.split("/")) {
            out.add(parseNumber(key, s));
        }
        return out;
    }

    /** A list of words separated by {@code /}; the single word {@code none} is the empty list; {@code fallback} when absent. */
    public List<String> words(String key, List<String> fallback) {
        String v = take(key);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("none")) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split("/")) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException(name + ": option " + key + " has an empty item in '" + v + "'");
            }
            out.add(s);
        }
        return out;
    }

    /**
     * An enum option, written in lower case with {@code -} for {@code _} ({@code closed-form} is CLOSED_FORM);
     * {@code fallback} when absent.
     */
    public <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
        String v = take(key);
        if (v == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (spelled(e).equalsIgnoreCase(v) || e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        List<String> choices = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            choices.add(spelled(e));
        }
        throw new IllegalArgumentException(name + ": option " + key + " must be one of " + String.join(", ", choices) + ", got '" + v + "'");
    }

    /**
     * Fails when an option was given that no getter read.
     *
     * @throws IllegalArgumentException naming the unknown key and the keys this method takes
     */
    public void requireAllRead() {
        for (String key : values.keySet()) {
            if (!read.contains(key)) {
                throw new IllegalArgumentException(name + " has no option '" + key + "'; "
                        + (known.isEmpty() ? name + " takes no options" : name + " takes " + String.join(", ", known)));
            }
        }
    }

    /** How an enum constant is written on the command line. */
    public static String spelled(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private String take(String key) {
        known.add(key);
        String v = values.get(key);
        if (v != null) {
            read.add(key);
        }
        return v;
    }

    private double parseNumber(String key, String v) {
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": option " + key + " must be a finite number, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
