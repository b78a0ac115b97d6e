package org.lowrank4j.nn.arch.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * OPT in the GPT-2-family runtime: its config names, the position table read two rows in, the ReLU MLP, its checkpoint
 * layout under both prefixes, gradients, cached decoding and the layouts it refuses.
 */
class OptModelTest {
    private static final Precision F64 = Precision.FLOAT64;
    private static final Precision F32 = Precision.FLOAT32;

    /**
     * OPT as its configs spell it: C = 8, 2 heads, ffn_dim 20, 2 layers, V = 11, 16 positions, ReLU, tied; then the
     * fields of {@code overrides} (JSON members, "" for none) put over those.
     */
    static HfConfig tinyOpt(String overrides) {
        try {
            ObjectNode raw = (ObjectNode) JSON.readTree("{\"model_type\": \"opt\", \"architectures\": [\"OPTForCausalLM\"], \"hidden_size\": 8,"
                    + " \"ffn_dim\": 20, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"vocab_size\": 11, \"max_position_embeddings\": 16,"
                    + " \"word_embed_proj_dim\": 8, \"do_layer_norm_before\": true, \"activation_function\": \"relu\"}");
            raw.setAll((ObjectNode) JSON.readTree("{" + overrides + "}"));
            return HfConfig.parse(raw.toString(), "opt test config");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theConfigIsReadUnderOptsNamesAndWrittenBackUnderThem() {
        HfConfig config = tinyOpt("");
        assertThat(config.architecture()).isEqualTo(HfArchitecture.GPT2);
        assertThat(config.intermediateSize()).isEqualTo(20);
        assertThat(config.normEps()).isEqualTo(1e-5); // PyTorch's LayerNorm default: OPT's configs have no field for it
        assertThat(config.tieWordEmbeddings()).isTrue();
        assertThat(config.toJson()).contains("\"ffn_dim\"", "\"hidden_size\"", "\"activation_function\"")
                .doesNotContain("n_inner", "n_embd", "layer_norm_epsilon", "intermediate_size");
        assertThatThrownBy(() -> HfConfig.parse("{\"model_type\": \"opt\", \"hidden_size\": 8, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 2, \"vocab_size\": 11}", "c")).hasMessageContaining("field 'ffn_dim' is missing");
        Gpt2Model model = new Gpt2Model(config, F64);
        assertThat(model.positionOffset()).isEqualTo(2);
        assertThat(model.embedding().position().value().shape()).containsExactly(18, 8);
        assertThat(((org.lowrank4j.nn.layers.GeluMlp) model.block(0).mlp()).variant()).isEqualTo(MlpActivation.RELU);
    }

    @Test
    void anOptWithTheTanhGeluIsGpt2WithItsPositionTableTwoRowsIn() {
        Gpt2Model opt = new Gpt2Model(tinyOpt("\"activation_function\": \"gelu_new\""), F64);
        HfConfig gpt2Config = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).intermediateSize(20).numHiddenLayers(2).numAttentionHeads(2)
                .vocabSize(11).maxPositionEmbeddings(16).hiddenAct("gelu_new").build();
        Gpt2Model gpt2 = new Gpt2Model(gpt2Config, F64);
        GradientCheck.randomize(opt, new Random(3), 0.5);
        List<Parameter> from = opt.parameters(), to = gpt2.parameters();
        assertThat(to).hasSameSizeAs(from);
        for (int p = 0; p < from.size(); p++) {
            Tensor a = from.get(p).value(), b = to.get(p).value();
            int skip = a.size() - b.size(); // 2 rows of 8 for the position table, else 0
            assertThat(skip).isIn(0, 2 * 8);
            for (int i = 0; i < b.size(); i++) {
                b.set(i, a.get(i + skip));
            }
        }
        int[] ids = Gpt2ModelTest.ids(2 * 6, 11, 4);
        Tensor logits = opt.forward(ids, 2, 6);
        assertThat(GradientCheck.compare(logits, gpt2.forward(ids, 2, 6))).isLessThan(1e-15);
        // rows 0 and 1 are never read; row 2 is position 0's
        Tensor table = opt.embedding().position().value();
        for (int i = 0; i < 2 * 8; i++) {
            table.set(i, 100);
        }
        assertThat(GradientCheck.compare(opt.forward(ids, 2, 6), logits)).isLessThan(1e-15);
        table.set(2 * 8 + 3, table.get(2 * 8 + 3) + 1);
        assertThat(GradientCheck.compare(opt.forward(ids, 2, 6), logits)).isGreaterThan(1e-3);
    }

    @Test
    void gradientsMatchFiniteDifferencesAndCachedDecodingReadsTheSamePositions() {
        Gpt2Model model = new Gpt2Model(tinyOpt(""), F64);
        GradientCheck.randomize(model, new Random(1), 0.4);
        int[] ids = Gpt2ModelTest.ids(2 * 5, 11, 2);
        double error = GradientCheck.check("model OPT (ReLU, tied, offset positions)", () -> model.forward(ids, 2, 5), dy -> {
            model.backward(dy);
            return null;
        }, null, model.parameters(), 3);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);

        assertThat(Gpt2ModelTest.cachedDecodingError(model, 6)).isLessThan(1e-12);
        assertThatThrownBy(() -> model.newCache(1, 17)).hasMessageContaining("max_position_embeddings = 16");
    }

