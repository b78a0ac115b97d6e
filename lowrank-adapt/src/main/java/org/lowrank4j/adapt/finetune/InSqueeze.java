package org.lowrank4j.adapt.finetune;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.adapt.ops.Squeeze;
import org.lowrank4j.adapt.ops.SqueezeForm;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;

/**
 * LoRA-Squeeze during tuning (spec 02, In-Squeeze): a run starts at its adapters' rank r and squeezes them {@code events}
 * times, spread evenly over the first {@code until} share of the steps, to the ranks r·(t/r)^(k/K), k = 1 … K, so the last
 * event reaches the target t and the remaining steps train at it. After each event AdamW starts afresh (the old moments
 * belong to another basis) and the learning-rate schedule runs on. The schedule is the project's choice: the paper
 * publishes none.
 *
 * <p>Each event runs one of the post-hoc squeezes ({@link SqueezeForm}): the plain one, or one calibrated on the run's
 * training text (never its held-out tail). With {@code budget}, event k spends the stored values of rank r_k across the
 * modules (some end above r_k, some below; PEFT's rank_pattern records them) instead of giving every module r_k.
 *
 * @param targetRank the rank after the last event (with {@code budget}: the rank whose stored values the last event keeps)
 * @param events     how many squeezes, K ≥ 1
 * @param until      the share of the run's steps by which the last squeeze happens, in (0, 1)
 * @param form       which squeeze each event runs
 * @param budget     spend each event's values across modules rather than give each module the same rank
 */
public record InSqueeze(int targetRank, int events, double until, SqueezeForm form, boolean budget) {
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
        if (form == null) {
            throw new IllegalArgumentException("an In-Squeeze needs a squeeze form (SqueezeForm.PLAIN for the plain one)");
        }
    }

    /** The plain squeeze to a fixed rank at every event. */
    public InSqueeze(int targetRank, int events, double until) {
        this(targetRank, events, until, SqueezeForm.PLAIN, false);
    }

    /**
     * What event k (1 … K) squeezes {@code now} to: rank r_k for every module, or with {@code budget} the values r_k
     * gives, r_k·Σ(in + out) over the modules.
     */
    public Squeeze.Target targetAfter(int k, int sourceRank, PeftAdapter now) {
        int rank = rankAfter(k, sourceRank);
        if (!budget) {
            return Squeeze.Target.rank(rank);
        }
        long perRank = 0;
        for (LoraFactors f : now.modules().values()) {
            perRank += f.in() + f.out();
        }
        return Squeeze.Target.budget(rank * perRank);
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
