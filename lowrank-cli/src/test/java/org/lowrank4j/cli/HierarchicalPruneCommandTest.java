package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compress --method hierarchical-prune:…} through the command line: a pruned file that eval accepts; one-line refusals. */
class HierarchicalPruneCommandTest {

    @Test
    void prunesMiniLmAndEvalComparesItWithTheOriginal(@TempDir Path dir) throws IOException {
        Path model = CliRun.resource("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        Path tokenizer = CliRun.resource("/all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
        Path out = dir.resolve("p.onnx");
        Object[] r = CliRun.run("compress", "--model", model.toString(), "--method", "hierarchical-prune:keep=5:order=position", "--out",
                out.toString());
        assertThat((int) r[0]).as((String) r[2]).isZero();
        assertThat((String) r[1]).contains("whole model 0.0786");
        assertThat(Files.readString(dir.resolve("p.json"))).contains("\"removed_blocks\" : [ 5 ]");
        Object[] e = CliRun.run("eval", "--reference", model.toString(), "--candidate", out.toString(), "--tokenizer", tokenizer.toString(),
                "--sentences", "20", "--no-out-of-domain");
        assertThat((int) e[0]).as((String) e[2]).isZero();
        assertThat((String) e[1]).contains("mean cosine");
    }

    @Test
    void zeroBlocksIsOneLine(@TempDir Path dir) throws IOException {
        Path model = CliRun.resource("/all-minilm-l6-v2.onnx", dir.resolve("minilm.onnx"));
        Object[] r = CliRun.run("compress", "--model", model.toString(), "--method", "hierarchical-prune:blocks=0", "--out",
                dir.resolve("p.onnx").toString());
        assertThat((int) r[0]).isNotZero();
        assertThat(((String) r[2]).strip()).doesNotContain("\n").contains("blocks must be at least 1");
        assertThat(Files.exists(dir.resolve("p.onnx"))).isFalse();
    }
}
