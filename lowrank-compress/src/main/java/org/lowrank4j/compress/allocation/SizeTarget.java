package org.lowrank4j.compress.allocation;

import java.util.Locale;

/**
 * A budget given as a target size in bytes instead of a ratio. Every allocator spends a ratio of the targeted layers'
 * parameters (spec c01); a size is turned into that ratio from what the targeted layers hold: to shrink a model of
 * {@code current} bytes to {@code target}, {@code ⌈(current − target) / bytesPerParameter⌉} parameters must go, out of
 * the {@code targetedParameters} the layers hold. Writers add a little (new initializer and node names), so callers
 * check the written size and ask again with {@link #adjusted} when it is still above the target.
 */
public final class SizeTarget {
    /** The largest ratio a target may need: beyond it nearly every site is at rank 1. */
    public static final double MAX_RATIO = 0.95;

    private SizeTarget() {
    }

    /**
     * Parses {@code 70MB}, {@code 81.5MB}, {@code 900KB}, {@code 1.2GB}, {@code 65536} (bytes); KB/MB/GB are powers of
     * 1000 (as the tables print), KiB/MiB/GiB powers of 1024.
     *
     * @throws IllegalArgumentException naming {@code option} when the text is not a positive size
     */
    public static long parse(String text, String option) {
        String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        long unit = 1;
        String[][] units = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"}, {"KB", "1000"}, {"MB", "1000000"},
                {"GB", "1000000000"}, {"B", "1"}};
        for (String[] u : units) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length());
                break;
            }
        }
        double value;
        try {
            value = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a size such as 70MB, 900KB or 1.2GB, got '" + text + "'");
        }
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(option + " must be a positive size, got '" + text + "'");
        }
        return (long) Math.floor(value * unit);
    }

    /**
     * The ratio of the targeted layers' parameters to remove.
     *
     * @throws IllegalArgumentException when the model is already at or below the target, or the target needs more
     *                                  than {@link #MAX_RATIO} of the targeted parameters
     */
    public static double ratioFor(long target, long current, long targetedParameters, int bytesPerParameter) {
        if (target >= current) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the model is %s already, at or below the target %s; nothing to remove",
                    format(current), format(target)));
        }
        double removed = Math.ceil((double) (current - target) / bytesPerParameter);
        double ratio = removed / targetedParameters;
        if (ratio > MAX_RATIO) {
            long smallest = current - (long) (MAX_RATIO * targetedParameters) * bytesPerParameter;
            throw new IllegalArgumentException(String.format(Locale.ROOT, "a target of %s needs %.0f%% of the compressible layers' parameters"
                    + " removed; the smallest reachable size is about %s", format(target), 100 * ratio, format(smallest)));
        }
        return ratio;
    }

    /** The ratio to try next when a model written at {@code ratio} came out at {@code written} bytes, above {@code target}. */
    public static double adjusted(double ratio, long written, long target, long targetedParameters, int bytesPerParameter) {
        double more = Math.ceil((double) (written - target) / bytesPerParameter) + 1;
        return Math.min(MAX_RATIO, ratio + more / targetedParameters);
    }

    /** One compression at a ratio, whose size {@link #reach} reads. */
    @FunctionalInterface
    public interface Attempt<T> {
        T at(double ratio) throws java.io.IOException;
    }

    /**
     * Compresses at {@code ratio}, then, while the result is still above {@code target} bytes, at the ratio
     * {@link #adjusted} gives (three tries at most); returns the last result, which the caller checks against the target.
     *
     * @param bytes  the size of a result
     * @param report told of each retry, one line
     */
    public static <T> T reach(long target, double ratio, long targetedParameters, int bytesPerParameter, Attempt<T> attempt,
                              java.util.function.ToLongFunction<T> bytes, java.util.function.Consumer<String> report) throws java.io.IOException {
        T result = attempt.at(ratio);
        for (int tries = 0; bytes.applyAsLong(result) > target && tries < 3; tries++) {
            double next = adjusted(ratio, bytes.applyAsLong(result), target, targetedParameters, bytesPerParameter);
            if (next <= ratio) {
                break;
            }
            report.accept(String.format(Locale.ROOT, "at ratio %.4f the model is %s, above the target %s; trying ratio %.4f", ratio,
                    format(bytes.applyAsLong(result)), format(target), next));
            ratio = next;
            result = attempt.at(ratio);
        }
        return result;
    }

    /** Bytes as the tables print them (MB = 10⁶ bytes). */
    public static String format(long bytes) {
        return bytes >= 1_000_000 ? String.format(Locale.ROOT, "%.2f MB", bytes / 1e6) : String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
    }
}
