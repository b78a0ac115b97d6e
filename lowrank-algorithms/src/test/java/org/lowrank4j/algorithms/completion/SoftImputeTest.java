package org.lowrank4j.algorithms.completion;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SoftImputeTest {

    @Test
    void smallLambdaRecoversAPlantedMatrixApproximately() {
        double[] m = Planted.matrix(100, 80, 3, 21);
        ObservedEntries observed = ObservedEntries.sample(100, 80, m, 0.5, 22);
        CompletedMatrix z = SoftImpute.complete(observed, new SoftImpute.Options(0.3, 6, 300, 1e-9, 1));
        System.out.printf("soft-impute 100x80 rank 3, p=0.5, lambda 0.3: relative error %.3e, rank %d, %d iterations%n",
                z.relativeError(m), z.rank(), z.iterations());
        assertThat(z.relativeError(m)).isLessThan(2e-2);
    }

    @Test
    void lambdaAboveTheTopSingularValueGivesZero() {
        double[] m = Planted.matrix(30, 20, 2, 23);
        ObservedEntries observed = ObservedEntries.sample(30, 20, m, 0.5, 24);
        double top = SoftImpute.largestSingularValue(observed);
        CompletedMatrix z = SoftImpute.complete(observed, new SoftImpute.Options(top * 1.01, 5, 10, 1e-6, 1));
        assertThat(z.rank()).isZero();
    }

    @Test
    void validationPicksALambdaThatGeneralises() {
        double[] m = Planted.matrix(80, 60, 3, 25);
        ObservedEntries observed = ObservedEntries.sample(80, 60, m, 0.5, 26);
        SoftImpute.Fit fit = SoftImpute.completeWithValidation(observed, 15, 6, 1e-3, 0.1, 200, 1);
        assertThat(fit.completion().relativeError(m)).isLessThan(0.1);
    }
}
