package org.lowrank4j.compress;

import java.util.List;

/**
 * What one compression decided, independent of the model's format: every site's factorization plus the parameter
 * accounting over the targeted layers (a shared factor counted once).
 */
public record CompressionResult(String method, String allocation, double requestedRatio, List<SiteResult> sites,
                                long targetedParametersBefore, long targetedParametersAfter) {

    /** Fraction of the targeted layers' parameters actually removed. */
    public double achievedRatio() {
        return targetedParametersBefore == 0 ? 0 : 1 - (double) targetedParametersAfter / targetedParametersBefore;
    }
}
