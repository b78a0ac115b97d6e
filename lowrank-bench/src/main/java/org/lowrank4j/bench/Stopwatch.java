package org.lowrank4j.bench;

import java.util.Arrays;

/** Median-of-repetitions timing; each contender is timed in alternation so that drift hits both alike. */
final class Stopwatch {
    private Stopwatch() {
    }

    /** Seconds for one run of the task. */
    static double time(Runnable task) {
        long start = System.nanoTime();
        task.run();
        return (System.nanoTime() - start) / 1e9;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /**
     * Runs one warm-up of each task, then {@code reps} rounds in which every task runs once, in order.
     * Tasks marked with fewer repetitions (slow references) are skipped after their quota.
     *
     * @return the median seconds per task
     */
    static double[] alternate(int[] reps, Runnable... tasks) {
        for (Runnable t : tasks) {
            t.run();
        }
        int rounds = Arrays.stream(reps).max().orElse(1);
        double[][] seconds = new double[tasks.length][];
        for (int i = 0; i < tasks.length; i++) {
            seconds[i] = new double[reps[i]];
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < tasks.length; i++) {
                if (round < reps[i]) {
                    seconds[i][round] = time(tasks[i]);
                }
            }
        }
        double[] medians = new double[tasks.length];
        for (int i = 0; i < tasks.length; i++) {
            medians[i] = median(seconds[i]);
        }
        return medians;
    }
}
