package org.lowrank4j.algorithms.tensor;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.algorithms.images.RgbImage;

/** Real data as dense tensors: an RGB photo (height × width × 3) and a CSV table indexed by some of its columns. */
public final class TensorData {

    /**
     * A tensor built from indexed records with the cells no record gives.
     *
     * @param tensor   the values, missing cells filled with the mean of the given ones
     * @param observed per entry (mode-0-fastest order) whether a record gave it
     * @param labels   per mode, the sorted distinct values of its index column
     */
    public record Indexed(DenseTensor tensor, boolean[] observed, List<List<String>> labels) {
        public long observedCount() {
            long count = 0;
            for (boolean b : observed) {
                count += b ? 1 : 0;
            }
            return count;
        }

        /** ‖(X − X̂) on the given entries‖ / ‖X on the given entries‖. */
        public double relativeErrorOnObserved(DenseTensor approximation) {
            double num = 0, den = 0;
            for (int e = 0; e < observed.length; e++) {
                if (observed[e]) {
                    double d = tensor.data()[e] - approximation.data()[e];
                    num += d * d;
                    den += tensor.data()[e] * tensor.data()[e];
                }
            }
            return Math.sqrt(num / den);
        }
    }

    private TensorData() {
    }

    /** An RGB image as a height × width × 3 tensor of 0–255 values. */
    public static DenseTensor fromImage(BufferedImage image, String name) {
        RgbImage.requireRgb(image, name);
        int h = image.getHeight(), w = image.getWidth();
        DenseTensor t = DenseTensor.zeros(h, w, 3);
        for (int c = 0; c < 3; c++) {
            double[] channel = RgbImage.channel(image, c);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    t.set(channel[y * w + x], y, x, c);
                }
            }
        }
        return t;
    }

    /**
     * A tensor from CSV text with a header: one mode per index column (its distinct values, sorted numerically when
     * they are all numbers), the value column's numbers as entries. Cells no row gives (e.g. February 30) are filled
     * with the mean of the given values and marked unobserved.
     *
     * @throws IllegalArgumentException naming the file and the column or line: a missing column, a row with fewer
     *                                  fields than the header, a value that is not a number, an index given twice
     */
    public static Indexed fromCsv(String text, String name, List<String> indexColumns, String valueColumn) {
        String[] lines = text.split("\r?\n");
        if (lines.length < 2) {
            throw new IllegalArgumentException(name + " needs a header and at least one row");
        }
        List<String> header = Arrays.stream(lines[0].split(",", -1)).map(NAME_CLEANER).toList();
        int[] indexAt = new int[indexColumns.size()];
        for (int k = 0; k < indexAt.length; k++) {
            indexAt[k] = column(header, indexColumns.get(k), name);
        }
        int valueAt = column(header, valueColumn, name);
        List<String[]> rows = new ArrayList<>();
        List<Map<String, Integer>> levels = new ArrayList<>();
        for (int k = 0; k < indexAt.length; k++) {
            levels.add(new TreeMap<>());
        }
        for (int l = 1; l < lines.length; l++) {
            if (lines[l].isBlank()) {
                continue;
            }
            String[] fields = lines[l].split(",", -1);
            if (fields.length != header.size()) {
                throw new IllegalArgumentException(name + " line " + (l + 1) + " has " + fields.length + " fields where the header has " + header.size()
                        + "; every row needs the same columns");
            }
            for (int k = 0; k < indexAt.length; k++) {
                levels.get(k).put(NAME_CLEANER.apply(fields[indexAt[k]]), 0);
            }
            rows.add(fields);
        }
        List<List<String>> labels = new ArrayList<>();
        int[] shape = new int[indexAt.length];
        for (int k = 0; k < indexAt.length; k++) {
            List<String> sorted = new ArrayList<>(levels.get(k).keySet());
            if (sorted.stream().allMatch(TensorData::isNumber)) {
                sorted.sort((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)));
            }
            Map<String, Integer> position = new LinkedHashMap<>();
            for (int i = 0; i < sorted.size(); i++) {
                position.put(sorted.get(i), i);
            }
            levels.set(k, position);
            labels.add(sorted);
            shape[k] = sorted.size();
        }
        DenseTensor tensor = DenseTensor.zeros(shape);
        boolean[] observed = new boolean[tensor.count()];
        double sum = 0;
        int[] idx = new int[shape.length];
        for (int r = 0; r < rows.size(); r++) {
            String[] fields = rows.get(r);
            for (int k = 0; k < shape.length; k++) {
                idx[k] = levels.get(k).get(NAME_CLEANER.apply(fields[indexAt[k]]));
            }
            String cell = NAME_CLEANER.apply(fields[valueAt]);
            if (!isNumber(cell)) {
                throw new IllegalArgumentException(name + " row " + (r + 1) + ", column '" + valueColumn + "': '" + cell + "' is not a number");
            }
            int e = tensor.index(idx);
            if (observed[e]) {
                throw new IllegalArgumentException(name + " row " + (r + 1) + " repeats the index " + Arrays.toString(Arrays.stream(indexAt)
                        .mapToObj(i -> fields[i]).toArray()) + "; each cell of the tensor must be given once");
            }
            observed[e] = true;
            tensor.data()[e] = Double.parseDouble(cell);
            sum += tensor.data()[e];
        }
        double mean = sum / rows.size();
        for (int e = 0; e < observed.length; e++) {
            if (!observed[e]) {
                tensor.data()[e] = mean;
            }
        }
        return new Indexed(tensor, observed, labels);
    }

    private static final java.util.function.Function<String, String> NAME_CLEANER = s -> {
        String t = s.strip();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    };

    private static int column(List<String> header, String wanted, String name) {
        int at = header.indexOf(wanted);
        if (at < 0) {
            throw new IllegalArgumentException(name + " has no column '" + wanted + "' (its columns: " + String.join(", ", header) + ")");
        }
        return at;
    }

    private static boolean isNumber(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
