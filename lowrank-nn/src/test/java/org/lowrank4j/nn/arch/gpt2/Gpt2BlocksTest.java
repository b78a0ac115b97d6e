package org.lowrank4j.nn.arch.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A GPT-2 or OPT folder read one part at a time ({@link Gpt2Blocks}): embedding, blocks, output stage and head in turn
 * give the whole model's logits; a low-rank folder's tensors are exactly the parts' tensors; a checkpoint without the
 * {@code transformer.} prefix reads, and what is written carries it.
 */
class Gpt2BlocksTest {
    private static final int TIME = 12;

    /** GPT-2 (tied), OPT (ReLU, untied), and OPT-350M's layout (norms after the residual adds, rows projected in and out). */
    private static HfConfig config(String kind) {
        return switch (kind) {
            case "gpt2" -> Gpt2ModelTest.tiny();
            case "opt" -> OptModelTest.tinyOpt("\"tie_word_embeddings\": false");
            case "opt-350m" -> OptModelTest.tinyOpt("\"do_layer_norm_before\": false, \"word_embed_proj_dim\": 6");
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static Gpt2Model model(String kind, long seed) {
        Gpt2Model m = new Gpt2Model(config(kind), Precision.FLOAT32);
        m.initialize(new Random(seed));
        return m;
    }

    /** Embedding, every block, output stage and head, each read on its own. */
    private static Tensor logitsByParts(DecoderBlocks blocks, int[] ids) {
        Embedding embedding = blocks.readEmbedding();
        Tensor x = embedding.forward(ids, null, 1, ids.length, blocks.positionOffset());
        for (int i = 0; i < blocks.blockCount(); i++) {
            x = blocks.readBlock(i).forward(x, null);
        }
        return blocks.readHead().forward(blocks.readOutputStage().forward(x));
    }

    private static double maxDifference(Tensor a, Tensor b) {
        assertThat(b.shape()).isEqualTo(a.shape());
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        return max;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "opt", "opt-350m"})
    void thePartsReadOneAtATimeGiveTheModelsLogits(String kind, @TempDir Path dir) throws Exception {
        Gpt2Model model = model(kind, 4);
        model.save(dir);
        int[] ids = Gpt2ModelTest.ids(TIME, model.vocabSize(), 7);
        try (DecoderBlocks blocks = DenseDecoders.openBlocks(dir, Precision.FLOAT32)) {
            assertThat(blocks).isInstanceOf(Gpt2Blocks.class);
            assertThat(blocks.blockCount()).isEqualTo(2);
            assertThat(blocks.positionOffset()).isEqualTo(model.positionOffset());
            assertThat(maxDifference(model.forward(ids, 1, TIME), logitsByParts(blocks, ids))).isLessThan(1e-5);
            PreNormBlock block = blocks.readBlock(1);
            assertThat(blocks.sites(block, 1).keySet()).containsExactlyElementsOf(
                    model.linearSites().keySet().stream().filter(k -> k.startsWith("block 1 ")).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "opt", "opt-350m"})
    void aLowRankFoldersTensorsAreThePartsTensors(String kind, @TempDir Path dir) throws Exception {
        Gpt2Model model = model(kind, 5);
        Random random = new Random(11);
        Gpt2LowRankFolderTest.factorise(model.linearSites().get("block 0 attention.value"), 3, random); // GPT-2: block 0's q/k/v stored apart
        Gpt2LowRankFolderTest.factorise(model.linearSites().get("block 1 mlp.up"), 4, random);
        model.saveFactors(dir, SafetensorsDtype.F32);
        int[] ids = Gpt2ModelTest.ids(TIME, model.vocabSize(), 8);
        try (DecoderBlocks blocks = Gpt2Blocks.open(dir, Precision.FLOAT32); SafetensorsModel stored = SafetensorsModel.open(dir)) {
            TreeSet<String> names = new TreeSet<>(blocks.embeddingTensors().keySet());
            for (int i = 0; i < blocks.blockCount(); i++) {
                PreNormBlock block = blocks.readBlock(i);
                for (Map.Entry<String, Tensor> e : blocks.factorTensors(block, i).entrySet()) {
                    assertThat(names.add(e.getKey())).as(e.getKey()).isTrue();
                    float[] want = stored.readFloats(e.getKey());
                    for (int k = 0; k < want.length; k++) {
                        assertThat((float) e.getValue().get(k)).as(e.getKey()).isEqualTo(want[k]);
                    }
                }
            }
            names.addAll(blocks.headTensors().keySet());
            assertThat(names).containsExactlyElementsOf(new TreeSet<>(stored.names()));
            blocks.embeddingTensors().forEach((written, read) -> assertThat(read).isEqualTo(written)); // the folder's own names
            assertThat(maxDifference(model.forward(ids, 1, TIME), logitsByParts(blocks, ids))).isLessThan(1e-5);
        }
    }

    @Test
    void aCheckpointWithoutThePrefixReadsAndWhatIsWrittenCarriesIt(@TempDir Path dir) throws Exception {
        Gpt2Model model = model("gpt2", 6);
        Path full = Files.createDirectories(dir.resolve("full")), bare = Files.createDirectories(dir.resolve("bare"));
        model.save(full);
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafetensorsModel st = SafetensorsModel.open(full)) {
            for (String name : st.names()) {
                writer.add(name.replaceFirst("^transformer\\.", ""), SafetensorsDtype.F32, st.info(name).shape(), st.readFloats(name));
            }
        }
        writer.write(bare.resolve("model.safetensors"));
        Files.copy(full.resolve(HfConfig.FILE_NAME), bare.resolve(HfConfig.FILE_NAME));
        int[] ids = Gpt2ModelTest.ids(TIME, model.vocabSize(), 9);
        try (DecoderBlocks blocks = Gpt2Blocks.open(bare, Precision.FLOAT32)) {
            assertThat(blocks.embeddingTensors()).isEqualTo(Map.of("transformer.wte.weight", "wte.weight", "transformer.wpe.weight", "wpe.weight"));
            assertThat(new HashMap<>(blocks.headTensors())).isEqualTo(Map.of("transformer.ln_f.weight", "ln_f.weight", "transformer.ln_f.bias", "ln_f.bias"));
            assertThat(blocks.factorTensors(blocks.readBlock(0), 0)).containsKey("transformer.h.0.attn.c_attn.weight");
            assertThat(maxDifference(model.forward(ids, 1, TIME), logitsByParts(blocks, ids))).isLessThan(1e-5);
        }
    }

    @Test
    void aFolderWithMoreLayersThanItsConfigOrABlockOutsideIsOneLine(@TempDir Path dir) throws Exception {
        Gpt2Model model = model("opt", 7);
        model.save(dir);
        try (DecoderBlocks blocks = Gpt2Blocks.open(dir, Precision.FLOAT32)) {
            assertThatThrownBy(() -> blocks.readBlock(2)).hasMessage("block 2 is outside [0, 2)");
        }
        HfConfig fewer = OptModelTest.tinyOpt("\"tie_word_embeddings\": false, \"num_hidden_layers\": 1");
        fewer.write(dir.resolve(HfConfig.FILE_NAME));
        assertThatThrownBy(() -> Gpt2Blocks.open(dir, Precision.FLOAT32)).hasMessageContaining("holds more layers than config field num_hidden_layers = 1");
    }
}
