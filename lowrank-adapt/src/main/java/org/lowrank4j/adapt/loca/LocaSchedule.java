package org.lowrank4j.adapt.loca;

/**
 * Which group of a LoCA layer trains at its t-th training forward (spec 05 B, "alternating schedule"; counted per layer
 * in training passes, not optimizer steps):
 * <pre>
 *   t = 0:              coefficients only
 *   0 &lt; t &lt; B_s:        cycles of {@code cycle} passes: the first {@code cycleCoefficients} train the coefficients
 *                       (locations frozen), the rest train the locations (coefficients frozen)
 *   t ≥ B_s:            locations frozen for good, coefficients train
 * </pre>
 * The reference's cycle is 30 passes with 10 for the coefficients; B_s ({@code learn_location_iter}) is about a tenth of
 * the run. When B_s is not given it becomes round(0.1 · run length) once the run's length is known (after its first
 * step, which trains the coefficients whatever B_s is); until then, and for an adapter read from a folder, it is 0.
 */
public final class LocaSchedule {
    /** The group a training pass updates. */
    public enum Phase { COEFFICIENTS, LOCATIONS }

    /** The reference's cycle and its coefficient part, in training passes. */
    public static final int CYCLE = 30, CYCLE_COEFFICIENTS = 10;
    /** B_s as a share of the run when not given. */
    public static final double LOCATION_SHARE = 0.1;

    private final int cycle;
    private final int cycleCoefficients;
    private final boolean givenLocationSteps;
    private long locationSteps;

    /**
     * @param locationSteps     B_s, or a negative value for a tenth of the run
     * @param cycle             passes per cycle, ≥ 1
     * @param cycleCoefficients passes per cycle that train the coefficients, in [0, cycle]
     */
    public LocaSchedule(long locationSteps, int cycle, int cycleCoefficients) {
        if (cycle < 1 || cycleCoefficients < 0 || cycleCoefficients > cycle) {
            throw new IllegalArgumentException("LoCA's cycle needs cycle >= 1 and 0 <= cycle-coef <= cycle, got cycle " + cycle
                    + ", cycle-coef " + cycleCoefficients);
        }
        this.cycle = cycle;
        this.cycleCoefficients = cycleCoefficients;
        this.givenLocationSteps = locationSteps >= 0;
        this.locationSteps = Math.max(0, locationSteps);
    }

    /** The schedule of a layer that is not trained further (read from a folder): coefficients only. */
    public static LocaSchedule frozenLocations() {
        return new LocaSchedule(0, CYCLE, CYCLE_COEFFICIENTS);
    }

    /** Fixes B_s to a tenth of {@code totalSteps} when it was not given; later calls change nothing. */
    public void runLength(long totalSteps) {
        if (!givenLocationSteps && locationSteps == 0 && totalSteps > 0) {
            locationSteps = Math.round(LOCATION_SHARE * totalSteps);
        }
    }

    /** B_s: the training pass from which the locations stay frozen. */
    public long locationSteps() {
        return locationSteps;
    }

    public Phase phase(long pass) {
        if (pass <= 0 || pass >= locationSteps) {
            return Phase.COEFFICIENTS;
        }
        return pass % cycle < cycleCoefficients ? Phase.COEFFICIENTS : Phase.LOCATIONS;
    }
}
