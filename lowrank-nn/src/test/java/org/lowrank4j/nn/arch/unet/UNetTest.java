package org.lowrank4j.nn.arch.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.nn.GradientCheck.check;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

class UNetTest {

    @Test
    void forwardKeepsTheGridAndGivesValuesInZeroOne() {
        UNet net = new UNet(new UNetConfig(3, 1, new int[] {4, 8, 8}), Precision.FLOAT32, new Random(1));
        Tensor y = net.forward(Tensor.gaussian(Precision.FLOAT32, new Random(2), 1, 2, 16, 24, 3));
        assertThat(y.shape()).containsExactly(2, 16, 24, 1);
        for (double v : y.toDoubleArray()) {
            assertThat(v).isStrictlyBetween(0.0, 1.0);
        }
        assertThatThrownBy(() -> net.forward(Tensor.zeros(Precision.FLOAT32, 1, 12, 16, 3))).hasMessageContaining("multiples of 8");
    }

    @Test
    void wholeNetworkGradient() {
        UNet net = new UNet(new UNetConfig(2, 1, new int[] {3, 4}), Precision.FLOAT64, new Random(3));
        Tensor x = Tensor.gaussian(Precision.FLOAT64, new Random(4), 1, 1, 4, 8, 2);
        check("U-Net 2 levels", () -> net.forward(x), net::backward, x, net.parameters(), 5);
    }

    @Test
    void saveThenLoadGivesTheSameOutput(@TempDir Path dir) throws Exception {
        UNetConfig config = new UNetConfig(3, 1, new int[] {4, 8, 8});
        UNet net = new UNet(config, Precision.FLOAT32, new Random(6));
        Tensor x = Tensor.gaussian(Precision.FLOAT32, new Random(7), 1, 1, 16, 16, 3);
        Tensor before = net.forward(x);
        SafetensorsWriter writer = new SafetensorsWriter();
        ParameterTensors.addTo(writer, "net.", net.parameters());
        writer.write(dir.resolve("model.safetensors"));
        UNet other = new UNet(config, Precision.FLOAT32, new Random(99));
        assertThat(other.forward(x).toDoubleArray()).isNotEqualTo(before.toDoubleArray());
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            ParameterTensors.loadFrom(file, "model", "net.", other.parameters());
        }
        assertThat(other.forward(x).toDoubleArray()).containsExactly(before.toDoubleArray());
        UNet wider = new UNet(new UNetConfig(3, 1, new int[] {4, 8, 16}), Precision.FLOAT32, new Random(1));
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThatThrownBy(() -> ParameterTensors.loadFrom(file, "model", "net.", wider.parameters())).hasMessageContaining("has shape");
        }
    }
}
