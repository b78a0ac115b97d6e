package org.lowrank4j.compress.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** A budget given as bytes: parsing, the ratio it stands for, and the step taken when a written file is still too big. */
class SizeTargetTest {

    @Test
    void parsesDecimalAndBinaryUnits() {
        assertThat(SizeTarget.parse("70MB", "--target-size")).isEqualTo(70_000_000L);
        assertThat(SizeTarget.parse(" 81.5 mb", "--target-size")).isEqualTo(81_500_000L);
        assertThat(SizeTarget.parse("900KB", "--target-size")).isEqualTo(900_000L);
        assertThat(SizeTarget.parse("1.2GB", "--target-size")).isEqualTo(1_200_000_000L);
        assertThat(SizeTarget.parse("2MiB", "--target-size")).isEqualTo(2L << 20);
        assertThat(SizeTarget.parse("65536", "--target-size")).isEqualTo(65536L);
        assertThat(SizeTarget.parse("12B", "--target-size")).isEqualTo(12L);
        assertThatThrownBy(() -> SizeTarget.parse("seventy", "--target-size")).hasMessageContaining("--target-size").hasMessageContaining("70MB");
        assertThatThrownBy(() -> SizeTarget.parse("-3MB", "--target-size")).hasMessageContaining("positive");
        assertThatThrownBy(() -> SizeTarget.parse("0", "--sizes")).hasMessageContaining("--sizes");
    }

    @Test
    void theRatioRemovesExactlyTheBytesAboveTheTarget() {
        // 90 MB model, 10.6 M targeted float32 parameters: reaching 80 MB removes 2.5 M parameters
        double r = SizeTarget.ratioFor(80_000_000L, 90_000_000L, 10_600_000L, 4);
        assertThat(r).isCloseTo(2_500_000.0 / 10_600_000, Offset.offset(1e-9));
        // half-precision weights free half as many bytes per parameter
        assertThat(SizeTarget.ratioFor(80_000_000L, 90_000_000L, 10_600_000L, 2)).isCloseTo(2 * r, Offset.offset(1e-9));
        assertThatThrownBy(() -> SizeTarget.ratioFor(95_000_000L, 90_000_000L, 10_600_000L, 4)).hasMessageContaining("nothing to remove");
        assertThatThrownBy(() -> SizeTarget.ratioFor(40_000_000L, 90_000_000L, 10_600_000L, 4)).hasMessageContaining("smallest reachable");
    }

    @Test
    void aFileStillAboveTheTargetRaisesTheRatioByItsExcess() {
        double next = SizeTarget.adjusted(0.2, 80_000_400L, 80_000_000L, 1_000_000L, 4);
        assertThat(next).isCloseTo(0.2 + 101.0 / 1_000_000, Offset.offset(1e-12));
        assertThat(SizeTarget.adjusted(0.94, 90_000_000L, 10L, 1_000_000L, 4)).isEqualTo(SizeTarget.MAX_RATIO);
    }
}
