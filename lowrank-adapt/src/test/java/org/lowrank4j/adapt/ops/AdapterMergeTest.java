package org.lowrank4j.adapt.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsFile;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** A merged decoder folder runs as the base with the adapter attached (to 1e-5). */
class AdapterMergeTest {
    private static final int[] IDS = {87, 104, 97, 108, 101, 115, 32, 97, 110, 100};

    @Test
    void mergedFolderAgreesWithTheAdaptedModel(@TempDir Path dir) throws IOException {
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 5);
        Path baseFolder = dir.resolve("base");
        base.save(baseFolder);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj", "o_proj")), m -> LoraSettings.of(4, 8), new Random(6));
        randomizeB(lora, 7, 0.2); // B starts at zero: give the update a size
        Path adapterFolder = dir.resolve("adapter");
        PeftFolder.write(adapterFolder, PeftFolder.capture(lora, "default",
                PeftConfig.lora(LoraSettings.of(4, 8), List.of("q_proj", "v_proj", "o_proj"), baseFolder.toString(), "CAUSAL_LM")));
        Tensor adapted = base.forward(IDS, 1, IDS.length);

        Path out = dir.resolve("merged");
        AdapterMerge.mergeInto(baseFolder, adapterFolder, out);
        LlamaModel merged = LlamaModel.load(out, Precision.FLOAT32);
        double diff = maxDifference(merged.forward(IDS, 1, IDS.length), adapted);
        System.out.printf("merged folder vs adapted model: max |logit difference| %.2e%n", diff);
        assertThat(diff).isLessThan(1e-5);
        assertThat(maxDifference(LlamaModel.load(baseFolder, Precision.FLOAT32).forward(IDS, 1, IDS.length), adapted)).isGreaterThan(1e-3);
    }

    @Test
    void unmergeRecoversTheBase(@TempDir Path dir) throws IOException {
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 8);
        Path baseFolder = dir.resolve("base");
        base.save(baseFolder);
        Tensor original = base.forward(IDS, 1, IDS.length);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(4, 8), new Random(9));
        randomizeB(lora, 10, 0.3); // B starts at zero: give the update a size
        Path adapterFolder = dir.resolve("adapter");
        PeftFolder.write(adapterFolder, PeftFolder.capture(lora, "default",
                PeftConfig.lora(LoraSettings.of(4, 8), List.of("q_proj", "v_proj"), baseFolder.toString(), "CAUSAL_LM")));
        Path merged = dir.resolve("merged");
        AdapterMerge.mergeInto(baseFolder, adapterFolder, merged);
        Path restored = dir.resolve("restored");
        AdapterMerge.unmergeInto(merged, adapterFolder, restored);
        LlamaModel back = LlamaModel.load(restored, Precision.FLOAT32);
        LlamaModel reference = LlamaModel.load(baseFolder, Precision.FLOAT32);
        double weights = 0;
        Map<String, org.lowrank4j.nn.layers.Linear> a = ModulePaths.decoder(back), b = ModulePaths.decoder(reference);
        for (String module : a.keySet()) {
            weights = Math.max(weights, maxDifference(a.get(module).weight().toDense(), b.get(module).weight().toDense()));
        }
        double logits = maxDifference(back.forward(IDS, 1, IDS.length), original);
        System.out.printf("unmerged vs base: max |weight difference| %.2e, max |logit difference| %.2e%n", weights, logits);
        assertThat(weights).isLessThan(1e-6);
        assertThat(logits).isLessThan(1e-5);
        assertThat(merged.resolve(AdapterMerge.RECORD)).exists();
        assertThat(restored.resolve(AdapterMerge.RECORD)).doesNotExist(); // nothing merged is left

        // another adapter of the same base was never merged into this folder: refused, naming the record
        LoraModel other = LoraModel.over(ModulePaths.decoder(TinyModels.llama(Precision.FLOAT32, 8)), 0);
        other.addAdapter("default", TargetModules.names(List.of("q_proj")), m -> LoraSettings.of(2, 4), new Random(11));
        Path otherFolder = dir.resolve("other");
        PeftFolder.write(otherFolder, PeftFolder.capture(other, "default",
                PeftConfig.lora(LoraSettings.of(2, 4), List.of("q_proj"), baseFolder.toString(), "CAUSAL_LM")));
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> AdapterMerge.unmergeInto(merged, otherFolder, dir.resolve("wrong")));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not one of the 1 adapter(s) merged into")
                .hasMessageContaining(AdapterMerge.RECORD);
        assertThat(dir.resolve("wrong")).doesNotExist();

        // merged twice, either comes off first and the record keeps the other
        Path both = dir.resolve("both");
        AdapterMerge.mergeInto(merged, otherFolder, both);
        Path withoutFirst = dir.resolve("without-first");
        AdapterMerge.unmergeInto(both, adapterFolder, withoutFirst);
        assertThat(AdapterMerge.record(withoutFirst)).containsExactly(AdapterMerge.fingerprint(otherFolder));
    }
    @Test
    void anOptAdapterHasPeftsKeysAttachesAndMerges(@TempDir Path dir) throws IOException {
        HfConfig config = HfConfig.builder(HfArchitecture.GPT2).modelType("opt").className("OPTForCausalLM").hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(2).numAttentionHeads(2).vocabSize(128).maxPositionEmbeddings(32).hiddenAct("relu").build();
        Gpt2Model base = new Gpt2Model(config, Precision.FLOAT32);
        base.initialize(new Random(3));
        Path baseFolder = dir.resolve("base");
        base.save(baseFolder);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(4, 8), new Random(4));
        randomizeB(lora, 5, 0.3); // B starts at zero: give the update a size
        Path adapterFolder = dir.resolve("adapter");
        PeftFolder.write(adapterFolder, PeftFolder.capture(lora, "default",
                PeftConfig.lora(LoraSettings.of(4, 8), List.of("q_proj", "v_proj"), baseFolder.toString(), "CAUSAL_LM")));
        try (SafetensorsFile file = SafetensorsFile.open(adapterFolder.resolve("adapter_model.safetensors"))) {
            assertThat(file.names()).hasSize(8).contains("base_model.model.model.decoder.layers.1.self_attn.v_proj.lora_A.weight");
            assertThat(file.info("base_model.model.model.decoder.layers.0.self_attn.q_proj.lora_B.weight").shape()).containsExactly(16, 4);
        }
        Tensor adapted = base.forward(IDS, 1, IDS.length);

        // attached to a fresh base from its folder (as generate, serve and export --adapter do), then merged into a folder
        Gpt2Model fresh = Gpt2Model.load(baseFolder, Precision.FLOAT32);
        assertThat(maxDifference(fresh.forward(IDS, 1, IDS.length), adapted)).isGreaterThan(1e-3);
        AdapterSwitch.attach(fresh, Map.of("default", adapterFolder)).use("default");
        assertThat(maxDifference(fresh.forward(IDS, 1, IDS.length), adapted)).isLessThan(1e-5);
        Path out = dir.resolve("merged");
        AdapterMerge.mergeInto(baseFolder, adapterFolder, out);
        assertThat(maxDifference(Gpt2Model.load(out, Precision.FLOAT32).forward(IDS, 1, IDS.length), adapted)).isLessThan(1e-5);
        assertThat(HfConfig.read(out).modelType()).isEqualTo("opt");

        // GPT-2 fuses q, k and v into c_attn, PEFT's target: refused in one line
        Gpt2Model gpt2 = new Gpt2Model(HfConfig.builder(HfArchitecture.GPT2).hiddenSize(16).numHiddenLayers(1).numAttentionHeads(2)
                .vocabSize(128).build(), Precision.FLOAT32);
        assertThatThrownBy(() -> ModulePaths.decoder(gpt2)).hasMessageContaining("c_attn").message().doesNotContain("\n");
    }

    /** Every lora_B of {@code lora} drawn as std·N(0, 1) (seeded). */
    private static void randomizeB(LoraModel lora, long seed, double std) {
        Random random = new Random(seed);
        for (Parameter p : lora.parameters()) {
            if (p.name().contains("lora_B")) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, std * random.nextGaussian());
                }
            }
        }
    }
}
