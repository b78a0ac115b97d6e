package org.lowrank4j.nn.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The loss curve of a {@code train-log.csv} as {@code lowrank train} writes it: a header starting {@code step,loss}, then
 * one row a step, with an optional {@code validation_loss} column that is empty on steps without validation. An empty
 * cell means no value for that series on that row (Mamba training writes its validation rows as {@code N,,,,,loss}).
 *
 * @param training   (step, loss) of every row
 * @param validation (step, validation loss) of the rows that have one
 */
public record TrainingLog(List<double[]> training, List<double[]> validation) {

    /**
     * Reads a log (as {@link TextFiles} reads text).
     *
     * @throws IllegalArgumentException naming the file (and the line) when it is not such a log: no header, no rows, a row
     *                                  with too few cells, no training loss at all, an empty step, or a non-empty cell that is not a finite number
     */
    public static TrainingLog read(Path file) {
        List<String> lines = TextFiles.read(file).lines().toList();
        if (lines.size() < 2 || !lines.get(0).startsWith("step,loss")) {
            throw new IllegalArgumentException(file + " is not a train-log.csv (expected a header starting with step,loss and at least one row)");
        }
        int validationColumn = List.of(lines.get(0).split(",")).indexOf("validation_loss");
        List<double[]> training = new ArrayList<>(), validation = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] cells = lines.get(i).split(",", -1);
            if (cells.length < 2) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected at least step,loss, got '" + lines.get(i) + "'");
            }
            double step = number(cells[0], file, i);
            if (!cells[1].isBlank()) {
                training.add(new double[] {step, number(cells[1], file, i)});
            }
            if (validationColumn >= 0 && validationColumn < cells.length && !cells[validationColumn].isBlank()) {
                validation.add(new double[] {step, number(cells[validationColumn], file, i)});
            }
        }
        if (training.isEmpty()) {
            throw new IllegalArgumentException(file + " has no row with a training loss (the loss column is empty on every row)");
        }
        return new TrainingLog(List.copyOf(training), List.copyOf(validation));
    }

    private static double number(String cell, Path file, int index) {
        try {
            double value = Double.parseDouble(cell.strip());
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(file + " line " + (index + 1) + ": '" + cell + "' is not a finite number");
    }

    /**
     * Rewrites a log to its header and the rows of steps up to {@code step} (atomically), so a resumed run appends
     * from there; with {@code step} 0, or no file yet, just the header.
     */
    public static void keepRowsThrough(Path file, String header, long step) throws java.io.IOException {
        List<String> kept = new ArrayList<>();
        kept.add(header);
        if (step > 0 && java.nio.file.Files.isRegularFile(file)) {
            for (String line : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
                int comma = line.indexOf(',');
                if (comma > 0 && Character.isDigit(line.charAt(0)) && Long.parseLong(line.substring(0, comma)) <= step) {
                    kept.add(line);
                }
            }
        }
        org.lowrank4j.formats.io.AtomicFiles.writeString(file, String.join("\n", kept) + "\n");
    }
}
