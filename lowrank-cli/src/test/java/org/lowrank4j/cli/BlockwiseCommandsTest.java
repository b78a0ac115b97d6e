package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lowrank4j.cli.CliRun.okRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compress --blockwise} and {@code perplexity --blockwise} from the command line, on a LLaMA and an OPT folder: the
 * blockwise folder evaluates as the in-memory one does, both ways of reading give the same perplexity, nothing is left beside the output, and the
 * options the blockwise route cannot honour are one line each.
 */
class BlockwiseCommandsTest {
    private static final Pattern PERPLEXITY = Pattern.compile("perplexity (\\d+\\.\\d+),");

    @TempDir
    static Path dir;
    private static Path dense, text;

    @BeforeAll
    static void denseDecoder() throws IOException {
        dense = QuantizedDecoderCommandsTest.tinyDecoder(dir.resolve("dense"), false);
        text = Files.writeString(dir.resolve("text.txt"), "The Congress met in the capital and the treaty was signed in the spring. ".repeat(8));
    }

    private static double perplexity(Path model, boolean blockwise) {
        Object[] r = blockwise ? okRun("perplexity", "--model", model.toString(), "--text", text.toString(), "--blockwise")
                : okRun("perplexity", "--model", model.toString(), "--text", text.toString());
        Matcher m = PERPLEXITY.matcher((String) r[1]);
        assertThat(m.find()).as((String) r[1]).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void blockwiseCompressionEvaluatesAsTheInMemoryFolder() throws IOException {
        Path blockwise = dir.resolve("lr-blockwise"), inMemory = dir.resolve("lr-memory");
        Object[] r = okRun("compress", "--model", dense.toString(), "--blockwise", "--method", "svd", "--allocation", "uniform", "--ratio", "0.3",
                "--out", blockwise.toString());
        assertThat((String) r[1] + r[2]).contains("blockwise");
        okRun("compress", "--model", dense.toString(), "--method", "svd", "--allocation", "uniform", "--ratio", "0.3", "--out", inMemory.toString());

        double a = perplexity(blockwise, true), b = perplexity(blockwise, false), c = perplexity(inMemory, false);
        assertThat(a).isEqualTo(b); // printed to 4 decimals
        assertThat(b).isEqualTo(c);
        assertThat(perplexity(dense, true)).isEqualTo(perplexity(dense, false)).isNotEqualTo(c);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") || n.endsWith(".f32")).toList())
                    .as("staging folders and spilled activations left beside the outputs").isEmpty();
        }
    }

    @Test
    void aGpt2FamilyFolderCompressesAndEvaluatesBlockwiseAsInMemory() throws Exception {
        Path opt = Gpt2FolderCommandsTest.tinyOpt(dir.resolve("opt"));
        org.lowrank4j.nn.generate.ByteTokenizer.writeJson(opt);
        Path blockwise = dir.resolve("opt-blockwise"), inMemory = dir.resolve("opt-memory");
        okRun("compress", "--model", opt.toString(), "--blockwise", "--method", "whitened", "--calib", text.toString(), "--calib-windows", "4",
                "--allocation", "uniform", "--ratio", "0.4", "--out", blockwise.toString());
        okRun("compress", "--model", opt.toString(), "--method", "whitened", "--calib", text.toString(), "--calib-windows", "4", "--allocation",
                "uniform", "--ratio", "0.4", "--out", inMemory.toString());

        double a = perplexity(blockwise, true), b = perplexity(blockwise, false), c = perplexity(inMemory, false);
        assertThat(a).isEqualTo(b);
        assertThat(b).isEqualTo(c);
        assertThat(perplexity(opt, true)).isEqualTo(perplexity(opt, false)).isNotEqualTo(c);
    }

    @Test
    void whatTheBlockwiseRouteCannotDoIsOneLineEach() {
        List<String[]> refusals = List.of(
                new String[] {"--target-size", "10KB", "--allocation", "uniform"},
                new String[] {"--ratio", "0.3", "--allocation", "global"},
                new String[] {"--ratio", "0.3", "--allocation", "uniform", "--method", "basis-sharing:group=2"});
        String[] expected = {"with --blockwise give --ratio", "with --blockwise give --allocation uniform", "is not a per-site low-rank method"};
        for (int i = 0; i < refusals.size(); i++) {
            List<String> args = new java.util.ArrayList<>(List.of("compress", "--model", dense.toString(), "--blockwise", "--out",
                    dir.resolve("refused" + i).toString()));
            if (!List.of(refusals.get(i)).contains("--method")) {
                args.addAll(List.of("--method", "svd"));
            }
            args.addAll(List.of(refusals.get(i)));
            Object[] result = CliRun.run(args.toArray(String[]::new));
            String err = (String) result[2];
            assertThat((int) result[0]).as(err).isEqualTo(2);
            assertThat(err.lines().filter(l -> l.startsWith("lowrank ")).toList()).as(err).hasSize(1);
            assertThat(err).contains(expected[i]).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(dir.resolve("refused" + i)).doesNotExist();
        }
    }
}
