package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lowrank serve}'s user mistakes: one line naming the option, exit code 2, before anything listens; and
 * {@code --adapter}, which serve and generate share.
 */
class ServeCommandTest {

    private static void assertUserError(Object[] result, String fragment) {
        assertThat(result[0]).as((String) result[2]).isEqualTo(2);
        assertThat((String) result[2]).startsWith("lowrank serve: ").contains(fragment).doesNotContain("Exception");
    }

    @Test
    void missingOrUnservableModels(@TempDir Path dir) throws Exception {
        assertUserError(CliRun.run("serve", "--model", dir.resolve("nothing").toString(), "--port", "0"), "does not exist");
        assertUserError(CliRun.run("serve", "--model", dir.toString(), "--port", "0"), "is neither an ONNX encoder");
        Path encoder = Files.createDirectories(dir.resolve("encoder"));
        CliRun.resource("/all-minilm-l6-v2.onnx", encoder.resolve("model.onnx"));
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--port", "0"), "no tokenizer.json");
        CliRun.resource("/all-minilm-l6-v2-tokenizer.json", encoder.resolve("tokenizer.json"));
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--pooling", "max"), "--pooling must be mean, cls or auto");
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--port", "70000"), "--port must be in 0..65535");
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--max-batch", "0"), "--max-batch must be at least 1");
        // checked before the model is looked at: a day at most (it overflowed the server's deadlines)
        assertUserError(CliRun.run("serve", "--model", dir.resolve("nothing").toString(), "--timeout", "99999999999999"),
                "--timeout must be in 1..86400 s");
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--batch-window-ms", "99999999999999"),
                "--batch-window-ms must be shorter than --timeout");
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--port", "0", "--allow-adapter-loading"),
                "--allow-adapter-loading serves LoRA adapters over a decoder folder");
        // an address that is not this machine's is the --host at fault, not the port (it said "UnresolvedAddressException; is the port taken?")
        assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--port", "0", "--host", "999.1.1.1"),
                "--host 999.1.1.1 is not an address of this machine");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertUserError(CliRun.run("serve", "--model", encoder.toString(), "--port", Integer.toString(taken.getLocalPort())), "is the port taken?");
        }
    }

    @Test
    void adaptersOverADecoder(@TempDir Path dir) throws Exception {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), "Call me Ishmael. Some years ago, never mind how long precisely. ".repeat(20));
        Path adapter = dir.resolve("ishmael");
        CliRun.ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "4", "--steps", "6",
                "--batch", "2", "--context", "16", "--lr", "5e-2", "--warmup", "1", "--held-out", "0.2");
        Path merged = dir.resolve("merged");
        CliRun.ok("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        String[] prompt = {"--prompt", "Call me", "--max-tokens", "20"};
        String unmerged = CliRun.ok(concat(new String[] {"generate", "--model", base.toString(), "--adapter", adapter.toString()}, prompt));
        assertThat(unmerged).isEqualTo(CliRun.ok(concat(new String[] {"generate", "--model", merged.toString()}, prompt)))
                .isNotEqualTo(CliRun.ok(concat(new String[] {"generate", "--model", base.toString()}, prompt)));

        // QLoRA's setting: the adapter over a 4-bit copy of its base, unmerged, against the merge (dequantized codes + update)
        Path int4 = dir.resolve("int4");
        CliRun.ok("compress", "--model", base.toString(), "--method", "rtn:bits=4:group=8", "--out", int4.toString());
        Path int4Merged = dir.resolve("int4-merged");
        CliRun.ok("adapter", "merge", "--model", int4.toString(), "--adapter", adapter.toString(), "--out", int4Merged.toString());
        String overInt4 = CliRun.ok(concat(new String[] {"generate", "--model", int4.toString(), "--adapter", adapter.toString()}, prompt));
        assertThat(overInt4).isEqualTo(CliRun.ok(concat(new String[] {"generate", "--model", int4Merged.toString()}, prompt)))
                .isNotEqualTo(CliRun.ok(concat(new String[] {"generate", "--model", int4.toString()}, prompt)));

        Path missing = dir.resolve("no-adapter");
        assertUserError(CliRun.run("serve", "--model", base.toString(), "--port", "0", "--adapter", "a=" + missing), "adapter 'a': adapter folder " + missing);
        assertUserError(CliRun.run("serve", "--model", base.toString(), "--port", "0", "--adapter", "=" + adapter), "give NAME=FOLDER or FOLDER");
        assertUserError(CliRun.run("serve", "--model", base.toString(), "--port", "0", "--adapter", adapter.toString(), "--adapter",
                "ishmael=" + adapter), "the name 'ishmael' is given twice");
        assertUserError(CliRun.run("serve", "--model", base.toString(), "--port", "0", "--adapter", "base=" + adapter), "is the base model's name");
        Object[] r = CliRun.run("generate", "--model", base.toString(), "--adapter", missing.toString(), "--prompt", "x");
        assertThat(r[0]).isEqualTo(2);
        assertThat((String) r[2]).startsWith("lowrank generate: adapter 'default': adapter folder " + missing).doesNotContain("Exception");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
