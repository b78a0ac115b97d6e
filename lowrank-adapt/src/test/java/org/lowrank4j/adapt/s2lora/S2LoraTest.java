package org.lowrank4j.adapt.s2lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.gradient;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;
import static org.lowrank4j.adapt.FiniteDifferences.relativeError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.sora.SoraWeight;
import org.lowrank4j.adapt.variant.AdapterVariants;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.adapt.variant.VariantSpec;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** S2-LoRA (spec 06 B "How to test"): shared pairs, the summed gradient, sparsity rules, pruning and the folder. */
class S2LoraTest {
    private static final Precision F64 = Precision.FLOAT64, F32 = Precision.FLOAT32;
    private static final int[] TOKENS = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};

    private static Map<String, Linear> targets(LlamaModel model, String... names) {
        Map<String, Linear> out = new LinkedHashMap<>();
        ModulePaths.decoder(model).forEach((path, linear) -> {
            for (String n : names) {
                if (path.endsWith("." + n)) {
                    out.put(path, linear);
                }
            }
        });
        return out;
    }

    /** q, v, o of the tiny model (16x16 q and o, 8x16 v): two shared pairs. */
    private static S2LoraAdapter create(LlamaModel model, String spec, Precision precision) {
        return (S2LoraAdapter) AdapterVariants.byName("s2lora").create(targets(model, "q_proj", "v_proj", "o_proj"), VariantSpec.parse(spec), 3, 6, 7,
                precision);
    }

    /** Every shared and per-layer value made non-zero. */
    private static void randomize(S2LoraAdapter adapter, long seed) {
        Random random = new Random(seed);
        for (SharedPair p : adapter.pairs()) {
            for (Parameter t : List.of(p.a(), p.b())) {
                for (int i = 0; i < t.size(); i++) {
                    t.value().set(i, 0.3 * random.nextGaussian());
                }
            }
        }
        for (var layer : adapter.layers().values()) {
            Tensor g = ((SoraWeight) layer).gate().value();
            for (int j = 0; j < g.size(); j++) {
                g.set(j, random.nextGaussian());
            }
        }
    }

    @Test
    void layersOfAShapeShareOnePairAndEachIsLoraWithItsCoefficientsFoldedIntoB() {
        LlamaModel model = TinyModels.llama(F64, 3);
        S2LoraAdapter adapter = create(model, "s2lora", F64);
        randomize(adapter, 1);
        assertThat(adapter.pairs()).extracting(SharedPair::name).containsExactly("s2lora_shared_16x16", "s2lora_shared_8x16");
        assertThat(adapter.pairs().get(0).modules()).hasSize(4); // q and o of 2 blocks
        assertThat(adapter.parameters()).hasSize(4);
        assertThat(adapter.trainableCount()).isEqualTo(3L * (32 + 24) + 6 * 3);
        for (var layer : adapter.layers().values()) {
            SoraWeight w = (SoraWeight) layer;
            SharedPair pair = adapter.pairs().get(w.outFeatures() == 16 ? 0 : 1);
            assertThat(w.a()).isSameAs(pair.a());
            Tensor bl = pair.b().value().copy();
            for (int i = 0; i < bl.size(); i++) {
                bl.set(i, bl.get(i) * w.gate().value().get(i % 3));
            }
            Tensor expected = Tensor.zeros(F64, w.outFeatures(), 16);
            MatMul.gemm(6.0 / 3, bl.matrix(), pair.a().value().matrix(), 0, expected.matrix());
            assertThat(maxDifference(w.delta(), expected)).isLessThan(1e-13);
        }
    }

    @Test
    void theSharedFactorsGradientIsTheSumOverLayersAndMatchesFiniteDifferences() {
        LlamaModel model = TinyModels.llama(F64, 3);
        S2LoraAdapter adapter = create(model, "s2lora", F64);
        randomize(adapter, 2);
        SharedPair pair = adapter.pairs().get(0);
        List<SoraWeight> sharing = pair.modules().stream().map(p -> (SoraWeight) adapter.layers().get(p)).toList();
        Tensor[] xs = new Tensor[sharing.size()], rs = new Tensor[sharing.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Tensor.gaussian(F64, new Random(10 + i), 1, 3, 16);
            rs[i] = Tensor.gaussian(F64, new Random(20 + i), 1, 3, 16);
        }
        DoubleSupplier loss = () -> {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                s += dot(sharing.get(i).forward(xs[i]), rs[i]);
            }
            return s;
        };
        adapter.parameters().forEach(Parameter::zeroGradient);
        sharing.forEach(w -> w.gate().zeroGradient());
        for (int i = 0; i < xs.length; i++) {
            sharing.get(i).backward(rs[i], xs[i]);
        }
        double ea = relativeError(pair.a().gradient(), gradient(loss, pair.a().value()));
        double eb = relativeError(pair.b().gradient(), gradient(loss, pair.b().value()));
        double el = 0;
        for (SoraWeight w : sharing) {
            el = Math.max(el, relativeError(w.gate().gradient(), gradient(loss, w.gate().value())));
        }
        System.out.printf("S2-LoRA gradient check over %d layers sharing a pair: relative error dA %.2e, dB %.2e, max dλ %.2e%n", xs.length, ea, eb, el);
        assertThat(ea).isLessThan(1e-7);
        assertThat(eb).isLessThan(1e-7);
        assertThat(el).isLessThan(1e-7);
    }

    @Test
    void theProximalRuleZeroesSmallCoefficientsAndTheL1RuleShrinksAll() {
        LlamaModel model = TinyModels.llama(F64, 3);
        S2LoraAdapter prox = create(model, "s2lora:xi=0.5:init=normal", F64);
        Map<String, double[]> before = new LinkedHashMap<>();
        prox.layers().forEach((p, l) -> before.put(p, ((SoraWeight) l).gate().value().toDoubleArray()));
        prox.afterStep(0, 1, 1e-3, 1e-3); // zero task gradient: Adam does not move, the threshold acts
        prox.layers().forEach((p, l) -> {
            double[] was = before.get(p);
            Tensor now = ((SoraWeight) l).gate().value();
            for (int j = 0; j < was.length; j++) {
                assertThat(now.get(j)).isCloseTo(Math.signum(was[j]) * Math.max(Math.abs(was[j]) - 0.5, 0), org.assertj.core.data.Offset.offset(1e-12));
            }
        });
        assertThat(prox.report().get(0)).startsWith("S2-LoRA non-zero coefficients:");

        S2LoraAdapter l1 = create(model, "s2lora:sparsity=l1:mu=1", F64);
        l1.afterStep(0, 1, 1e-2, 1e-2); // gradient μ·sign(λ) only: Adam's first step moves each λ = 1 by the rate towards 0
        for (var l : l1.layers().values()) {
            for (int j = 0; j < 3; j++) {
                assertThat(((SoraWeight) l).gate().value().get(j)).isCloseTo(0.99, org.assertj.core.data.Offset.offset(1e-9));
            }
        }
    }

    @Test
    void saveLoadForwardReproducesTheLogitsPruningDeadComponentsAndMergingGivesTheSameModel(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        S2LoraAdapter adapter = create(model, "s2lora", F32);
        randomize(adapter, 3);
        SharedPair pair = adapter.pairs().get(1); // 8x16, v of both blocks: component 1 zero in every layer is dropped
        for (String path : pair.modules()) {
            ((SoraWeight) adapter.layers().get(path)).gate().value().set(1, 0);
        }
        ((SoraWeight) adapter.layers().get(adapter.pairs().get(0).modules().get(0))).gate().value().set(2, 0); // zero in one layer only: kept
        adapter.attach(ModulePaths.decoder(model));
        Tensor expected = model.forward(TOKENS, 1, TOKENS.length);
        VariantFolder.write(dir, adapter, List.of("q_proj", "v_proj", "o_proj"), "tiny");

        VariantFolder.Stored stored = VariantFolder.read(dir);
        assertThat(stored.root().get("peft_type").asText()).isEqualTo("LOWRANK4J_S2LORA");
        assertThat(stored.tensors().get("s2lora_shared_8x16").get("lora_A").shape()).containsExactly(2, 16);
        assertThat(stored.tensors().get("s2lora_shared_16x16").get("lora_A").shape()).containsExactly(3, 16);
        assertThat(stored.storedValues()).isEqualTo(adapter.trainableCount() - (16 + 8) - 2);
        LlamaModel fresh = TinyModels.llama(F32, 3);
        VariantAdapter loaded = VariantFolder.apply(stored, ModulePaths.decoder(fresh), F32);
        double diff = maxDifference(fresh.forward(TOKENS, 1, TOKENS.length), expected);
        System.out.printf("s2lora: save -> load -> forward max |logit difference| %.2e, %,d bytes on disk%n", diff, VariantFolder.bytesOnDisk(dir));
        assertThat(diff).isLessThanOrEqualTo(1e-6);
        assertThat(maxDifference(expected, TinyModels.llama(F32, 3).forward(TOKENS, 1, TOKENS.length))).as("the update acts").isGreaterThan(1e-4);
        assertThat(((S2LoraAdapter) loaded).pairs().get(0).a()).isSameAs(((SoraWeight) loaded.layers().values().iterator().next()).a());
        List<String> described = stored.variant().describe(stored.fields(), stored.tensors());
        assertThat(described.get(0)).contains("2 shared pair(s)");
        assertThat(described).anyMatch(s -> s.contains("s2lora_shared_8x16: rank 2 of 3"));

        loaded.mergeAndUnload(ModulePaths.decoder(fresh));
        assertThat(maxDifference(fresh.forward(TOKENS, 1, TOKENS.length), expected)).as("merged").isLessThan(1e-4);
    }

    @Test
    void aFolderWithATensorNoGroupListsIsRefusedInOneLine(@TempDir Path dir) throws IOException {
        LlamaModel model = TinyModels.llama(F32, 3);
        VariantFolder.write(dir, create(model, "s2lora", F32), List.of("q_proj", "v_proj", "o_proj"), "tiny");
        VariantFolder.Stored stored = VariantFolder.read(dir);
        Map<String, Map<String, StoredTensor>> tensors = new LinkedHashMap<>(stored.tensors());
        tensors.put("s2lora_shared_4x4", Map.of("lora_A", new StoredTensor(new int[] {1, 4}, new float[4])));
        assertThatThrownBy(() -> stored.variant().read(stored.fields(), tensors, ModulePaths.decoder(TinyModels.llama(F32, 3)), F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s2lora_shared_4x4").hasMessageNotContaining("\n");
    }

    @Test
    void aBudgetSizesTheSharedRankAndBadOptionsAreRefusedInOneLine() {
        LlamaModel model = TinyModels.llama(F32, 3);
        Map<String, Linear> t = targets(model, "q_proj", "v_proj"); // 16x16 and 8x16 pairs, 4 layers: 32 + 24 + 4 = 60 per rank
        VariantAdapter sized = AdapterVariants.byName("s2lora").create(t, VariantSpec.parse("s2lora:budget=200"), 4, 8, 7, F32);
        assertThat(sized.trainableCount()).isEqualTo(3L * 60).isLessThanOrEqualTo(200);
        assertThatThrownBy(() -> AdapterVariants.byName("s2lora").create(t, VariantSpec.parse("s2lora:budget=59"), 4, 8, 7, F32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget of 59").hasMessageContaining("costs 60")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> AdapterVariants.byName("s2lora").create(t, VariantSpec.parse("s2lora:rnak=2"), 4, 8, 7, F32))
                .hasMessageContaining("no option 'rnak'");
        assertThatThrownBy(() -> AdapterVariants.byName("s2lora").create(t, VariantSpec.parse("s2lora:mu=0.1"), 4, 8, 7, F32))
                .hasMessageContaining("mu does not apply to sparsity=prox");
        assertThatThrownBy(() -> AdapterVariants.byName("s2lora").create(t, VariantSpec.parse("s2lora:rank=9"), 4, 8, 7, F32))
                .hasMessageContaining("rank 9 is above min(in, out) = 8");
    }
}
