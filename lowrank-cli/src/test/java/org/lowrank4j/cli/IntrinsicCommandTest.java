package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.assertError;
import static org.lowrank4j.cli.CliRun.ok;
import static org.lowrank4j.cli.CliRun.run;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lowrank intrinsic train|decompose|evaluate} end to end on a tiny model, and its bad inputs. */
class IntrinsicCommandTest {

    private static Path tinyModel(Path dir) {
        Path model = dir.resolve("model");
        String out = ok("intrinsic", "train", "--out", model.toString(), "--scenes", "2", "--ordinal-steps", "2", "--merge-steps", "2", "--batch", "1",
                "--base-size", "16", "--high-size", "32", "--widths", "4,8");
        assertThat(out).contains("wrote").contains("ordinal loss");
        return model;
    }

    private static Path photo(Path dir) throws Exception {
        BufferedImage image = new BufferedImage(50, 34, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 34; y++) {
            for (int x = 0; x < 50; x++) {
                image.setRGB(x, y, ((5 * x) << 16) | ((7 * y) << 8) | ((x * y) % 256));
            }
        }
        Path file = dir.resolve("photo.jpg");
        ImageIO.write(image, "jpg", file.toFile());
        return file;
    }

    @Test
    void trainDecomposeAndEvaluate(@TempDir Path dir) throws Exception {
        Path model = tinyModel(dir);
        assertThat(model.resolve("intrinsic.json")).exists();
        assertThat(model.resolve("model.safetensors")).exists();
        Path out = dir.resolve("pictures");
        String printed = ok("intrinsic", "decompose", "--model", model.toString(), "--image", photo(dir).toString(), "--out", out.toString(), "--size", "40");
        assertThat(printed).contains("max |albedo x shading - image|");
        for (String name : new String[] {"input.png", "albedo.png", "shading.png", "recoloured.png", "relit.png", "decomposition.json"}) {
            assertThat(out.resolve(name)).exists();
        }
        assertThat(ImageIO.read(out.resolve("albedo.png").toFile()).getWidth()).isEqualTo(40);
        assertThat(Files.readString(out.resolve("decomposition.json"))).contains("max_abs_albedo_times_shading_minus_image");
        // a second run needs --force
        assertError(run("intrinsic", "decompose", "--model", model.toString(), "--image", photo(dir).toString(), "--out", out.toString(), "--size", "40"),
                "--force");
        Path json = dir.resolve("eval.json");
        String table = ok("intrinsic", "evaluate", "--model", model.toString(), "--scenes", "2", "--tuning-scenes", "1", "--size", "32", "--json", json.toString());
        assertThat(table).contains("retinex").contains("ordinal-shading (learned)");
        assertThat(Files.readString(json)).contains("albedoLmse").contains("test_seeds");
    }

