package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;

/**
 * The encoder comparison skips, with a clear note, only the methods that need gradients (an encoder without labels has
 * no loss); methods that need the sequential pass, and basis sharing, run on the JVM runtime's copy of the encoder.
 */
class EncoderComparisonSkipTest {

    @Test
    void onlyMethodsThatNeedGradientsAreSkippedWithANote() {
        for (CompressionMethod m : Methods.all()) {
            String reason = EncoderComparison.skipReason(m);
            if (m.requirements().contains(CompressionMethod.Requirement.GRADIENTS)) {
                assertThat(reason).as(m.name()).contains(m.name(), "needs gradients", "no loss to differentiate");
            } else {
                assertThat(reason).as(m.name()).isNull();
            }
            boolean sequential = m.requirements().contains(CompressionMethod.Requirement.COMPRESSED_PREFIX)
                    || m.requirements().contains(CompressionMethod.Requirement.CROSS_MOMENT);
            assertThat(EncoderComparison.runsOnRuntime(m.name())).as(m.name()).isEqualTo(sequential);
        }
        assertThat(EncoderComparison.skipReason(Methods.byName("fwsvd"))).contains("needs gradients");
        assertThat(EncoderComparison.skipReason(Methods.byName("svd"))).isNull();
        assertThat(EncoderComparison.runsOnRuntime("svd-llm")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("saes")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("basis-sharing")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("whitened")).isFalse();
    }
}
