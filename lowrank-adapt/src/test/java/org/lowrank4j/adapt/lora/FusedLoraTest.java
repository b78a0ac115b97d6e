package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.NextTokenModel;

/**
 * LoRA on the modules a checkpoint fuses (GPT-2's {@code c_attn}, Phi-3's {@code qkv_proj} and {@code gate_up_proj}),
 * which the runtime keeps as separate projections: one A shared by the parts and a row block of B each, so the adapter
 * is PEFT's adapter on the fused module. Its gradients pass a float64 finite-difference check, it is written under the
 * fused module's path with B's blocks stacked, and it reads back onto a fresh model with the same logits.
 */
class FusedLoraTest {
    private static final int[] IDS = {87, 104, 97, 108, 101, 115, 32, 97, 110, 100, 33};

    private static CausalLanguageModel model(String kind, Precision precision) {
        if (kind.equals("gpt2")) {
            Gpt2Model m = new Gpt2Model(HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).vocabSize(128)
                    .maxPositionEmbeddings(16).build(), precision);
            m.initialize(new Random(1));
            return m;
        }
        LlamaModel m = LlamaModel.create(HfConfig.parse("{\"model_type\": \"phi3\", \"hidden_size\": 8, \"intermediate_size\": 12,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 128,"
                + " \"max_position_embeddings\": 16, \"tie_word_embeddings\": false}", "phi3"), precision);
        m.initialize(new Random(1));
        return m;
    }

    private static List<String> targets(String kind) {
        return kind.equals("gpt2") ? List.of("c_attn", "attn.c_proj") : List.of("qkv_proj", "gate_up_proj", "o_proj");
    }

    private static LoraModel adapted(CausalLanguageModel model, String kind) {
        LoraModel lora = LoraModel.overDecoder(model, 3);
        lora.addAdapter("default", TargetModules.names(targets(kind)), m -> LoraSettings.of(2, 4), new Random(5));
        lora.freezeOthers();
        Random random = new Random(7);
        for (Parameter p : lora.parameters()) {
            if (p.name().contains("lora_B")) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, 0.3 * random.nextGaussian());
                }
            }
        }
        return lora;
    }

    private static double loss(NextTokenModel lm) {
        int[][] inputs = {java.util.Arrays.copyOf(IDS, IDS.length - 1)}, targets = {java.util.Arrays.copyOfRange(IDS, 1, IDS.length)};
        return lm.lossAndBackward(inputs, targets);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "phi3"})
    void aFusedModuleTrainsOneSharedAWhoseGradientIsTheSumOverItsParts(String kind) {
        CausalLanguageModel model = model(kind, Precision.FLOAT64);
        LoraModel lora = adapted(model, kind);
        List<String> fusedPaths = lora.select(TargetModules.names(targets(kind))).stream().filter(p -> lora.fused().parts().containsKey(p)).toList();
        assertThat(fusedPaths).hasSize(kind.equals("gpt2") ? 2 : 4);
        String fused = fusedPaths.get(0);
        List<Linear> parts = lora.partsOf(fused);
        Parameter a = lora.adaptedLayers().get(parts.get(0).name()).adapter("default").a();
        for (Linear part : parts) {
            assertThat(lora.adaptedLayers().get(part.name()).adapter("default").a()).isSameAs(a);
        }
        assertThat(a.name()).isEqualTo(fused + ".lora_A.default.weight");
        assertThat(lora.parameters().stream().filter(p -> p == a)).hasSize(1);

        NextTokenModel lm = new NextTokenModel(model);
        lora.parameters().forEach(Parameter::zeroGradient);
        loss(lm);
        Tensor analytic = a.gradient().copy();
        Parameter b = lora.adaptedLayers().get(parts.get(1).name()).adapter("default").b();
        Tensor analyticB = b.gradient().copy();
        double h = 1e-6;
        for (Parameter p : List.of(a, b)) {
            Tensor want = p == a ? analytic : analyticB;
            for (int i = 0; i < p.size(); i += 3) {
                double v = p.value().get(i);
                p.value().set(i, v + h);
                double up = loss(lm);
                p.value().set(i, v - h);
                double down = loss(lm);
                p.value().set(i, v);
                double fd = (up - down) / (2 * h);
                assertThat(want.get(i)).as(p.name() + "[" + i + "]").isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-7 + 1e-5 * Math.abs(fd)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "phi3"})
    void theAdapterIsWrittenUnderTheFusedModuleAndReadsBackWithTheSameLogits(String kind, @TempDir Path dir) throws Exception {
        CausalLanguageModel model = model(kind, Precision.FLOAT64);
        LoraModel lora = adapted(model, kind);
        Tensor want = model.forward(IDS, 1, IDS.length);
        PeftConfig config = PeftConfig.lora(LoraSettings.of(2, 4), targets(kind), "base", "CAUSAL_LM").withFanInFanOut(ModulePaths.conv1d(model));
        PeftAdapter captured = PeftFolder.capture(lora, "default", config);
        String fused = kind.equals("gpt2") ? "transformer.h.0.attn.c_attn" : "model.layers.0.self_attn.qkv_proj";
        List<Linear> parts = lora.partsOf(fused);
        LoraFactors f = captured.modules().get(fused);
        assertThat(f.out()).isEqualTo(parts.stream().mapToInt(Linear::outFeatures).sum());
        assertThat(f.in()).isEqualTo(parts.get(0).inFeatures());
        assertThat(captured.modules().keySet()).noneMatch(k -> parts.stream().anyMatch(p -> p.name().equals(k)));
        int row = 0;
        for (Linear part : parts) { // B's row blocks are the parts' B, in order
            Tensor b = lora.adaptedLayers().get(part.name()).adapter("default").b().value();
            for (int i = 0; i < b.size(); i++) {
                assertThat((double) f.b()[row * 2 + i]).isCloseTo(b.get(i), org.assertj.core.data.Offset.offset(1e-6));
            }
            row += part.outFeatures();
        }
        assertThat(captured.config().targets().describe()).contains(targets(kind).get(0));
        assertThat(captured.config().fanInFanOut()).isEqualTo(kind.equals("gpt2"));

        Path folder = dir.resolve("adapter");
        PeftFolder.write(folder, captured);
        CausalLanguageModel fresh = model(kind, Precision.FLOAT64);
        PeftFolder.apply(PeftFolder.read(folder), LoraModel.overDecoder(fresh, 0), "default", Precision.FLOAT64);
        Tensor got = fresh.forward(IDS, 1, IDS.length);
        double max = 0;
        for (int i = 0; i < want.size(); i++) {
            max = Math.max(max, Math.abs(want.get(i) - got.get(i)));
        }
        assertThat(max).isLessThan(1e-5); // the folder holds float32 factors
    }

    @Test
    void thePartsOfAFusedModuleDropTheSameInputs() {
        CausalLanguageModel model = model("gpt2", Precision.FLOAT64);
        LoraModel lora = LoraModel.overDecoder(model, 11);
        lora.addAdapter("default", TargetModules.names(List.of("c_attn")), m -> new LoraSettings(2, 4, 0.5, false), new Random(5));
        List<Linear> parts = lora.partsOf("transformer.h.0.attn.c_attn");
        Parameter bq = lora.adaptedLayers().get(parts.get(0).name()).adapter("default").b();
        Parameter bk = lora.adaptedLayers().get(parts.get(1).name()).adapter("default").b();
        for (int i = 0; i < bq.size(); i++) { // q's and k's B alike: their branches agree exactly when their masks do
            bq.value().set(i, 0.1 * (i + 1));
            bk.value().set(i, 0.1 * (i + 1));
        }
        Tensor x = Tensor.gaussian(Precision.FLOAT64, new Random(2), 1.0, 6, 8);
        lora.setTraining(true);
        Tensor q = parts.get(0).forward(x), k = parts.get(1).forward(x);
        lora.setEnabled(false);
        Tensor q0 = parts.get(0).forward(x), k0 = parts.get(1).forward(x);
        int dropped = 0;
        for (int i = 0; i < q.size(); i++) {
            assertThat(q.get(i) - q0.get(i)).isCloseTo(k.get(i) - k0.get(i), org.assertj.core.data.Offset.offset(1e-12));
        }
        lora.setEnabled(true);
        lora.setTraining(false);
        Tensor qEval = parts.get(0).forward(x);
        for (int i = 0; i < q.size(); i++) {
            dropped += Math.abs(qEval.get(i) - q.get(i)) > 1e-9 ? 1 : 0;
        }
        assertThat(dropped).as("dropout changed the training branch").isPositive();
    }

    @Test
    void aStartFromTheWeightIsRefusedOnAFusedModule() {
        LoraModel lora = LoraModel.overDecoder(model("gpt2", Precision.FLOAT32), 0);
        assertThatThrownBy(() -> LoraStart.attach(lora, AdapterInit.PISSA, List.of("c_attn"), LoraSettings.of(2, 4), 0))
                .hasMessageContaining("--init pissa").hasMessageContaining("transformer.h.0.attn.c_attn fuses 3 projections");
        // a part alone is not a module PEFT can name: only the fused path is a target
        assertThat(lora.targetable()).contains("transformer.h.0.attn.c_attn").doesNotContain("transformer.h.0.attn.c_attn.q");
        assertThat(Map.copyOf(lora.fused().parts())).hasSize(2);
        // work that treats each projection's adapter on its own is refused on a fused module, in one line
        lora.addAdapter("default", TargetModules.names(List.of("attn.c_proj")), m -> LoraSettings.of(2, 4), new Random(1));
        lora.requireNoFusedAdapters("a calibrated squeeze"); // no fused module carries one yet
        lora.addAdapter("other", TargetModules.names(List.of("c_attn")), m -> LoraSettings.of(2, 4), new Random(1));
        assertThatThrownBy(() -> lora.requireNoFusedAdapters("a calibrated squeeze")).hasMessageStartingWith("a calibrated squeeze treats")
                .hasMessageContaining("transformer.h.0.attn.c_attn fuses 3 projections").message().doesNotContain("\n");
    }
}
