package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** What the CLI tests share: running a command line with its output captured, and unpacking bundled models. */
final class CliRun {
    private CliRun() {
    }

    /** Runs the CLI: {exit code, stdout, stderr}. */
    static Object[] run(String... args) {
        PrintStream savedOut = System.out, savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = LowrankCommand.execute(args);
            return new Object[] {code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** Runs the CLI, expects exit code 0 and returns stdout. */
    static String ok(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        return (String) r[1];
    }

    /** Runs the CLI, expects exit code 0 and returns {exit code, stdout, stderr}. */
    static Object[] okRun(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        return r;
    }

    /** A refusal (exit code 2) with exactly one {@code lowrank …} line on stderr, containing {@code fragment}, and no stack trace. */
    static void assertError(Object[] r, String fragment) {
        assertThat((int) r[0]).as("stderr: %s", r[2]).isEqualTo(2);
        java.util.List<String> lines = ((String) r[2]).lines().filter(l -> l.startsWith("lowrank ")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains(fragment);
        assertThat((String) r[2]).doesNotContain("\tat ");
    }

    /** Runs the CLI, expects a refusal (exit code 2) in one line of stderr and returns that line. */
    static String refused(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stdout: %s", r[1]).isEqualTo(2);
        String err = ((String) r[2]).strip();
        assertThat(err).doesNotContain("\n");
        return err;
    }

    /**
     * A tiny byte-level LLaMA decoder folder (hidden 16, one block, {@code heads} query heads over {@code kvHeads}
     * key/value heads, tied embeddings) at {@code dir/base}, with its tokenizer.json.
     */
    static Path tinyDecoder(Path dir, int heads, int kvHeads) throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(1).numAttentionHeads(heads)
                .numKeyValueHeads(kvHeads).vocabSize(256).maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new java.util.Random(1));
        Path folder = dir.resolve("base");
        model.save(folder);
        org.lowrank4j.nn.generate.ByteTokenizer.writeJson(folder);
        return folder;
    }

    /** A test resource copied to {@code target} once (atomically, so parallel or interrupted runs never see half a file). */
    static Path resource(String resource, Path target) throws IOException {
        if (!Files.isRegularFile(target)) {
            try (InputStream in = CliRun.class.getResourceAsStream(resource)) {
                Path temp = Files.createTempFile(target.getParent(), "resource", ".tmp");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }

    /** A byte-level decoder folder of {@code config} with random weights (seed 1): config, weights and tokenizer.json. */
    static Path randomDecoder(Path dir, String name, HfConfig config) throws IOException {
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new java.util.Random(1));
        Path folder = dir.resolve(name);
        model.save(folder);
        org.lowrank4j.nn.generate.ByteTokenizer.writeJson(folder);
        return folder;
    }
}
