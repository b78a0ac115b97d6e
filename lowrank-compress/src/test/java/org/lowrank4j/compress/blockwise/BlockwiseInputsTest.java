package org.lowrank4j.compress.blockwise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.eval.DecoderPerplexity;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.llama.LlamaBlocks;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The blockwise route on damaged inputs and a failing disk (one clear message, nothing left at the output, no spilled
 * activations left behind), a sharded dense input, and its perplexity against the in-memory evaluation.
 */
class BlockwiseInputsTest {

    /** Each name to itself: the shards keep the source's names. */
    private static java.util.Map<String, String> sameNames(List<String> names) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        names.forEach(n -> out.put(n, n));
        return out;
    }

    /** The tiny decoder re-written as 2 shards and their index (no model.safetensors). */
    private static Path shardedDecoder(Path dir) throws Exception {
        Path single = BlockwiseCompressionTest.tinyDecoder(dir, false);
        Path model = Files.createDirectories(dir.resolve("sharded"));
        try (SafetensorsModel source = SafetensorsModel.open(single)) {
            ShardedFolderWriter writer = new ShardedFolderWriter(model, 2, ShardedFolderWriter.ShardWrite.DIRECT);
            List<String> names = source.names();
            writer.shardFrom(source, sameNames(names.subList(0, names.size() / 2)));
            writer.shardFrom(source, sameNames(names.subList(names.size() / 2, names.size())));
            writer.finish();
        }
        Files.copy(single.resolve("config.json"), model.resolve("config.json"));
        Files.copy(single.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        return model;
    }

    private static CompressionRequest request(Path model, Path calib, Path out) {
        return CompressionRequest.builder().model(model).calibration(calib).method("whitened").allocation("uniform").ratio(0.3)
                .calibrationWindows(8).blockwise(true).out(out).build();
    }

    /** Nothing at OUT, no hidden sibling folder and no spilled activations beside it. */
    private static void assertNothingLeft(Path dir, Path out) throws IOException {
        assertThat(out).doesNotExist();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> !n.startsWith(".") && !n.endsWith(".f32"));
        }
    }

    @Test
    void aShardedDenseFolderCompressesAsTheSingleFileDoes(@TempDir Path dir) throws Exception {
        Path sharded = shardedDecoder(dir), calib = BlockwiseCompressionTest.calibration(dir);
        Compression.run(request(dir.resolve("decoder"), calib, dir.resolve("from-single")), Listener.NONE);
        Compression.run(request(sharded, calib, dir.resolve("from-shards")), Listener.NONE);
        try (SafetensorsModel a = SafetensorsModel.open(dir.resolve("from-single")); SafetensorsModel b = SafetensorsModel.open(dir.resolve("from-shards"))) {
            for (String name : a.names()) {
                assertThat(b.readFloats(name)).as(name).containsExactly(a.readFloats(name));
            }
        }
    }

    @Test
    void aShardMissingFromTheIndexIsNamedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path model = shardedDecoder(dir), calib = BlockwiseCompressionTest.calibration(dir), out = dir.resolve("out");
        Files.delete(model.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> Compression.run(request(model, calib, out), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model-00002-of-00002.safetensors")
                .hasMessageContaining("does not exist").hasMessageNotContaining("\n");
        assertNothingLeft(dir, out);
    }

    @Test
    void aShardTruncatedMidTensorIsNamedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path model = shardedDecoder(dir), calib = BlockwiseCompressionTest.calibration(dir), out = dir.resolve("out");
        Path shard = model.resolve("model-00002-of-00002.safetensors");
        try (FileChannel channel = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 1000); // cuts into the last tensor's bytes
        }
        assertThatThrownBy(() -> Compression.run(request(model, calib, out), Listener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(shard.getFileName().toString()).hasMessageNotContaining("\n");
        assertNothingLeft(dir, out);
    }

    @Test
    void aDiskThatFillsDuringTheWriteLeavesNoPartialOutput(@TempDir Path dir) throws Exception {
        Path model = BlockwiseCompressionTest.tinyDecoder(dir, true), out = dir.resolve("out");
        AtomicInteger shards = new AtomicInteger();
        try (LlamaBlocks blocks = LlamaBlocks.open(model, Precision.FLOAT32)) {
            int[] tokens = new org.lowrank4j.nn.generate.ByteTokenizer().encode(Files.readString(BlockwiseCompressionTest.calibration(dir)));
            int[][] windows = org.lowrank4j.compress.runtime.DecoderRuntime.windows(tokens, 24, 8);
            BlockwiseCompression job = new BlockwiseCompression(blocks, windows, 4, Methods.byName("svd-llm"), Allocators.byName("uniform"), 0.3, dir,
                    Progress.NONE).withShardWrite((shard, target) -> {
                        if (shards.incrementAndGet() == 3) { // the embedding and block 0 are written, block 1 finds the disk full
                            throw new IOException("No space left on device");
                        }
                        shard.write(target);
                    });
            assertThatThrownBy(() -> job.writeFolder(out, model.toString(), "svd-llm", model.resolve("tokenizer.json"), model))
                    .isInstanceOf(IOException.class).hasMessageContaining("model-00003-of-00005.safetensors")
                    .hasMessageContaining("No space left on device").hasMessageNotContaining("\n");
        }
        assertThat(shards.get()).isEqualTo(3);
        assertNothingLeft(dir, out); // neither the shards written nor the spilled activations of both streams
    }

    @Test
    void blockwisePerplexityAgreesWithTheInMemoryEvaluation(@TempDir Path dir) throws Exception {
        Path model = shardedDecoder(dir), text = BlockwiseCompressionTest.calibration(dir);
        var memory = DecoderPerplexity.run(new DecoderPerplexity.Request(model, text, null, null, null, 3000L, null, false, false)).result();
        var blockwise = DecoderPerplexity.run(new DecoderPerplexity.Request(model, text, null, null, null, 3000L, null, false, true)).result();
        assertThat(blockwise.tokens()).isEqualTo(memory.tokens()).isEqualTo(2999);
        assertThat(blockwise.windows()).isEqualTo(memory.windows());
        double relative = Math.abs(blockwise.totalNll() - memory.totalNll()) / memory.totalNll();
        System.out.printf("blockwise vs in-memory perplexity: %.9f vs %.9f, relative difference of the summed loss %.3g%n",
                blockwise.perplexity(), memory.perplexity(), relative);
        assertThat(relative).isLessThan(1e-6);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".f32"));
        }
    }

    /** The spilled activation files under {@code dir}, each as "FOLDER/FILE" relative to it ("FILE" when directly in it). */
    private static List<String> spills(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".f32")).map(p -> dir.relativize(p).toString()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a run killed while it spilled leaves: a hidden folder named for OUT under a process that no longer runs. */
    private static Path killedRunsSpill(Path beside) throws IOException {
        Path left = Files.createDirectories(beside.resolveSibling("." + beside.getFileName() + ".lowrank-" + Long.MAX_VALUE + "-1.tmp"));
        Files.write(left.resolve("lowrank-block2-7.f32"), new byte[4096]);
        return left;
    }

    @Test
    void blockwiseCompressionSpillsIntoAHiddenFolderThatTheNextRunClearsAfterAKill(@TempDir Path dir) throws Exception {
        Path model = BlockwiseCompressionTest.tinyDecoder(dir, false), calib = BlockwiseCompressionTest.calibration(dir), out = dir.resolve("out");
        Path killed = killedRunsSpill(out);
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Listener watching = new Listener() {
            @Override
            public void update(String phase, long done, long total, String detail) {
                seen.addAll(spills(dir));
            }

            @Override
            public void note(String line) {
            }
        };
        Compression.run(request(model, calib, out), watching);
        seen.remove(dir.relativize(killed.resolve("lowrank-block2-7.f32")).toString());
        assertThat(seen).isNotEmpty().allMatch(p -> p.matches("\\.out\\.lowrank-" + ProcessHandle.current().pid() + "-[0-9a-f]+\\.tmp/lowrank-.*"));
        assertThat(killed).doesNotExist(); // a SIGKILL runs no hook: the next run clears what it left
        assertThat(spills(dir)).isEmpty();
    }

    @Test
    void blockwisePerplexitySpillsIntoAHiddenFolderThatTheNextRunClearsAfterAKill(@TempDir Path dir) throws Exception {
        Path model = BlockwiseCompressionTest.tinyDecoder(dir, false), text = BlockwiseCompressionTest.calibration(dir);
        Path killed = killedRunsSpill(model);
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        DecoderPerplexity.run(new DecoderPerplexity.Request(model, text, null, null, null, 3000L, null, false, true),
                (phase, done, total, detail) -> seen.addAll(spills(dir)));
        seen.remove(dir.relativize(killed.resolve("lowrank-block2-7.f32")).toString());
        assertThat(seen).isNotEmpty().allMatch(p -> p.matches("\\.decoder\\.lowrank-" + ProcessHandle.current().pid() + "-[0-9a-f]+\\.tmp/lowrank-.*"));
        assertThat(killed).doesNotExist();
        assertThat(spills(dir)).isEmpty();
    }
}
