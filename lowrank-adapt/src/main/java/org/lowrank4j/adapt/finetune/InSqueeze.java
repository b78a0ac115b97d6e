package org.lowrank4j.adapt.finetune;

import java.util.ArrayList;
import java.util.List;

/**
 * LoRA-Squeeze during tuning (spec 02, In-Squeeze): a run starts at its adapters' rank r and squeezes them {@code events}
 * times, spread evenly over the first {@code until} share of the steps, to the ranks r·(t/r)^(k/K), k = 1 … K, so the last
 * event reaches the target t and the remaining steps train at it. After each event AdamW starts afresh (the old moments
 * belong to another basis) and the learning-rate schedule runs on. The schedule is the project's choice: the paper
 * publishes none.
 *
 * @param targetRank the rank after the last event
 * @param events     how many squeezes, K ≥ 1
 * @param until      the share of the run's steps by which the last squeeze happens, in (0, 1)
 */
public record InSqueeze(int targetRank, int events, double until) {
    /**
     * One squeeze: on Moby Dick (two seeds) one squeeze at 60% kept 93.1–93.2% of an r = 16 adapter's gain at r = 4, three
     * kept 89.0–89.6% (results/lora-squeeze-schedules); each restart of the optimizer costs steps.
     */
    public static final int DEFAULT_EVENTS = 1;
    public static final double DEFAULT_UNTIL = 0.6;

    public InSqueeze {
        if (targetRank < 1) {
            throw new IllegalArgumentException("--squeeze-to must be at least 1, got " + targetRank);
        }
        if (events < 1) {
            throw new IllegalArgumentException("--squeeze-events must be at least 1, got " + events);
        }
        if (!(until > 0 && until < 1)) {
            throw new IllegalArgumentException("--squeeze-until must be a share of the steps in (0, 1), got " + until);
        }
    }

    /**
     * The steps after which the events squeeze, in order: event k after step round(steps·until·k/K).
     *
     * @throws IllegalArgumentException when the events do not fall on distinct steps before the last one
     */
    public List<Integer> eventSteps(int steps) {
        List<Integer> at = new ArrayList<>();
        for (int k = 1; k <= events; k++) {
            int step = (int) Math.round(steps * until * k / events);
            if (step < 1 || step >= steps || !at.isEmpty() && step <= at.get(at.size() - 1)) {
                throw new IllegalArgumentException("--squeeze-events " + events + " over the first " + Math.round(100 * until) + "% of " + steps
                        + " steps do not fall on distinct steps; give more --steps or fewer events");
            }
            at.add(step);
        }
        return at;
    }

    /** The rank after event k (1 … K) of adapters that started at {@code sourceRank}: r·(t/r)^(k/K), between t and r. */
    public int rankAfter(int k, int sourceRank) {
        if (targetRank >= sourceRank) {
            return sourceRank;
        }
        long r = Math.round(sourceRank * Math.pow((double) targetRank / sourceRank, (double) k / events));
        return (int) Math.max(targetRank, Math.min(sourceRank, r));
    }

    /** How many events lie strictly before {@code step}: those whose squeeze a checkpoint written at {@code step} already holds. */
    public int eventsBefore(int step, int steps) {
        int n = 0;
        for (int at : eventSteps(steps)) {
            if (at < step) {
                n++;
            }
        }
        return n;
    }
}
