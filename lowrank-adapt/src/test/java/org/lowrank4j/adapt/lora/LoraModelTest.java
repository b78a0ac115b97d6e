package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.dot;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** Adapters attached to a whole decoder by PEFT's target rules; gradients through the model; merge agreement. */
class LoraModelTest {
    private static final int[] IDS = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33};

    private static void randomizeB(LoraModel lora, long seed) {
        Random random = new Random(seed);
        for (Parameter p : lora.parameters()) {
            if (p.name().contains("lora_B")) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, 0.3 * random.nextGaussian());
                }
            }
        }
    }

    @Test
    void targetsFollowPeftRules() {
        LlamaModel model = TinyModels.llama(Precision.FLOAT32, 1);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        List<String> paths = lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(4, 8),
                new Random(2));
        assertThat(paths).containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
        assertThat(TargetModules.regex(".*\\.1\\.mlp\\.(up|down)_proj").select(lora.modules().keySet()))
                .containsExactly("model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj");
        assertThat(TargetModules.names(List.of("o_proj")).inLayers(List.of(1)).select(lora.modules().keySet()))
                .containsExactly("model.layers.1.self_attn.o_proj");
        assertThat(TargetModules.patternValue(Map.of("layers\\.1\\.self_attn\\.q_proj", 2), "model.layers.1.self_attn.q_proj")).isEqualTo(2);
        assertThat(TargetModules.patternValue(Map.of("q_proj", 2), "model.layers.1.self_attn.k_proj")).isNull();
        assertThat(TargetModules.patternValue(Map.of("proj", 2), "model.layers.1.self_attn.q_proj")).isNull();
        assertThat(lora.parameters()).hasSize(8);
        assertThat(lora.parameters().get(0).name()).isEqualTo("model.layers.0.self_attn.q_proj.lora_A.default.weight");
        assertThatThrownBy(() -> lora.addAdapter("x", TargetModules.names(List.of("query")), m -> LoraSettings.of(4, 8), new Random(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("match none of the model's 14 linear layers")
                .hasMessageContaining("model.layers.0.self_attn.q_proj");
        assertThatThrownBy(() -> lora.addAdapter("x", TargetModules.names(List.of("k_proj")), m -> LoraSettings.of(9, 8), new Random(1)))
                .hasMessageContaining("rank 9 for model.layers.0.self_attn.k_proj is above min(in, out) = 8");
    }

    @Test
    void adapterGradientsThroughTheDecoderMatchFiniteDifferences() {
        LlamaModel model = TinyModels.llama(Precision.FLOAT64, 3);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj", "down_proj")), m -> LoraSettings.of(2, 4), new Random(4));
        lora.freezeOthers();
        randomizeB(lora, 5);
        Tensor r = Tensor.gaussian(Precision.FLOAT64, new Random(6), 1, 2, 6, 256);
        model.zeroGradients();
        lora.zeroGradients();
        model.forward(IDS, 2, 6);
        model.backward(r);
        java.util.function.DoubleSupplier loss = () -> dot(model.forward(IDS, 2, 6), r);
        double worst = 0;
        for (Parameter p : lora.parameters()) {
            // a few entries per tensor keep the check fast
            for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 5)) {
                double original = p.value().get(i);
                p.value().set(i, original + 1e-5);
                double plus = loss.getAsDouble();
                p.value().set(i, original - 1e-5);
                double minus = loss.getAsDouble();
                p.value().set(i, original);
                double numeric = (plus - minus) / 2e-5;
                double analytic = p.gradient().get(i);
                worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric)));
            }
        }
        System.out.printf("decoder LoRA gradient check: max relative error %.2e%n", worst);
        assertThat(worst).isLessThan(1e-6);
    }

    @Test
    void withTheBaseFrozenTheLowestBlockSkipsItsInputGradientAndTheAdapterGradientsStayTheSame() {
        double[][] full = adapterGradients(false), skipped = adapterGradients(true);
        for (int i = 0; i < full.length; i++) {
            assertThat(skipped[i]).containsExactly(full[i]);
        }
    }

    /**
     * Every adapter gradient of one backward through a float64 decoder with LoRA on q, k, v and o; {@code freezeBase}
     * freezes every parameter but A and B, so block 0 skips the products back to the frozen embedding.
     */
    private static double[][] adapterGradients(boolean freezeBase) {
        LlamaModel model = TinyModels.llama(Precision.FLOAT64, 3);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "k_proj", "v_proj", "o_proj")), m -> LoraSettings.of(2, 4),
                new Random(4));
        lora.freezeOthers();
        randomizeB(lora, 5);
        if (freezeBase) {
            Parameter.freezeAllBut(model.parameters(), lora.parameters());
        }
        model.zeroGradients();
        lora.zeroGradients();
        model.forward(IDS, 2, 6);
        model.backward(Tensor.gaussian(Precision.FLOAT64, new Random(6), 1, 2, 6, 256));
        List<Parameter> params = lora.parameters();
        double[][] out = new double[params.size()][];
        for (int k = 0; k < out.length; k++) {
            out[k] = new double[params.get(k).size()];
            for (int i = 0; i < out[k].length; i++) {
                out[k][i] = params.get(k).gradient().get(i);
            }
        }
        assertThat(model.parameters().stream().filter(p -> p.name().startsWith("model.embed")).allMatch(p -> p.hasGradient() != freezeBase))
                .isTrue();
        return out;
    }

    @Test
    void mergedAndUnmergedForwardsAgree() {
        LlamaModel model = TinyModels.llama(Precision.FLOAT32, 7);
        Tensor baseLogits = model.forward(IDS, 1, IDS.length);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        lora.addAdapter("default", TargetModules.regex("all-linear"), m -> LoraSettings.of(4, 8), new Random(8));
        randomizeB(lora, 9);
        Tensor adapted = model.forward(IDS, 1, IDS.length);
        assertThat(maxDifference(adapted, baseLogits)).isGreaterThan(1e-3);
        lora.merge("default");
        Tensor merged = model.forward(IDS, 1, IDS.length);
        double diff = maxDifference(adapted, merged);
        System.out.printf("decoder merged vs unmerged logits: max |difference| %.2e%n", diff);
        assertThat(diff).isLessThan(1e-5);
        lora.unmerge();
        lora.setEnabled(false);
        assertThat(model.forward(IDS, 1, IDS.length).toDoubleArray()).containsExactly(baseLogits.toDoubleArray());
        lora.setEnabled(true);
        lora.mergeAndUnload("default");
        assertThat(model.linearSites().values()).allSatisfy(l -> assertThat(l.weight()).isInstanceOf(DenseWeight.class));
        assertThat(maxDifference(model.forward(IDS, 1, IDS.length), adapted)).isLessThan(1e-5);
    }
}
