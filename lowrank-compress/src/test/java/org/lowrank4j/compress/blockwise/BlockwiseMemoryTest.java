package org.lowrank4j.compress.blockwise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.arch.llama.LlamaBlocks;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/**
 * The memory bound shown structurally: between two shards written, the run reads the tensors of one part of the model
 * only (the embedding, then block 0, block 1, …, then the head), each tensor once; so what it holds of the model at any
 * time is that part.
 */
class BlockwiseMemoryTest {

    /** Delegates to a source and records the name of every tensor read. */
    private record RecordingSource(TensorSource delegate, List<String> reads) implements TensorSource {
        @Override public Path path() { return delegate.path(); }
        @Override public List<String> names() { return delegate.names(); }
        @Override public boolean contains(String name) { return delegate.contains(name); }
        @Override public TensorInfo info(String name) { return delegate.info(name); }
        @Override public Map<String, String> metadata() { return delegate.metadata(); }
        @Override public float[] readFloats(String name) { reads.add(name); return delegate.readFloats(name); }
        @Override public double[] readDoubles(String name) { reads.add(name); return delegate.readDoubles(name); }
        @Override public void close() { delegate.close(); }
    }

    @Test
    void eachShardIsPrecededByTheReadsOfItsOwnPartOnly(@TempDir Path dir) throws Exception {
        Path model = BlockwiseCompressionTest.tinyDecoder(dir, false);
        List<String> reads = new ArrayList<>();
        List<List<String>> readsPerShard = new ArrayList<>();
        int[] tokens = new ByteTokenizer().encode(Files.readString(BlockwiseCompressionTest.calibration(dir)));
        try (LlamaBlocks blocks = LlamaBlocks.of(HfConfig.read(model), new RecordingSource(SafetensorsModel.open(model, false), reads), Precision.FLOAT32)) {
            new BlockwiseCompression(blocks, DecoderRuntime.windows(tokens, 24, 8), 4, Methods.byName("saes"), Allocators.byName("uniform"), 0.3,
                    dir, Progress.NONE).withShardWrite((shard, target) -> {
                        readsPerShard.add(List.copyOf(reads));
                        reads.clear();
                        shard.write(target);
                    }).writeFolder(dir.resolve("out"), model.toString(), "saes", model.resolve("tokenizer.json"), model);
        }
        assertThat(readsPerShard).hasSize(3 + 2);
        assertThat(readsPerShard.get(0)).containsOnly("model.embed_tokens.weight");
        for (int i = 0; i < 3; i++) {
            String prefix = "model.layers." + i + ".";
            assertThat(readsPerShard.get(i + 1)).as("reads before block %d's shard", i).isNotEmpty().allMatch(n -> n.startsWith(prefix))
                    .doesNotHaveDuplicates().hasSize(9); // 2 norms + 7 projections, once each
        }
        assertThat(readsPerShard.get(4)).containsExactlyInAnyOrder("model.norm.weight", "lm_head.weight");
    }
}
