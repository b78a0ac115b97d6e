package org.lowrank4j.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * The exported GPT-2 graph computes what the JVM runtime computes, in ONNX Runtime ({@link OnnxAgreement}): learned
 * positions taken at position_ids, LayerNorm with bias, both GELUs, biases on every projection, low-rank projections and an
 * untied head.
 */
class Gpt2GraphTest {
    @TempDir
    Path dir;

    private static Gpt2Model random(String activation, boolean tied, long seed) {
        return random(HfConfig.builder(HfArchitecture.GPT2).hiddenSize(24).numHiddenLayers(2).numAttentionHeads(3).vocabSize(40)
                .maxPositionEmbeddings(24).tieWordEmbeddings(tied).hiddenAct(activation).build(), seed);
    }

    private static Gpt2Model random(HfConfig config, long seed) {
        Gpt2Model model = new Gpt2Model(config, Precision.FLOAT32);
        Random random = new Random(seed);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean scale = (p.name().contains(".ln_") || p.name().endsWith("layer_norm.weight")) && p.name().endsWith("weight");
            for (int i = 0; i < v.size(); i++) {
                v.set(i, scale ? 1 + 0.2 * random.nextGaussian() : 0.2 * random.nextGaussian());
            }
        }
        return model;
    }

    @Test
    void aDenseTiedGpt2WithTheTanhGeluAgrees() throws Exception {
        Gpt2Model model = random("gelu_new", true, 1);
        DecoderGraph.Built built = Gpt2Graph.build(model, null);
        OnnxAgreement.assertAgrees(dir, model, built);
        assertThat(built.sites()).extracting(DecoderExport.Site::form).containsOnly("dense", "tied to the token embedding");
    }

    @Test
    void lowRankProjectionsTheExactGeluAndAnUntiedHeadAgree() throws Exception {
        Gpt2Model model = random("gelu", false, 2);
        Random random = new Random(3);
        Linear q = model.block(0).attention().query();
        q.setWeight(lowRank(q, 4, random));
        Linear up = ((GeluMlp) model.block(1).mlp()).up();
        up.setWeight(lowRank(up, 6, random));
        DecoderGraph.Built built = Gpt2Graph.build(model, null);
        OnnxAgreement.assertAgrees(dir, model, built);
        assertThat(built.sites()).filteredOn(s -> s.form().startsWith("low-rank")).extracting(DecoderExport.Site::name)
                .containsExactly(q.name(), up.name());
        assertThat(built.model().nodes()).extracting(n -> n.getOpType()).contains("Erf", "LayerNormalization").doesNotContain("Tanh");
    }

    @Test
    void anOptWithItsReluMlpAndPositionsTwoRowsInAgrees() throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).modelType("opt").className("OPTForCausalLM").hiddenSize(24).intermediateSize(40)
                .numHiddenLayers(2).numAttentionHeads(3).vocabSize(40).maxPositionEmbeddings(24).hiddenAct("relu").build();
        Gpt2Model model = random(config, 4);
        Linear k = model.block(1).attention().key();
        k.setWeight(lowRank(k, 5, new Random(6)));
        DecoderGraph.Built built = Gpt2Graph.build(model, null);
        OnnxAgreement.assertAgrees(dir, model, built);
        assertThat(built.model().nodes()).extracting(n -> n.getOpType()).contains("Relu").doesNotContain("Erf", "Tanh");
        assertThat(built.sites()).filteredOn(s -> s.form().startsWith("low-rank")).extracting(DecoderExport.Site::name)
                .containsExactly("model.decoder.layers.1.self_attn.k_proj");
    }

    @Test
    void opt350msNormsAfterTheResidualAndItsProjectionsAgree() throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).modelType("opt").className("OPTForCausalLM").hiddenSize(24).intermediateSize(40)
                .numHiddenLayers(2).numAttentionHeads(3).vocabSize(40).maxPositionEmbeddings(24).hiddenAct("relu")
                .put("do_layer_norm_before", false).put("word_embed_proj_dim", 12).build();
        Gpt2Model model = random(config, 7);
        assertThat(model.projectOut()).isNotNull();
        DecoderGraph.Built built = Gpt2Graph.build(model, null);
        OnnxAgreement.assertAgrees(dir, model, built);
        assertThat(built.sites()).extracting(DecoderExport.Site::name).contains("model.decoder.project_in", "model.decoder.project_out");
    }

    private static LowRankWeight lowRank(Linear l, int rank, Random random) {
        return new LowRankWeight(new Parameter(l.name() + ".A", Tensor.gaussian(Precision.FLOAT32, random, 0.3, l.outFeatures(), rank)),
                new Parameter(l.name() + ".B", Tensor.gaussian(Precision.FLOAT32, random, 0.3, rank, l.inFeatures())));
    }
}