    @Test
    void theCheckpointHasOptsNamesAndLayoutAndLoadsUnderEitherPrefix(@TempDir Path dir) throws IOException {
        Gpt2Model model = new Gpt2Model(tinyOpt("\"tie_word_embeddings\": false"), F32);
        GradientCheck.randomize(model, new Random(8), 0.3);
        model.save(dir);
        Linear key = model.linearSites().get("block 1 attention.key");
        try (SafetensorsModel file = SafetensorsModel.open(dir)) {
            assertThat(file.info("model.decoder.embed_positions.weight").shape()).containsExactly(18, 8);
            assertThat(file.info("model.decoder.layers.0.fc1.weight").shape()).containsExactly(20, 8); // (out, in), not transposed
            assertThat((double) file.readFloats("model.decoder.layers.1.self_attn.k_proj.weight")[5 * 8 + 3])
                    .isEqualTo(key.weight().toDense().get(5 * 8 + 3));
            assertThat(file.contains("model.decoder.layers.1.final_layer_norm.bias")).isTrue();
            assertThat(file.contains("model.decoder.final_layer_norm.weight")).isTrue();
            assertThat(file.contains("lm_head.weight")).isTrue();
        }
        int[] ids = Gpt2ModelTest.ids(2 * 6, 11, 9);
        double[] expected = model.forward(ids, 2, 6).toDoubleArray();
        assertThat(Gpt2Model.load(dir, F32).forward(ids, 2, 6).toDoubleArray()).containsExactly(expected);
        Gpt2ModelTest.rewrite(dir, null, "model."); // facebook's own checkpoints: decoder.layers.0...
        assertThat(Gpt2Model.load(dir, F32).forward(ids, 2, 6).toDoubleArray()).containsExactly(expected);
        Gpt2ModelTest.rewrite(dir, "decoder.layers.0.fc2.bias", null);
        assertThatThrownBy(() -> Gpt2Model.load(dir, F32)).hasMessageContaining("missing tensor 'decoder.layers.0.fc2.bias'");
    }

    @Test
    void aLowRankFolderKeepsItsFactorsUnderOptsNames(@TempDir Path dir) throws IOException {
        Gpt2Model model = new Gpt2Model(tinyOpt(""), F32);
        GradientCheck.randomize(model, new Random(2), 0.3);
        Linear v = model.linearSites().get("block 0 attention.value");
        Random random = new Random(5);
        v.setWeight(new LowRankWeight(new Parameter("A", Tensor.gaussian(F32, random, 0.3, 8, 3)),
                new Parameter("B", Tensor.gaussian(F32, random, 0.3, 3, 8))));
        model.saveFactors(dir, org.lowrank4j.formats.safetensors.SafetensorsDtype.F32);
        try (SafetensorsModel file = SafetensorsModel.open(dir)) {
            assertThat(file.info("model.decoder.layers.0.self_attn.v_proj.lowrank_A").shape()).containsExactly(8, 3);
            assertThat(file.contains("model.decoder.layers.0.self_attn.v_proj.weight")).isFalse();
        }
        Gpt2Model loaded = Gpt2Model.load(dir, F32);
        assertThat(loaded.linearSites().get("block 0 attention.value").weight()).isInstanceOf(LowRankWeight.class);
        int[] ids = Gpt2ModelTest.ids(5, 11, 3);
        assertThat(loaded.forward(ids, 1, 5).toDoubleArray()).containsExactly(model.forward(ids, 1, 5).toDoubleArray());
    }

