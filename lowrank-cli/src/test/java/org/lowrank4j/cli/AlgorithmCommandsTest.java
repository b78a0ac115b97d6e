package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlgorithmCommandsTest {

    private static String[] run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = LowrankCommand.execute(args);
            return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void butterflyLearnsASmallHadamard() {
        String[] r = run("butterfly", "--transform", "hadamard", "--size", "8");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).startsWith("hadamard N=8: relative error ");
        String[] bad = run("butterfly", "--transform", "dft", "--size", "12");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2].strip()).isEqualTo("lowrank butterfly: --size must be a power of two (at least 2), got 12");
    }

    @Test
    void butterflyLearnsTheDctFromTheComplexObjectiveAndRefusesBadOptions() {
        String[] r = run("butterfly", "--transform", "dct", "--size", "16", "--objective", "complex", "--permutation", "makhoul-bit-reversal");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).startsWith("dct N=16 (complex objective): relative error ");
        double error = Double.parseDouble(r[1].replaceAll("(?s).*relative error (\\S+) .*", "$1"));
        assertThat(error).isLessThan(1e-5);
        String[][] bad = {
            {"--transform", "dct", "--size", "16", "--objective", "imaginary"},
            {"--transform", "dft", "--size", "16", "--objective", "complex"},
            {"--transform", "hadamard", "--size", "16", "--init", "fft"},
            {"--transform", "dct", "--size", "16", "--init", "zeros"},
            {"--transform", "dct", "--size", "16", "--init", "fft", "--init-noise", "-1"},
            {"--transform", "dct", "--size", "2", "--permutation", "relaxed"},
            {"--transform", "dft", "--size", "16", "--steps", "0"},
            {"--transform", "dft", "--size", "16", "--lr", "NaN"},
            {"--transform", "dft", "--size", "16", "--restarts", "0"},
            {"--transform", "dft", "--size", "16", "--target-error", "-1"},
            {"--transform", "dft", "--size", "65536"}};
        String[] messages = {
            "--objective must be real-part or complex, got imaginary",
            "--objective complex is for --transform dct only (the DFT is matched in full already, Hadamard is real)",
            "--init fft starts from complex FFT twiddles; the Hadamard butterfly is real, use --init ortho",
            "--init must be ortho or fft, got zeros",
            "--init-noise must be a finite number >= 0, got -1.0",
            "--permutation relaxed needs --size 4 or more, got 2",
            // these four said "butterfly learning needs steps >= 1 (0), a positive rate (0.02), ..." whichever was wrong
            "--steps must be at least 1, got 0",
            "--lr must be a positive number, got NaN",
            "--restarts must be at least 1, got 0",
            "--target-error must be a finite number >= 0, got -1.0",
            // its 65536² matrix overflowed int and failed with ArrayIndexOutOfBoundsException
            "--size can be at most 32768 (the N×N transform must fit one array), got 65536"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 1];
            args[0] = "butterfly";
            System.arraycopy(bad[i], 0, args, 1, bad[i].length);
            String[] out = run(args);
            assertThat(out[0]).as(String.join(" ", bad[i])).isEqualTo("2");
            assertThat(out[2].strip()).isEqualTo("lowrank butterfly: " + messages[i]);
        }
    }

    @Test
    void tensorDecomposesACsvAndNamesAMissingColumn(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("year,month,day,births\n");
        for (int y = 0; y < 4; y++) {
            for (int m = 1; m <= 3; m++) {
                for (int d = 1; d <= 5; d++) {
                    csv.append(1970 + y).append(',').append(m).append(',').append(d).append(',').append(100 + y * m + d).append('\n');
                }
            }
        }
        Path file = Files.writeString(dir.resolve("b.csv"), csv);
        String[] ok = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--method", "hosvd", "--ranks", "2,2,2");
        assertThat(ok[0]).isEqualTo("0");
        assertThat(ok[1]).contains("shape [4, 3, 5], hosvd ranks [2, 2, 2]: relative error ");
        String[] cp = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--method", "cp", "--ranks", "2");
        assertThat(cp[0]).isEqualTo("0");
        String[] held = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--ranks", "2,2,2", "--hide", "0.2",
                "--smooth", "day=3");
        assertThat(held[0]).as(held[2]).isEqualTo("0");
        assertThat(held[1]).contains("EM-HOOI ranks [2, 2, 2], smooth [day=3]: ").contains("held out, RMSE ");
        String[] fun = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--method", "funbat", "--ranks",
                "2,2,2", "--hide", "0.2", "--length-scales", "day=3,year=2", "--iterations", "20");
        assertThat(fun[0]).as(fun[2]).isEqualTo("0");
        assertThat(fun[1]).contains("FunBaT ranks [2, 2, 2], length-scales [2.0, 0.0, 3.0]: ").contains("held out, RMSE ");
        String[] funNoHide = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--method", "funbat", "--ranks",
                "2,2,2");
        assertThat(funNoHide[2].strip()).startsWith("lowrank tensor: --method funbat fits indexed CSV data with entries held out");
        String[] badScale = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--method", "funbat", "--ranks",
                "2,2,2", "--hide", "0.2", "--length-scales", "week=3");
        assertThat(badScale[2].strip()).isEqualTo("lowrank tensor: --length-scales takes NAME=VALUE with NAME one of the --index columns, got week=3");
        String[] noHide = run("tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births", "--ranks", "2,2,2", "--smooth", "day=3");
        assertThat(noHide[2].strip()).isEqualTo("lowrank tensor: --smooth needs --hide (it applies to the held-out Tucker fit)");
        String[] bad = run("tensor", "--csv", file.toString(), "--index", "year,month,dow", "--value", "births", "--ranks", "2,2,2");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2].strip()).isEqualTo("lowrank tensor: " + file + " has no column 'dow' (its columns: year, month, day, births)");
        // numbers named by their options; --iterations 0 used to run (exit 0) and a zero rank was "rank 0 of mode 0"
        String[] tensor = {"tensor", "--csv", file.toString(), "--index", "year,month,day", "--value", "births"};
        assertThat(run(concat(tensor, "--ranks", "2,2,2", "--iterations", "0"))[2].strip())
                .isEqualTo("lowrank tensor: --iterations must be at least 1, got 0");
        assertThat(run(concat(tensor, "--ranks", "0,2,2"))[2].strip()).isEqualTo("lowrank tensor: --ranks must all be at least 1, got [0, 2, 2]");
        assertThat(run(concat(tensor, "--ranks", "2,2,2", "--hide", "NaN"))[2].strip()).startsWith("lowrank tensor: --hide must be in (0, 1)");
        assertThat(run(concat(tensor, "--ranks", "2,2,2", "--hide", "0.2", "--smooth", "day=0"))[2].strip())
                .isEqualTo("lowrank tensor: --smooth day=0: the count of basis functions must be at least 1");
        // a truncated image is named (ImageIO said only "No image data present to read")
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Path jpeg = dir.resolve("photo.jpg");
        javax.imageio.ImageIO.write(rgb, "jpg", jpeg.toFile());
        byte[] whole = Files.readAllBytes(jpeg);
        Files.write(jpeg, java.util.Arrays.copyOf(whole, 200));
        String[] truncated = run("tensor", "--image", jpeg.toString(), "--ranks", "2,2,2");
        assertThat(truncated[0]).isEqualTo("2");
        assertThat(truncated[2].strip()).startsWith("lowrank tensor: " + jpeg + " cannot be read as an image");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
