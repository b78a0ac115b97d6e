package org.lowrank4j.adapt.ops;

/**
 * What a calibrated squeeze tells a progress display as it goes: first its calibration windows (a forward, and with
 * Fisher weighting a backward, over each), then, compensated, its groups of modules in the model's order.
 */
@FunctionalInterface
public interface SqueezeProgress {
    String WINDOWS = "calibration windows";
    String GROUPS = "module groups";

    /** {@code done} of {@code all} units of {@code phase} ({@link #WINDOWS} or {@link #GROUPS}) are finished. */
    void update(String phase, int done, int all);
}