    @Test
    void layoutsThisRuntimeDoesNotBuildAreRefusedInOneLine() {
        String[][] cases = {
                {"\"word_embed_proj_dim\": 0", "word_embed_proj_dim = 0"},
                {"\"enable_bias\": false", "enable_bias = false"},
                {"\"layer_norm_elementwise_affine\": false", "layer_norm_elementwise_affine = false"},
                {"\"_remove_final_layer_norm\": true", "_remove_final_layer_norm = true"},
                {"\"activation_function\": \"silu\"", "activation_function = \"silu\""}};
        for (String[] c : cases) {
            HfConfig config = tinyOpt(c[0]);
            assertThatThrownBy(() -> new Gpt2Model(config, F32)).as(c[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c[1]).message().doesNotContain("\n");
        }
    }

    /** OPT-350M's layout: norms after the residual adds, no final norm, 4-wide token rows projected in and out. */
    private static final String OPT_350M = "\"do_layer_norm_before\": false, \"word_embed_proj_dim\": 4";

    @Test
    void opt350mNormsAfterTheResidualAndProjectsItsTokenRowsInAndOut(@TempDir Path dir) throws IOException {
        Gpt2Model model = new Gpt2Model(tinyOpt(OPT_350M), F64);
        assertThat(model.block(1).normsAfterResidual()).isTrue();
        assertThat(model.finalNorm()).isNull();
        assertThat(model.embedding().token().value().shape()).containsExactly(11, 4);
        assertThat(model.embedding().projection().weight().toDense().shape()).containsExactly(8, 4);
        assertThat(model.projectOut().weight().toDense().shape()).containsExactly(4, 8);
        GradientCheck.randomize(model, new Random(11), 0.4);
        int[] ids = Gpt2ModelTest.ids(2 * 5, 11, 12);
        double error = GradientCheck.check("model OPT-350M layout", () -> model.forward(ids, 2, 5), dy -> {
            model.backward(dy);
            return null;
        }, null, model.parameters(), 3);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);

        assertThat(Gpt2ModelTest.cachedDecodingError(model, 13)).isLessThan(1e-12);

        Gpt2Model stored = new Gpt2Model(tinyOpt(OPT_350M), F32);
        GradientCheck.randomize(stored, new Random(14), 0.4);
        stored.save(dir);
        try (SafetensorsModel file = SafetensorsModel.open(dir)) {
            assertThat(file.info("model.decoder.project_in.weight").shape()).containsExactly(8, 4);
            assertThat(file.info("model.decoder.project_out.weight").shape()).containsExactly(4, 8);
            assertThat(file.info("model.decoder.embed_tokens.weight").shape()).containsExactly(11, 4);
            assertThat(file.contains("model.decoder.final_layer_norm.weight")).isFalse();
        }
        assertThat(Gpt2Model.load(dir, F32).forward(ids, 2, 5).toDoubleArray()).containsExactly(stored.forward(ids, 2, 5).toDoubleArray());
    }

    @Test
    void overAFrozenEmbeddingTheFirstBlockSkipsItsInputGradientAndKeepsItsWeightGradients() {
        // LoRA's case: the lowest block's input gradient feeds only the frozen embedding (and project_in), so it is skipped
        for (String layout : new String[] {"", OPT_350M}) {
            Gpt2Model all = new Gpt2Model(tinyOpt(layout), F64), some = new Gpt2Model(tinyOpt(layout), F64);
            GradientCheck.randomize(all, new Random(15), 0.4);
            List<Parameter> a = all.parameters(), b = some.parameters();
            for (int p = 0; p < a.size(); p++) {
                for (int i = 0; i < a.get(p).size(); i++) {
                    b.get(p).value().set(i, a.get(p).value().get(i));
                }
            }
            Linear q = some.block(0).attention().query();
            Parameter.freezeAllBut(b, List.of(((org.lowrank4j.nn.weight.DenseWeight) q.weight()).weight()));
            int[] ids = Gpt2ModelTest.ids(2 * 5, 11, 16);
            Tensor dy = Tensor.gaussian(F64, new Random(17), 1, 2, 5, 11);
            all.forward(ids, 2, 5);
            all.backward(dy);
            some.forward(ids, 2, 5);
            some.backward(dy);
            Tensor expected = ((org.lowrank4j.nn.weight.DenseWeight) all.block(0).attention().query().weight()).weight().gradient();
            Tensor got = ((org.lowrank4j.nn.weight.DenseWeight) q.weight()).weight().gradient();
            assertThat(GradientCheck.compare(got, expected)).as(layout).isLessThan(1e-12);
            assertThat(GradientCheck.compare(expected, Tensor.zeros(F64, expected.shape()))).isGreaterThan(1e-6);
        }
    }

    @Test
    void aPytorchModelBinLoadsAsItsSafetensorsTwinDoes(@TempDir Path dir) throws IOException {
        // src/test/resources/opt-tiny: one random OPT written by the runtime, and its weights rewritten in torch.save's zip
        // layout by results/opt/to_pytorch_bin.py (as facebook's OPT uploads hold them)
        Path safetensors = Files.createDirectories(dir.resolve("st")), torch = Files.createDirectories(dir.resolve("bin"));
        for (String[] f : new String[][] {{"config.json", "st"}, {"model.safetensors", "st"}, {"config.json", "bin"}, {"pytorch_model.bin", "bin"}}) {
            try (java.io.InputStream in = OptModelTest.class.getResourceAsStream("/opt-tiny/" + f[0])) {
                Files.copy(in, dir.resolve(f[1]).resolve(f[0]));
            }
        }
        int[] ids = Gpt2ModelTest.ids(2 * 6, 11, 21);
        double[] expected = Gpt2Model.load(safetensors, F32).forward(ids, 2, 6).toDoubleArray();
        assertThat(Gpt2Model.load(torch, F32).forward(ids, 2, 6).toDoubleArray()).containsExactly(expected);
        Files.delete(torch.resolve("pytorch_model.bin"));
        assertThatThrownBy(() -> Gpt2Model.load(torch, F32)).hasMessageContaining("model.safetensors");
    }
}
