package org.lowrank4j.compress.harness;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.Methods;

/**
 * Which methods the encoder comparison runs on the JVM runtime's copy of the encoder: those that need the sequential
 * pass, those that need gradients (the probe's task loss gives them) and basis sharing; the others run in ONNX Runtime.
 */
class EncoderComparisonSkipTest {

    @Test
    void sequentialAndGradientMethodsRunOnTheRuntime() {
        for (CompressionMethod m : Methods.all()) {
            boolean runtime = m.requirements().contains(CompressionMethod.Requirement.COMPRESSED_PREFIX)
                    || m.requirements().contains(CompressionMethod.Requirement.CROSS_MOMENT)
                    || m.requirements().contains(CompressionMethod.Requirement.GRADIENTS);
            assertThat(EncoderComparison.runsOnRuntime(m.name())).as(m.name()).isEqualTo(runtime);
        }
        assertThat(EncoderComparison.runsOnRuntime("fwsvd")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("svd-llm")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("saes")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("basis-sharing")).isTrue();
        assertThat(EncoderComparison.runsOnRuntime("whitened")).isFalse();
    }
}
