package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Checkpoints keep every bit of float32 and float64 values, and hold a plain rounded copy for other tools. */
class CheckpointTest {

    @Test
    void float64ValuesRoundTripBitForBit(@TempDir Path dir) throws IOException {
        // Finite only: a checkpoint holding an infinity is damaged and refused on reading (FiniteValues).
        double[] awkward = {Math.PI, -0.0, Double.MIN_VALUE, 1e-310, Float.MAX_VALUE, -Double.MIN_NORMAL, 1 / 3.0, -7e-45, 12345.678};
        Parameter p = new Parameter("w", Tensor.of(Precision.FLOAT64, awkward, 3, 3));
        AdamW adam = new AdamW(List.of(p), AdamW.Settings.defaults());
        adam.moments(p).first().copyFrom(Tensor.of(Precision.FLOAT64, awkward, 3, 3));
        adam.setStepCount(17);
        Path file = dir.resolve("f64.safetensors");
        Checkpoint.write(file, List.of(p), adam, new Checkpoint.TrainingState(17, 5, new TokenWindows.Position(2, 3)), Map.of("k", "v"));

        Parameter q = new Parameter("w", Tensor.zeros(Precision.FLOAT64, 3, 3));
        AdamW fresh = new AdamW(List.of(q), AdamW.Settings.defaults());
        Checkpoint.TrainingState state = Checkpoint.read(file, List.of(q), fresh);
        assertThat(state).isEqualTo(new Checkpoint.TrainingState(17, 5, new TokenWindows.Position(2, 3)));
        assertThat(fresh.stepCount()).isEqualTo(17);
        for (int i = 0; i < awkward.length; i++) {
            assertThat(Double.doubleToRawLongBits(q.value().get(i))).isEqualTo(Double.doubleToRawLongBits(awkward[i]));
            assertThat(Double.doubleToRawLongBits(fresh.moments(q).first().get(i))).isEqualTo(Double.doubleToRawLongBits(awkward[i]));
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.readFloats("w")[0]).isEqualTo((float) Math.PI); // the plain copy other tools read
            assertThat(st.metadata()).containsEntry("k", "v").containsEntry("optimizer.step", "17");
        }
    }

    @Test
    void float32ValuesRoundTripExactlyWithoutExtraTensors(@TempDir Path dir) throws IOException {
        Parameter p = new Parameter("layer.weight", Tensor.of(Precision.FLOAT32, new double[] {0.1, -2.5e-40, 3e38}, 3));
        Path file = dir.resolve("f32.safetensors");
        Checkpoint.write(file, List.of(p), null, new Checkpoint.TrainingState(0, 0, new TokenWindows.Position(0, 0)), Map.of());
        Parameter q = new Parameter("layer.weight", Tensor.zeros(Precision.FLOAT32, 3));
        Checkpoint.read(file, List.of(q), null);
        assertThat(q.value().toDoubleArray()).containsExactly(p.value().toDoubleArray());
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.names()).containsExactly("layer.weight");
        }
    }
}