    @Test
    void badInputsAreOneLineEach(@TempDir Path dir) throws Exception {
        Path model = tinyModel(dir);
        Path notImage = Files.writeString(dir.resolve("notes.jpg"), "plain text");
        assertError(run("intrinsic", "decompose", "--model", model.toString(), "--image", notImage.toString(), "--out", dir.resolve("o").toString()),
                "not an image");
        Path otherKind = Files.createDirectories(dir.resolve("lora"));
        Files.writeString(otherKind.resolve("adapter_config.json"), "{}");
        assertError(run("intrinsic", "decompose", "--model", otherKind.toString(), "--image", photo(dir).toString(), "--out", dir.resolve("o").toString()),
                "not an intrinsic model folder");
        assertError(run("intrinsic", "decompose", "--model", model.toString(), "--image", photo(dir).toString(), "--out", dir.resolve("o").toString(),
                "--size", "0"), "--size must be positive");
        // the pictures are not written into the model folder (it exited 0, adding six files to it)
        assertError(run("intrinsic", "decompose", "--model", model.toString(), "--image", photo(dir).toString(), "--out", model.toString()),
                "is the --model folder");
        assertThat(model.resolve("albedo.png")).doesNotExist();
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--batch", "0"), "--batch must be at least 1, got 0");
        // each setting by its own name (they said "--scenes, --batch, --base-size and --high-size must be positive" or
        // "training needs scenes >= 1, steps >= 0, ..." or "U-Net level widths must be positive")
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--ordinal-steps", "-1"), "--ordinal-steps must be at least 0, got -1");
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--lr", "NaN"), "--lr must be a positive number, got NaN");
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--base-size", "17"), "--base-size must be a positive multiple of 8");
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--widths", "0,8"), "--widths must all be at least 1, got [0, 8]");
        // sides that too many --widths levels cannot halve are put on --widths (it said "base and high sizes must be positive multiples of 128")
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--widths", "4,4,4,4,4,4,4"), "--base-size must be a positive"
                + " multiple of 128 (--widths 4,4,4,4,4,4,4 has 7 U-Net levels, each halving the side), got 64; give such a size or fewer --widths");
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--widths", "4,4,4,4,4,4", "--high-size", "96"),
                "--high-size must be a multiple of 64 (--widths 4,4,4,4,4,4 has 6 U-Net levels, each halving the side) and at least --base-size 64,"
                        + " got 96");
        assertError(run("intrinsic", "evaluate", "--scenes", "0"), "--scenes must be at least 1, got 0");
        // scenes whose pixels overflow one array (these failed with ArrayIndexOutOfBoundsException in the renderer)
        assertError(run("intrinsic", "train", "--out", dir.resolve("m2").toString(), "--high-size", "65536"),
                "--high-size can be at most 26752 (a larger scene does not fit one array), got 65536");
        // a side the model's U-Net cannot keep (it said "estimate 32x32x1 and truth 33x33x1 differ in shape")
        assertError(run("intrinsic", "evaluate", "--model", model.toString(), "--scenes", "1", "--tuning-scenes", "1", "--size", "33"),
                "--size must be a multiple of 4 for --model " + model + " (its U-Net halves the side 2 times), got 33");
        Path jsonFolder = Files.createDirectories(dir.resolve("figures"));
        assertError(run("intrinsic", "evaluate", "--scenes", "1", "--tuning-scenes", "1", "--size", "16", "--json", jsonFolder.toString(), "--force"),
                "--json " + jsonFolder + " is a folder; give a file name");
        assertError(run("intrinsic", "evaluate", "--scenes", "1", "--tuning-scenes", "1", "--size", "65536"),
                "--size must be from 8 to 26752 (a larger scene does not fit one array), got 65536");
        assertThat(dir.resolve("m2")).doesNotExist();
        assertError(run("intrinsic", "train", "--out", otherKind.toString(), "--ordinal-steps", "1", "--merge-steps", "1", "--scenes", "1", "--force"),
                "holds no intrinsic model");
    }

    @Test
    void aRetinexRefiningMergePhaseReusesASavedOrdinalPhase(@TempDir Path dir) throws Exception {
        Path ordinal = tinyModel(dir);
        Path refined = dir.resolve("refined");
        String out = ok("intrinsic", "train", "--out", refined.toString(), "--ordinal-from", ordinal.toString(), "--retinex-input", "--scenes", "2",
                "--ordinal-steps", "0", "--merge-steps", "2", "--batch", "1", "--base-size", "16", "--high-size", "32", "--widths", "4,8");
        assertThat(out).contains("0 + 2 steps");
        assertThat(Files.readString(refined.resolve("intrinsic.json"))).contains("retinex_input").contains("grey_threshold").contains("\"ordinal_from\" : \"model\"");
        assertThat(ok("intrinsic", "decompose", "--model", refined.toString(), "--image", photo(dir).toString(), "--out", dir.resolve("p").toString(),
                "--size", "40")).contains("max |albedo x shading - image|");
        assertError(run("intrinsic", "train", "--out", dir.resolve("x").toString(), "--ordinal-from", ordinal.toString(), "--scenes", "2",
                "--ordinal-steps", "0", "--merge-steps", "1", "--base-size", "16", "--high-size", "32", "--widths", "4,4"), "--ordinal-from");
        assertError(run("intrinsic", "train", "--out", dir.resolve("y").toString(), "--ordinal-from", dir.resolve("absent").toString(), "--scenes", "2",
                "--ordinal-steps", "0", "--merge-steps", "1"), "absent");
    }
}
