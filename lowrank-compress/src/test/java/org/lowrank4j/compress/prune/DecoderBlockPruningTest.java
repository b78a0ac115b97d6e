package org.lowrank4j.compress.prune;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.route.Compression;
import org.lowrank4j.compress.route.CompressionRequest;
import org.lowrank4j.compress.route.CompressionRun;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/** Block pruning of a decoder folder: fewer layers in config.json, the kept blocks' tensors renumbered unchanged. */
class DecoderBlockPruningTest {

    @Test
    void thePrunedFolderHoldsTheKeptBlocksRenumberedAndFewerLayers(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("decoder"));
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(24).numHiddenLayers(4).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(ByteTokenizer.BYTES).maxPositionEmbeddings(32).tieWordEmbeddings(true).build();
        LlamaModel decoder = LlamaModel.create(config, Precision.FLOAT32);
        decoder.initialize(new Random(3));
        decoder.save(model);
        ByteTokenizer.writeJson(model);
        Path calib = Files.writeString(dir.resolve("calib.txt"), String.join("\n", TextCorpus.calibration().first(60)));
        Path out = dir.resolve("pruned");
        CompressionRun run = Compression.run(CompressionRequest.builder().model(model).calibration(calib)
                .method("hierarchical-prune:blocks=2:probe=4").out(out).build(), Listener.NONE);

        double[] s = (double[]) run.outcome().details().get("block_sensitivities");
        assertThat(s).hasSize(4);
        @SuppressWarnings("unchecked") List<Integer> removed = (List<Integer>) run.outcome().details().get("removed_blocks");
        assertThat(removed).hasSize(2).doesNotContain(0); // ⌊4/3⌋ = 1 block protected
        assertThat(HfConfig.read(out).numHiddenLayers()).isEqualTo(2);
        assertThat(Files.isRegularFile(out.resolve("tokenizer.json"))).isTrue();
        LlamaModel loaded = LlamaModel.load(out, Precision.FLOAT32); // what perplexity, generate and compress read
        assertThat(loaded.linearSites()).hasSize(2 * 7);
        assertThat(run.outcome().modelParametersAfter()).isEqualTo(loaded.parameterCount());
        try (SafetensorsModel before = SafetensorsModel.open(model); SafetensorsModel after = SafetensorsModel.open(out)) {
            int i = 0;
            for (int j = 0; j < 4; j++) {
                if (removed.contains(j)) {
                    continue;
                }
                for (String name : before.names()) {
                    String prefix = "model.layers." + j + ".";
                    if (name.startsWith(prefix)) {
                        String renamed = "model.layers." + i + "." + name.substring(prefix.length());
                        assertThat(after.readFloats(renamed)).as(renamed).containsExactly(before.readFloats(name));
                    }
                }
                i++;
            }
            assertThat(after.readFloats("model.embed_tokens.weight")).containsExactly(before.readFloats("model.embed_tokens.weight"));
            assertThat(after.names().stream().filter(n -> n.startsWith("model.layers.2."))).isEmpty();
        }
    }
}
