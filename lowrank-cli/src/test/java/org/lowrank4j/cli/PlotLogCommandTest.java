package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotLogCommandTest {

    @Test
    void drawsTheLossCurveOfATrainingLog(@TempDir Path dir) throws Exception {
        Path log = Files.writeString(dir.resolve("train-log.csv"), """
                step,loss,lr,grad_norm,tokens_per_s,validation_loss
                1,5.6,0.0001,3.0,1400,
                2,4.9,0.0002,2.5,1400,
                3,4.1,0.0003,2.1,1400,4.3
                4,3.5,0.0003,1.9,1400,
                """);
        Path png = dir.resolve("loss.png");
        assertThat(LowrankCommand.execute("plot-log", "--log", log.toString(), "--out", png.toString())).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(480);
        assertThat(LowrankCommand.execute("plot-log", "--log", png.toString(), "--out", dir.resolve("x.png").toString())).isEqualTo(2);
        assertThat(dir.resolve("x.png")).doesNotExist();
    }
}
