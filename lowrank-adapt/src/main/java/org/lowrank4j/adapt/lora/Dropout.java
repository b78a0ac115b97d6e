package org.lowrank4j.adapt.lora;

import java.util.SplittableRandom;

/**
 * Where the dropout masks of the adapter branches come from: a seed and a pass number that the training loop sets
 * before each micro-batch. The mask of one adapter at one site in one pass is a function of (seed, site, adapter,
 * pass) only, so a run resumed at pass k draws the same masks as one that was never stopped.
 */
public final class Dropout {
    private final long seed;
    private long pass;
    private boolean training;

    public Dropout(long seed) {
        this.seed = seed;
    }

    /** Masks are drawn only while training; evaluation runs the branches without dropout. */
    public boolean training() {
        return training;
    }

    public void setTraining(boolean training) {
        this.training = training;
    }

    /** The index of the current micro-batch (forward pass) of the run. */
    public void setPass(long pass) {
        this.pass = pass;
    }

    public long pass() {
        return pass;
    }

    /** The random source of one branch in the current pass. */
    SplittableRandom random(String module, String adapter) {
        long h = seed * 0x9E3779B97F4A7C15L + pass;
        h = h * 31 + module.hashCode();
        h = h * 31 + adapter.hashCode();
        return new SplittableRandom(h);
    }
}
