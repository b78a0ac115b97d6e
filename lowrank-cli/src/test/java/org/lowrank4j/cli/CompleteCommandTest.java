package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompleteCommandTest {

    /** Runs the command with stderr captured; returns {exit code, stderr}. */
    private static Object[] run(String... args) {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = LowrankCommand.execute(args);
            return new Object[] {code, err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(before);
        }
    }

    @Test
    void completesAnImageAndRefusesToOverwrite(@TempDir Path dir) throws Exception {
        BufferedImage image = new BufferedImage(40, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, ((x * 5) << 16) | ((y * 6) << 8) | (x + y));
            }
        }
        Path photo = dir.resolve("photo.png");
        ImageIO.write(image, "png", photo.toFile());
        Path out = dir.resolve("out.png");
        assertThat(LowrankCommand.execute("complete", "--image", photo.toString(), "--hide", "0.6", "--rank", "2", "--out", out.toString())).isZero();
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(40);
        Object[] again = run("complete", "--image", photo.toString(), "--hide", "0.6", "--rank", "2", "--out", out.toString());
        assertThat(again[0]).isEqualTo(2);
        assertThat((String) again[1]).contains("already exists; pass --force");
        Object[] self = run("complete", "--image", photo.toString(), "--hide", "0.6", "--rank", "2", "--out", photo.toString(), "--force");
        assertThat(self[0]).isEqualTo(2);
        assertThat((String) self[1]).contains("is the --image input");
        // an existing folder is no place for the picture, --force or not (it failed at the end, naming the staging file)
        Path folder = Files.createDirectory(dir.resolve("folder.png"));
        Object[] onFolder = run("complete", "--image", photo.toString(), "--hide", "0.6", "--rank", "2", "--out", folder.toString(), "--force");
        assertThat(onFolder[0]).isEqualTo(2);
        assertThat(((String) onFolder[1]).strip()).isEqualTo("lowrank complete: --out " + folder
                + " is a folder; give a file name (a folder is not replaced by a file, even with --force)");
    }

    /** An image is written in the format its --out extension names (a .jpg got PNG bytes); other extensions are refused up front. */
    @Test
    void writesTheFormatTheExtensionNames(@TempDir Path dir) throws Exception {
        BufferedImage image = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                image.setRGB(x, y, ((x * 9) << 16) | ((y * 12) << 8) | (x + y));
            }
        }
        Path photo = dir.resolve("photo.png");
        ImageIO.write(image, "png", photo.toFile());
        java.util.Map<String, String> formats = java.util.Map.of("out.jpg", "JPEG", "out.JPEG", "JPEG", "out.bmp", "bmp", "out.png", "png");
        for (java.util.Map.Entry<String, String> e : formats.entrySet()) {
            Path out = dir.resolve(e.getKey());
            assertThat(LowrankCommand.execute("complete", "--image", photo.toString(), "--hide", "0.5", "--rank", "2", "--out", out.toString())).isZero();
            try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(out.toFile())) {
                java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
                assertThat(readers.hasNext()).as(e.getKey()).isTrue();
                assertThat(readers.next().getFormatName()).as(e.getKey()).isEqualToIgnoringCase(e.getValue());
            }
            BufferedImage back = ImageIO.read(out.toFile());
            assertThat(back.getWidth()).isEqualTo(24);
            assertThat(back.getHeight()).isEqualTo(16);
        }
        Path gif = dir.resolve("out.gif");
        Object[] refused = run("complete", "--image", photo.toString(), "--hide", "0.5", "--rank", "2", "--out", gif.toString());
        assertThat(refused[0]).isEqualTo(2);
        assertThat(((String) refused[1]).strip()).isEqualTo("lowrank complete: --out " + gif + " must end in .png, .jpg, .jpeg or .bmp (the image is"
                + " written in the format its extension names)");
        assertThat(gif).doesNotExist();
    }

    @Test
    void badInputsAreOneLineEach(@TempDir Path dir) throws Exception {
        Path gray = dir.resolve("gray.png");
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY), "png", gray.toFile());
        Object[] g = run("complete", "--image", gray.toString(), "--hide", "0.5", "--rank", "2", "--out", dir.resolve("o.png").toString());
        assertThat(g[0]).isEqualTo(2);
        assertThat(((String) g[1]).strip()).isEqualTo("lowrank complete: " + gray + " is a grayscale image; this needs an RGB image (3 channels)");

        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "a,b,c\n1,2,3\n4,5\n");
        Object[] r = run("complete", "--csv", ragged.toString(), "--rank", "1", "--out", dir.resolve("o.csv").toString());
        assertThat(r[0]).isEqualTo(2);
        assertThat(((String) r[1]).lines().count()).isEqualTo(1);
        assertThat((String) r[1]).contains("line 3 has 2 fields where the header has 3");

        Path emptyRow = Files.writeString(dir.resolve("empty-row.csv"), "a,b\n1,2\n,\n3,4\n");
        Object[] e = run("complete", "--csv", emptyRow.toString(), "--rank", "1", "--out", dir.resolve("o.csv").toString());
        assertThat(e[0]).isEqualTo(2);
        assertThat(((String) e[1]).strip()).isEqualTo("lowrank complete: row 1 of the 3x2 matrix has no observed entry; every row and column needs at least one to be completed");

        Path ok = Files.writeString(dir.resolve("ok.csv"), "1,2\n3,4\n");
        Object[] k = run("complete", "--csv", ok.toString(), "--rank", "3", "--out", dir.resolve("o.csv").toString());
        assertThat(((String) k[1]).strip()).isEqualTo("lowrank complete: rank 3 is above the dimensions of the 2x2 table (at most 2)");

        // each number is refused by its option (the solver's checks said "rank", "iterations", "tolerance (1.0E-12) and ridge (NaN)")
        String[][] bad = {{"--rank", "0", "--rank must be at least 1, got 0"}, {"--iterations", "0", "--iterations must be at least 1, got 0"},
            {"--ridge", "NaN", "--ridge must be a finite number >= 0, got NaN"}, {"--incoherence", "-1", "--incoherence must be a positive number"},
            {"--hide", "NaN", "--hide must be in [0, 1)"}, {"--soft-impute-rank", "0", "--soft-impute-rank must be at least 1, got 0"}};
        for (String[] b : bad) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("complete", "--csv", ok.toString(), "--out",
                    dir.resolve("o.csv").toString(), "--soft-impute", b[0], b[1]));
            if (!b[0].equals("--rank")) {
                args.addAll(java.util.List.of("--rank", "1"));
            }
            Object[] n = run(args.toArray(String[]::new));
            assertThat(n[0]).as(b[0]).isEqualTo(2);
            assertThat(((String) n[1]).strip()).doesNotContain("\n").startsWith("lowrank complete: " + b[2]);
        }
        assertThat(dir.resolve("o.csv")).doesNotExist();
    }

    @Test
    void fillsTheEmptyCellsOfATable(@TempDir Path dir) throws Exception {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("id,a,b,c,d,e\n");
        for (int i = 0; i < 30; i++) {
            double u = random.nextGaussian();
            csv.append("r").append(i);
            for (int j = 0; j < 5; j++) {
                csv.append(',');
                if (i % 7 != 3 || j != 2) {
                    csv.append(u * (j + 1) + 10 * j);
                }
            }
            csv.append('\n');
        }
        Path in = Files.writeString(dir.resolve("t.csv"), csv);
        Path out = dir.resolve("filled.csv");
        assertThat(LowrankCommand.execute("complete", "--csv", in.toString(), "--label-column", "--rank", "1", "--hide", "0.2", "--out", out.toString())).isZero();
        String written = Files.readString(out);
        assertThat(written).startsWith("id,a,b,c,d,e\nr0,");
        assertThat(written).doesNotContain(",,");
    }
}
