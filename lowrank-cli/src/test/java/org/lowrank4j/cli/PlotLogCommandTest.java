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

    @Test
    void readsTheMambaLogWhoseValidationRowsLeaveTheOtherCellsEmpty(@TempDir Path dir) throws Exception {
        // lowrank train --arch mamba writes a validation row as step,,,,,loss
        Path log = Files.writeString(dir.resolve("train-log.csv"), """
                step,loss,lr,grad_norm,tokens_per_s,validation_loss
                1,5.6,0.0001,3.0,1400.0,
                2,4.9,0.0002,2.5,1400.0,
                2,,,,,5.1
                """);
        Path png = dir.resolve("loss.png");
        CliRun.ok("plot-log", "--log", log.toString(), "--out", png.toString());
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(800);

        // a cell that is there but not a number is still refused, naming the line
        Files.writeString(log, "step,loss,lr,grad_norm,tokens_per_s,validation_loss\n1,5.6,0,1,1,\n2,x,,,,5.1\n");
        assertThat(CliRun.refused("plot-log", "--log", log.toString(), "--out", dir.resolve("bad.png").toString()))
                .contains("line 3").contains("'x' is not a finite number");
    }

    @Test
    void drawsSeveralRunsInOneFigure(@TempDir Path dir) throws Exception {
        String header = "step,loss,lr,grad_norm,tokens_per_s,validation_loss\n";
        Path a = Files.createDirectories(dir.resolve("full")).resolve("train-log.csv");
        Path b = Files.createDirectories(dir.resolve("galore")).resolve("train-log.csv");
        Files.writeString(a, header + "1,5.6,0,1,1,\n2,4.9,0,1,1,5.0\n");
        Files.writeString(b, header + "1,5.5,0,1,1,\n2,4.0,0,1,1,4.2\n3,3.9,0,1,1,4.1\n");
        Path png = dir.resolve("both.png");
        assertThat(LowrankCommand.execute("plot-log", "--log", a.toString(), "--log", b.toString(), "--out", png.toString())).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(800);
        // the two runs' colours (blue and red validation lines) are both drawn
        boolean blue = false, red = false;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                blue |= rgb == 0x1F77B4;
                red |= rgb == 0xD62728;
            }
        }
        assertThat(blue).isTrue();
        assertThat(red).isTrue();
    }
}
