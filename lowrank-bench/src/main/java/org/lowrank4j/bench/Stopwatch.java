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
     * The 95% percentile-bootstrap interval of median(numerator) / median(denominator) over paired rounds: rounds are
     * drawn with replacement, the same draw for both (round i of each ran side by side), {@code resamples} times.
     *
     * @return {low, high}
     */
    static double[] ratioOfMediansInterval(double[] numerator, double[] denominator, int resamples, long seed) {
        if (numerator.length != denominator.length || numerator.length == 0) {
            throw new IllegalArgumentException("paired rounds: " + numerator.length + " against " + denominator.length);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int n = numerator.length;
        double[] ratios = new double[resamples], num = new double[n], den = new double[n];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int k = random.nextInt(n);
                num[i] = numerator[k];
                den[i] = denominator[k];
            }
            ratios[b] = median(num) / median(den);
        }
        Arrays.sort(ratios);
        return new double[] {ratios[(int) Math.floor(0.025 * (resamples - 1))], ratios[(int) Math.ceil(0.975 * (resamples - 1))]};
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
