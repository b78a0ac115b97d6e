package org.lowrank4j.algorithms.intrinsic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.tensor.Precision;

/** Albedo ⊙ shading = image, the model folder round trip, and the renderer's determinism. */
class DecompositionTest {
    private static final IntrinsicConfig SMALL = new IntrinsicConfig(16, 32, new int[] {4, 8});

    /** A generated photo-like RGB image (gradients, a disc, noise) that no model has seen, written as PNG. */
    static Path generatedPhoto(Path dir, int height, int width) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean disc = Math.hypot(x - width / 3.0, y - height / 2.0) < height / 4.0;
                int r = Math.min(255, (int) (255.0 * x / width) + random.nextInt(8));
                int g = disc ? 40 : Math.min(255, (int) (200.0 * y / height) + random.nextInt(8));
                int b = (x * 7 + y * 3) % 256;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        Path file = dir.resolve("photo.png");
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    @Test
    void albedoTimesShadingGivesBackTheImageOfAnUnseenPhoto(@TempDir Path dir) throws Exception {
        IntrinsicModel model = new IntrinsicModel(SMALL, Precision.FLOAT32, 3);
        Raster photo = IntrinsicPipeline.readLinear(generatedPhoto(dir, 45, 70));
        Decomposition d = model.decompose(photo, 48);
        assertThat(d.image().width()).isEqualTo(48);
        assertThat(d.image().height() % 8).isZero();
        for (double s : d.shading().values()) {
            assertThat(s).isPositive();
        }
        double error = d.reconstructionError();
        System.out.printf("max |A*S - I| on a generated %dx%d photo: %.2e%n", d.image().width(), d.image().height(), error);
        assertThat(error).isLessThan(1e-4);
    }

    @Test
    void aSavedModelLoadsBackAndDecomposesIdentically(@TempDir Path dir) throws Exception {
        IntrinsicModel model = new IntrinsicModel(SMALL, Precision.FLOAT32, 5);
        Path folder = dir.resolve("model");
        IntrinsicModelFolder.write(folder, model, null);
        IntrinsicModel back = IntrinsicModelFolder.read(folder);
        Raster image = new SceneRenderer(32, 32).render(7).image();
        assertThat(back.decompose(image, 32).shading().values()).containsExactly(model.decompose(image, 32).shading().values());
        // writing again over an earlier model replaces it; a folder of another kind is refused
        IntrinsicModelFolder.write(folder, new IntrinsicModel(SMALL, Precision.FLOAT32, 6), null);
        assertThat(IntrinsicModelFolder.read(folder).decompose(image, 32).shading().values()).isNotEqualTo(model.decompose(image, 32).shading().values());
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("config.json"), "{}");
        assertThatThrownBy(() -> IntrinsicModelFolder.read(other)).hasMessageContaining("not an intrinsic model folder");
        assertThatThrownBy(() -> IntrinsicModelFolder.write(other, model, null)).hasMessageContaining("holds no intrinsic model");
        Files.writeString(other.resolve(IntrinsicModelFolder.CONFIG), "{\"kind\": \"peft-lora\"}");
        assertThatThrownBy(() -> IntrinsicModelFolder.read(other)).hasMessageContaining("another kind");
    }

    @Test
    void theRendererIsSeededAndItsImageIsAlbedoTimesShadingUpToRounding() {
        SceneRenderer renderer = new SceneRenderer(40, 48);
        Scene a = renderer.render(11), b = renderer.render(11), c = renderer.render(12);
        assertThat(a.image().values()).containsExactly(b.image().values());
        assertThat(a.image().values()).isNotEqualTo(c.image().values());
        double worst = 0;
        int compared = 0;
        for (int p = 0; p < a.image().pixels(); p++) {
            for (int k = 0; k < 3; k++) {
                double exact = a.albedo().values()[p * 3 + k] * a.shading().values()[p];
                if (exact < 0.95) { // not clipped
                    worst = Math.max(worst, Math.abs(Srgb.fromLinear(exact) - Srgb.fromLinear(a.image().values()[p * 3 + k])));
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(a.image().pixels());
        assertThat(worst).isLessThanOrEqualTo(0.5 / 255 + 1e-9); // 8-bit rounding in sRGB
    }

    @Test
    void aGreyscalePhotoIsReadAsThreeEqualChannels(@TempDir Path dir) throws Exception {
        BufferedImage grey = new BufferedImage(12, 9, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(3, 4, 0, 128);
        Path file = dir.resolve("grey.png");
        ImageIO.write(grey, "png", file.toFile());
        Raster linear = IntrinsicPipeline.readLinear(file);
        assertThat(linear.channels()).isEqualTo(3);
        assertThat(linear.get(4, 3, 0)).isEqualTo(Srgb.toLinear(128 / 255.0)).isEqualTo(linear.get(4, 3, 2));
        assertThat(linear.get(0, 0, 1)).isZero();
    }

    @Test
    void badInputsAreOneClearLine(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
        assertThatThrownBy(() -> IntrinsicPipeline.readLinear(text)).hasMessageContaining("notes.png").hasMessageContaining("not an image");
        IntrinsicModel model = new IntrinsicModel(SMALL, Precision.FLOAT32, 3);
        Raster image = new SceneRenderer(32, 32).render(1).image();
        assertThatThrownBy(() -> model.decompose(image, 0)).hasMessageContaining("at least 4 pixels");
    }
}
