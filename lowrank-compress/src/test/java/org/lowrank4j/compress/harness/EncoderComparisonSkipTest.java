package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;

/** The ONNX comparison skips, with a clear note, the methods only the JVM runtime can run. */
class EncoderComparisonSkipTest {

    @Test
    void methodsThatNeedGradientsOrTheSequentialPassAreSkippedWithANote() {
        for (CompressionMethod m : Methods.all()) {
            String reason = EncoderComparison.skipReason(m);
            if (m.requirements().contains(CompressionMethod.Requirement.GRADIENTS)) {
                assertThat(reason).as(m.name()).contains(m.name(), "needs gradients");
            } else if (m.requirements().contains(CompressionMethod.Requirement.COMPRESSED_PREFIX)
                    || m.requirements().contains(CompressionMethod.Requirement.CROSS_MOMENT)) {
                assertThat(reason).as(m.name()).contains(m.name(), "sequential pass");
            } else {
                assertThat(reason).as(m.name()).isNull();
            }
        }
        assertThat(EncoderComparison.skipReason(Methods.byName("fwsvd"))).contains("needs gradients");
        assertThat(EncoderComparison.skipReason(Methods.byName("svd"))).isNull();
    }
}
