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
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.LoraFactors;
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
        AdapterMerge.unmergeInto(merged, adapterFolder, restored, false);
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
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> AdapterMerge.unmergeInto(merged, otherFolder, dir.resolve("wrong"), false));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not one of the 1 adapter(s) merged into")
                .hasMessageContaining(AdapterMerge.RECORD);
        assertThat(dir.resolve("wrong")).doesNotExist();

        // a sequence-classification adapter is not merged into a decoder
        Path classifier = dir.resolve("classifier");
        PeftFolder.write(classifier, PeftFolder.capture(lora, "default",
                PeftConfig.lora(LoraSettings.of(4, 8), List.of("q_proj", "v_proj"), baseFolder.toString(), "SEQ_CLS")));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AdapterMerge.mergeInto(baseFolder, classifier, dir.resolve("cls"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trained for sequence classification (task_type SEQ_CLS")
                .hasMessageContaining("on the encoder folder " + baseFolder + " (safetensors, not ONNX)")
                .hasMessageNotContaining("the ONNX encoder it was trained on");
        // the advice follows what it was trained on: an ONNX file takes the merge, a safetensors folder (BERT's) does not
        java.nio.file.Path onnx = java.nio.file.Files.writeString(dir.resolve("encoder.onnx"), "not read");
        assertThat(AdapterMerge.classifierAdvice(onnx.toString())).contains("merge it into the ONNX encoder it was trained on (--model " + onnx + ")");
        assertThat(AdapterMerge.classifierAdvice(baseFolder.toString())).contains("on the encoder folder " + baseFolder + " (safetensors, not ONNX)")
                .contains("give --model an ONNX export of that encoder").doesNotContain("the ONNX encoder it was trained on");
        assertThat(AdapterMerge.classifierAdvice(null)).contains("(--model model.onnx)");

        // the same adapter again: refused, nothing written
        Throwable again = org.assertj.core.api.Assertions.catchThrowable(() -> AdapterMerge.mergeInto(merged, adapterFolder, dir.resolve("again")));
        assertThat(again).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is already merged into")
                .hasMessageContaining("add its update twice");
        assertThat(dir.resolve("again")).doesNotExist();

        // merged twice, either comes off first and the record keeps the other
        Path both = dir.resolve("both");
        AdapterMerge.mergeInto(merged, otherFolder, both);
        Path withoutFirst = dir.resolve("without-first");
        AdapterMerge.unmergeInto(both, adapterFolder, withoutFirst, false);
        assertThat(AdapterMerge.record(withoutFirst)).containsExactly(new AdapterMerge.Merged(AdapterMerge.fingerprint(otherFolder), false));

        // a folder with no record (the base itself, or the restored one: unmerged already) is refused unless merged elsewhere
        for (Path unrecorded : List.of(baseFolder, restored)) {
            Throwable none = org.assertj.core.api.Assertions.catchThrowable(() -> AdapterMerge.unmergeInto(unrecorded, adapterFolder,
                    dir.resolve("none"), false));
            assertThat(none).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no " + AdapterMerge.RECORD)
                    .hasMessageContaining("--merged-elsewhere");
            assertThat(dir.resolve("none")).doesNotExist();
        }
        Path elsewhere = dir.resolve("elsewhere"); // a merge by another tool leaves no record: the option takes it as it is
        java.nio.file.Files.createDirectories(elsewhere);
        try (var files = java.nio.file.Files.list(merged)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().equals(AdapterMerge.RECORD)) {
                    java.nio.file.Files.copy(f, elsewhere.resolve(f.getFileName()));
                }
            }
        }
        Path fromElsewhere = dir.resolve("from-elsewhere");
        AdapterMerge.unmergeInto(elsewhere, adapterFolder, fromElsewhere, true);
        assertThat(maxDifference(LlamaModel.load(fromElsewhere, Precision.FLOAT32).forward(IDS, 1, IDS.length), original)).isLessThan(1e-5);
    }

    /**
     * A merge reads the adapter's weights file once, for its tensors and its fingerprint: the record it leaves is the
     * fingerprint of the files on their own, for a LoRA folder and a variant's, and the adapter as read comes back.
     */
    @Test
    void theRecordedFingerprintIsTheFilesOwnForLoraAndVariantFolders(@TempDir Path dir) throws IOException {
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 3);
        Path baseFolder = dir.resolve("base");
        base.save(baseFolder);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(2, 4), new Random(3));
        randomizeB(lora, 4, 0.2);
        Path loraFolder = dir.resolve("lora");
        PeftFolder.write(loraFolder, PeftFolder.capture(lora, "default",
                PeftConfig.lora(LoraSettings.of(2, 4), List.of("q_proj", "v_proj"), baseFolder.toString(), "CAUSAL_LM")));
        AdapterMerge.Outcome merged = AdapterMerge.mergeInto(baseFolder, loraFolder, dir.resolve("merged-lora"));
        assertThat(merged.lora().modules()).hasSize(2 * TinyModels.llamaConfig().numHiddenLayers()); // q and v of each layer
        assertThat(merged.variant()).isNull();
        assertThat(AdapterMerge.record(dir.resolve("merged-lora"))).containsExactly(new AdapterMerge.Merged(AdapterMerge.fingerprint(loraFolder), false));
        // the keys of modules trained whole come from the same reading: such an adapter is still refused, naming them
        PeftAdapter withHead = PeftFolder.read(loraFolder);
        Path headFolder = dir.resolve("with-head");
        PeftFolder.write(headFolder, new PeftAdapter(withHead.config().withModulesToSave(List.of("lm_head")), withHead.modules()),
                Map.of("lm_head.weight", new PeftFolder.SavedTensor(new long[] {2, 2}, new float[] {1, 2, 3, 4})));
        assertThatThrownBy(() -> AdapterMerge.mergeInto(baseFolder, headFolder, dir.resolve("head-merged")))
                .hasMessageContaining("also holds modules trained whole (modules_to_save: lm_head.weight)");
        assertThat(dir.resolve("head-merged")).doesNotExist();

        java.util.Map<String, org.lowrank4j.nn.layers.Linear> targets = new java.util.LinkedHashMap<>();
        ModulePaths.decoder(LlamaModel.load(baseFolder, Precision.FLOAT32)).forEach((path, linear) -> {
            if (path.endsWith(".q_proj")) {
                targets.put(path, linear);
            }
        });
        org.lowrank4j.adapt.variant.VariantAdapter nola = org.lowrank4j.adapt.variant.AdapterVariants.byName("nola")
                .create(targets, org.lowrank4j.adapt.variant.VariantSpec.parse("nola:basis=4"), 2, 4, 5, Precision.FLOAT32);
        Random random = new Random(6);
        for (Parameter p : nola.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, 0.3 * random.nextGaussian());
            }
        }
        Path nolaFolder = dir.resolve("nola");
        org.lowrank4j.adapt.variant.VariantFolder.write(nolaFolder, nola, List.of("q_proj"), baseFolder.toString());
        Path mergedNola = dir.resolve("merged-nola");
        AdapterMerge.Outcome variant = AdapterMerge.mergeInto(baseFolder, nolaFolder, mergedNola);
        assertThat(variant.variant().variant().name()).isEqualTo("nola");
        assertThat(variant.lora()).isNull();
        assertThat(AdapterMerge.record(mergedNola)).containsExactly(new AdapterMerge.Merged(AdapterMerge.fingerprint(nolaFolder), false));
        assertThatThrownBy(() -> AdapterMerge.mergeInto(mergedNola, nolaFolder, dir.resolve("twice"))).hasMessageContaining("is already merged into");
    }

    @Test
    void unmergeChecksTheConfigThatScalesTheUpdateAndReadsOlderRecords(@TempDir Path dir) throws IOException {
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 8);
        Path baseFolder = dir.resolve("base");
        base.save(baseFolder);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(4, 8), new Random(9));
        randomizeB(lora, 10, 0.3);
        Path adapterFolder = dir.resolve("adapter");
        PeftFolder.write(adapterFolder, PeftFolder.capture(lora, "default",
                PeftConfig.lora(LoraSettings.of(4, 8), List.of("q_proj", "v_proj"), baseFolder.toString(), "CAUSAL_LM")));
        Path merged = dir.resolve("merged");
        AdapterMerge.mergeInto(baseFolder, adapterFolder, merged);

        // the same weights with lora_alpha doubled (or rsLoRA's scaling) would subtract another update: it passed, as only the
        // weights file was hashed
        for (String[] change : new String[][] {{"lora_alpha", "16"}, {"use_rslora", "true"}, {"alpha_pattern", "{\"q_proj\": 32}"}}) {
            Path changed = copyWithConfig(adapterFolder, dir.resolve("changed-" + change[0]), change[0], change[1]);
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> AdapterMerge.unmergeInto(merged, changed, dir.resolve("wrong"), false));
            assertThat(t).as(change[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not one of the 1 adapter(s) merged into");
            assertThat(dir.resolve("wrong")).doesNotExist();
        }
        // a field that does not shape the update (the base's path) and another spelling of the same number do not count
        Path cosmetic = copyWithConfig(adapterFolder, dir.resolve("cosmetic"), "base_model_name_or_path", "\"elsewhere\"");
        cosmetic = copyWithConfig(cosmetic, dir.resolve("cosmetic2"), "lora_alpha", "8.0");
        List<String> notes = new java.util.ArrayList<>();
        AdapterMerge.unmergeInto(merged, cosmetic, dir.resolve("restored"), false, notes::add);
        assertThat(notes).isEmpty();

        // a record written before the config counted lists the weights' SHA-256 alone: still read, and the caller is told
        java.nio.file.Files.writeString(merged.resolve(AdapterMerge.RECORD), "{\"format\": \"lowrank4j-merged-adapters\", \"adapters\": [{\"sha256\": \""
                + AdapterMerge.weightsFingerprint(adapterFolder) + "\"}]}");
        AdapterMerge.unmergeInto(merged, adapterFolder, dir.resolve("restored-old"), false, notes::add);
        assertThat(notes).singleElement().asString().contains("only its weights are checked");
        assertThat(maxDifference(LlamaModel.load(dir.resolve("restored-old"), Precision.FLOAT32).forward(IDS, 1, IDS.length),
                LlamaModel.load(baseFolder, Precision.FLOAT32).forward(IDS, 1, IDS.length))).isLessThan(1e-5);
    }

    /** A copy of an adapter folder with one adapter_config.json field set to {@code json}. */
    private static Path copyWithConfig(Path adapter, Path copy, String field, String json) throws IOException {
        java.nio.file.Files.createDirectories(copy);
        java.nio.file.Files.copy(adapter.resolve(PeftFolder.WEIGHTS), copy.resolve(PeftFolder.WEIGHTS));
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(
                adapter.resolve(PeftFolder.CONFIG).toFile());
        config.set(field, mapper.readTree(json));
        java.nio.file.Files.writeString(copy.resolve(PeftFolder.CONFIG), mapper.writeValueAsString(config));
        return copy;
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

        // GPT-2 fuses q, k and v into c_attn: the adapter variants, which train separate projections, refuse it in one line
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

    @Test
    void anAdapterOnAFusedModuleActsOnItsPartsAttachedAndMerged(@TempDir Path dir) throws IOException {
        // GPT-2's c_attn (q, k, v of 8 rows each) and Phi-3's qkv_proj (8 query rows, 4 key, 4 value) and gate_up_proj (12 + 12)
        HfConfig gpt2 = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).vocabSize(128)
                .maxPositionEmbeddings(16).build();
        HfConfig phi3 = HfConfig.parse("{\"model_type\": \"phi3\", \"hidden_size\": 8, \"intermediate_size\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 128, \"max_position_embeddings\": 16,"
                + " \"tie_word_embeddings\": false}", "phi3");
        for (HfConfig config : List.of(gpt2, phi3)) {
            boolean isGpt2 = config == gpt2;
            org.lowrank4j.nn.generate.CausalLanguageModel base;
            Path baseFolder = dir.resolve(config.modelType());
            if (isGpt2) {
                Gpt2Model m = new Gpt2Model(config, Precision.FLOAT32);
                m.initialize(new Random(1));
                m.save(baseFolder);
                base = m;
            } else {
                LlamaModel m = LlamaModel.create(config, Precision.FLOAT32);
                m.initialize(new Random(1));
                m.save(baseFolder);
                base = m;
            }
            // the adapter as PEFT names it: on the fused modules, and on one module the runtime keeps whole
            Map<String, List<org.lowrank4j.nn.layers.Linear>> fused = isGpt2
                    ? Map.of("transformer.h.0.attn.c_attn", parts(base, "transformer.h.0.attn.c_attn.q", "transformer.h.0.attn.c_attn.k",
                            "transformer.h.0.attn.c_attn.v"))
                    : Map.of("model.layers.0.self_attn.qkv_proj", parts(base, "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                            "model.layers.0.self_attn.v_proj"), "model.layers.1.mlp.gate_up_proj", parts(base, "model.layers.1.mlp.gate_proj",
                            "model.layers.1.mlp.up_proj"));
            String whole = isGpt2 ? "transformer.h.1.attn.c_proj" : "model.layers.1.self_attn.o_proj";
            Random random = new Random(2);
            Map<String, LoraFactors> modules = new java.util.LinkedHashMap<>();
            fused.forEach((name, parts) -> modules.put(name, factors(random, 8, parts.stream().mapToInt(org.lowrank4j.nn.layers.Linear::outFeatures).sum())));
            modules.put(whole, factors(random, 8, 8));
            List<String> targets = isGpt2 ? List.of("c_attn", "c_proj") : List.of("qkv_proj", "gate_up_proj", "o_proj");
            PeftAdapter adapter = new PeftAdapter(PeftConfig.lora(LoraSettings.of(2, 4), targets, baseFolder.toString(), "CAUSAL_LM"), modules);
            Path adapterFolder = dir.resolve(config.modelType() + "-adapter");
            PeftFolder.write(adapterFolder, adapter);

            // expected: s·B·A (s = 4 / 2) added by hand, part by part, into a fresh copy of the base
            org.lowrank4j.nn.generate.CausalLanguageModel expected = load(baseFolder, isGpt2);
            Map<String, org.lowrank4j.nn.layers.Linear> layers = ModulePaths.layers(expected);
            fused.forEach((name, parts) -> {
                int first = 0;
                for (org.lowrank4j.nn.layers.Linear part : parts) {
                    addUpdate(layers.get(part.name()), modules.get(name), first);
                    first += part.outFeatures();
                }
            });
            addUpdate(layers.get(whole), modules.get(whole), 0);
            Tensor want = expected.forward(IDS, 1, IDS.length);

            org.lowrank4j.nn.generate.CausalLanguageModel attached = load(baseFolder, isGpt2);
            AdapterSwitch.attach(attached, Map.of("default", adapterFolder)).use("default");
            assertThat(maxDifference(attached.forward(IDS, 1, IDS.length), want)).as(config.modelType()).isLessThan(1e-5);
            Path merged = dir.resolve(config.modelType() + "-merged");
            AdapterMerge.mergeInto(baseFolder, adapterFolder, merged);
            assertThat(maxDifference(load(merged, isGpt2).forward(IDS, 1, IDS.length), want)).as(config.modelType()).isLessThan(1e-5);
            assertThat(maxDifference(base.forward(IDS, 1, IDS.length), want)).isGreaterThan(1e-3);

            // lora_B of the wrong height for the fused module: named
            String first = fused.keySet().iterator().next();
            Map<String, LoraFactors> wrong = new java.util.LinkedHashMap<>(modules);
            wrong.put(first, factors(random, 8, 8));
            Path wrongFolder = dir.resolve(config.modelType() + "-wrong");
            PeftFolder.write(wrongFolder, new PeftAdapter(adapter.config(), wrong));
            assertThatThrownBy(() -> AdapterMerge.merged(baseFolder, wrongFolder)).hasMessageContaining(first + ".lora_B.weight has shape [8, 2]")
                    .hasMessageContaining("made for another base model");
        }
    }

    private static List<org.lowrank4j.nn.layers.Linear> parts(org.lowrank4j.nn.generate.CausalLanguageModel model, String... names) {
        Map<String, org.lowrank4j.nn.layers.Linear> layers = ModulePaths.layers(model);
        return java.util.Arrays.stream(names).map(n -> java.util.Objects.requireNonNull(layers.get(n), n)).toList();
    }

    private static LoraFactors factors(Random random, int in, int out) {
        float[] a = new float[2 * in], b = new float[out * 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (0.3 * random.nextGaussian());
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (0.3 * random.nextGaussian());
        }
        return new LoraFactors(2, in, out, a, b, 4);
    }

    /** W[o][i] += (α / r)·Σ_k B[first + o][k]·A[k][i] over the rows of {@code linear}, in float64. */
    private static void addUpdate(org.lowrank4j.nn.layers.Linear linear, LoraFactors f, int first) {
        Tensor w = ((org.lowrank4j.nn.weight.DenseWeight) linear.weight()).weight().value();
        int in = linear.inFeatures();
        for (int o = 0; o < linear.outFeatures(); o++) {
            for (int i = 0; i < in; i++) {
                double sum = 0;
                for (int k = 0; k < f.rank(); k++) {
                    sum += (double) f.b()[(first + o) * f.rank() + k] * f.a()[k * in + i];
                }
                w.set(o * in + i, w.get(o * in + i) + f.alpha() / f.rank() * sum);
            }
        }
    }

    private static org.lowrank4j.nn.generate.CausalLanguageModel load(Path folder, boolean gpt2) throws IOException {
        return gpt2 ? Gpt2Model.load(folder, Precision.FLOAT32) : LlamaModel.load(folder, Precision.FLOAT32);
    }
}
