package org.lowrank4j.compress.recover;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.lowrank4j.formats.onnx.EncoderBlocks;
import org.lowrank4j.formats.onnx.OnnxModel;

/**
 * Which teacher block each student block is distilled against, and how strongly (sensitivity-guided distillation of
 * HierarchicalPrune, docs/specs/hierarchical-prune.md). Student block i matches teacher block {@code teacher[i]}; its
 * hidden-state term is weighted {@code weight[i]} (weights sum to 1). For a student of the teacher's depth, block i
 * matches block i with weight 1/L (recover's usual objective). For a block-pruned student with measured sensitivities
 * {@code s_j}: {@code weight[i] ∝ 1 + Σ s_j / s̄} over the removed blocks j between {@code teacher[i]} and
 * {@code teacher[i+1]} (after the last kept block: to the end), {@code s̄} the mean sensitivity of all blocks — a kept
 * block followed by removed ones must also stand in for them, the more so the more sensitive they were.
 *
 * @param teacher one teacher block index per student block, increasing
 * @param weight  one weight per student block, positive, summing to 1
 */
public record BlockMap(int[] teacher, double[] weight) {

    public BlockMap {
        if (teacher.length == 0 || teacher.length != weight.length) {
            throw new IllegalArgumentException("a block map needs one teacher block and one weight per student block, got " + teacher.length
                    + " and " + weight.length);
        }
        teacher = teacher.clone();
        weight = weight.clone();
    }

    /** Block i to block i, each weighted 1/L. */
    public static BlockMap identity(int layers) {
        double[] w = new double[layers];
        Arrays.fill(w, 1.0 / layers);
        int[] t = new int[layers];
        Arrays.setAll(t, i -> i);
        return new BlockMap(t, w);
    }

    /**
     * The map of a student graph against a teacher of {@code teacherLayers}: identity when the depths agree, else read
     * from the block-pruning metadata of the student graph.
     *
     * @throws IllegalArgumentException when the student is shallower but does not say which blocks it kept
     */
    public static BlockMap of(OnnxModel student, Path file, int studentLayers, int teacherLayers) {
        if (studentLayers == teacherLayers) {
            return identity(studentLayers);
        }
        String kept = student.metadata().get(EncoderBlocks.KEPT_BLOCKS);
        if (kept == null || kept.isEmpty()) {
            throw new IllegalArgumentException("the compressed model " + file + " has " + studentLayers + " blocks and the original " + teacherLayers
                    + ", but it does not say which blocks it kept (it was not written by compress --method hierarchical-prune)");
        }
        int[] t = Arrays.stream(kept.split(",")).mapToInt(Integer::parseInt).toArray();
        if (t.length != studentLayers || t[t.length - 1] >= teacherLayers) {
            throw new IllegalArgumentException("the compressed model " + file + " lists kept blocks " + kept + " that do not fit its "
                    + studentLayers + " blocks and the original's " + teacherLayers);
        }
        String s = student.metadata().get(EncoderBlocks.BLOCK_SENSITIVITIES);
        double[] sensitivity = s == null || s.isEmpty() ? null : Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
        return pruned(t, sensitivity, teacherLayers);
    }

    /** The sensitivity-guided map of a pruned student (uniform weights when {@code sensitivity} is null). */
    static BlockMap pruned(int[] teacher, double[] sensitivity, int teacherLayers) {
        double[] w = new double[teacher.length];
        double mean = sensitivity == null ? 0 : Arrays.stream(sensitivity).average().orElse(0);
        for (int i = 0; i < teacher.length; i++) {
            int next = i + 1 < teacher.length ? teacher[i + 1] : teacherLayers;
            w[i] = 1;
            for (int j = teacher[i] + 1; sensitivity != null && mean > 0 && j < next; j++) {
                w[i] += sensitivity[j] / mean;
            }
        }
        double sum = Arrays.stream(w).sum();
        for (int i = 0; i < w.length; i++) {
            w[i] /= sum;
        }
        return new BlockMap(teacher, w);
    }

    public int[] teacher() {
        return teacher.clone();
    }

    public double[] weight() {
        return weight.clone();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < teacher.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%d←%d (%.3f)", i, teacher[i], weight[i]));
        }
        return b.toString();
    }
}
