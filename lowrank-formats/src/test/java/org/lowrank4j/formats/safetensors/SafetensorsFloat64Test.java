package org.lowrank4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFloat64Test {

    @Test
    void float64TensorsRoundTripBitForBit(@TempDir Path dir) throws Exception {
        double[] gram = {1.0 / 3, Math.PI, -1e-300, 1e300, Double.MIN_VALUE, 0.1 + 0.2};
        Path file = dir.resolve("stats.safetensors");
        new SafetensorsWriter().add("gram", new long[] {2, 3}, gram).add("tokens", new long[] {1}, new float[] {7})
                .metadata("tokens", "123").write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("gram").dtype()).isEqualTo(SafetensorsDtype.F64);
            assertThat(f.readDoubles("gram")).containsExactly(gram);
            assertThat(f.metadata()).containsEntry("tokens", "123");
        }
    }
}
