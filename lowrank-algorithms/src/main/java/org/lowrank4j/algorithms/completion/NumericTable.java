package org.lowrank4j.algorithms.completion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A numeric table read from CSV text: an optional header row, an optional first column of row labels (an id), and an
 * m×n block of numbers where an empty cell (or NA, NaN) is a missing entry. Fields are separated by commas and may be
 * double-quoted. Missing entries are NaN in {@link #values()}.
 *
 * @param header column names (n, or n + 1 with the label column's name) or null when the first row is numeric
 * @param labels row labels (m) or null
 * @param values row-major m×n, NaN where missing
 */
public record NumericTable(List<String> header, List<String> labels, int rows, int cols, double[] values) {

    public NumericTable {
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " table needs " + (long) rows * cols + " values, got " + values.length);
        }
        header = header == null ? null : List.copyOf(header);
        labels = labels == null ? null : List.copyOf(labels);
    }

    /**
     * Parses CSV text. The first row is a header when any of its fields (after the label column) is not a number.
     *
     * @param name        names the input in error messages (its path)
     * @param labelColumn whether the first column holds row labels rather than values
     * @throws IllegalArgumentException naming the line (and column) of the first row with a different number of fields
     *                                  or a cell that is not a number
     */
    public static NumericTable parse(String text, String name, boolean labelColumn) {
        List<List<String>> lines = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        String[] raw = text.split("\r?\n", -1);
        for (int l = 0; l < raw.length; l++) {
            if (!raw[l].isBlank()) {
                lines.add(fields(raw[l], name, l + 1));
                lineNumbers.add(l + 1);
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(name + " has no rows");
        }
        int skip = labelColumn ? 1 : 0;
        List<String> first = lines.get(0);
        boolean hasHeader = false;
        for (int c = skip; c < first.size(); c++) {
            if (!isMissing(first.get(c)) && parseNumber(first.get(c)) == null) {
                hasHeader = true;
            }
        }
        int width = first.size();
        if (width <= skip) {
            throw new IllegalArgumentException(name + " line " + lineNumbers.get(0) + " has " + width + " field(s); a table needs at least one column of values");
        }
        int start = hasHeader ? 1 : 0, rows = lines.size() - start, cols = width - skip;
        if (rows == 0) {
            throw new IllegalArgumentException(name + " has a header but no rows of values");
        }
        double[] values = new double[Math.multiplyExact(rows, cols)];
        List<String> labels = labelColumn ? new ArrayList<>() : null;
        for (int r = 0; r < rows; r++) {
            List<String> row = lines.get(start + r);
            int line = lineNumbers.get(start + r);
            if (row.size() != width) {
                throw new IllegalArgumentException(name + " line " + line + " has " + row.size() + " fields where " + (hasHeader ? "the header" : "line "
                        + lineNumbers.get(0)) + " has " + width + "; every row needs the same columns (leave a cell empty for a missing entry)");
            }
            if (labelColumn) {
                labels.add(row.get(0));
            }
            for (int c = 0; c < cols; c++) {
                String cell = row.get(c + skip);
                if (isMissing(cell)) {
                    values[r * cols + c] = Double.NaN;
                    continue;
                }
                Double v = parseNumber(cell);
                if (v == null || !Double.isFinite(v)) {
                    String column = hasHeader ? "'" + first.get(c + skip) + "'" : String.valueOf(c + skip + 1);
                    throw new IllegalArgumentException(name + " line " + line + ", column " + column + ": '" + cell
                            + "' is not a finite number (leave the cell empty for a missing entry)");
                }
                values[r * cols + c] = v;
            }
        }
        return new NumericTable(hasHeader ? first : null, labels, rows, cols, values);
    }

    /** The table as CSV text (header and labels as read; missing entries as empty cells; shortest round-trip numbers). */
    public String toCsv() {
        StringBuilder out = new StringBuilder();
        if (header != null) {
            out.append(String.join(",", header.stream().map(NumericTable::quote).toList())).append('\n');
        }
        for (int r = 0; r < rows; r++) {
            if (labels != null) {
                out.append(quote(labels.get(r))).append(',');
            }
            for (int c = 0; c < cols; c++) {
                double v = values[r * cols + c];
                if (c > 0) {
                    out.append(',');
                }
                if (!Double.isNaN(v)) {
                    out.append(v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The same table with other values. */
    public NumericTable withValues(double[] newValues) {
        return new NumericTable(header, labels, rows, cols, newValues);
    }

    /** Number of missing entries. */
    public long missing() {
        return Arrays.stream(values).filter(Double::isNaN).count();
    }

    private static boolean isMissing(String cell) {
        String t = cell.strip();
        return t.isEmpty() || t.equalsIgnoreCase("NA") || t.equalsIgnoreCase("NaN");
    }

    private static Double parseNumber(String cell) {
        try {
            return Double.valueOf(cell.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }

    /** Splits one CSV line (RFC 4180 quoting within the line). */
    private static List<String> fields(String line, String name, int number) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(name + " line " + number + " has an unclosed quote");
        }
        out.add(field.toString());
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "NumericTable[%dx%d, %d missing]", rows, cols, missing());
    }
}
