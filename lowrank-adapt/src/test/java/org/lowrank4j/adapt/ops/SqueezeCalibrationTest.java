package org.lowrank4j.adapt.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** The inputs an adapter's modules see: one Gram matrix per module, shared inputs give equal ones, and they sharpen the squeeze. */
class SqueezeCalibrationTest {
    /** An r = 4 adapter on q, k, v and o of the tiny decoder, B drawn so that the update is far from zero. */
    static PeftAdapter adapter(LlamaModel base) {
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 0);
        List<String> targets = List.of("q_proj", "k_proj", "v_proj", "o_proj");
        lora.addAdapter("default", TargetModules.names(targets), m -> LoraSettings.of(4, 8), new Random(6));
        Random random = new Random(7);
        for (Parameter p : lora.parameters()) {
            if (p.name().contains("lora_B")) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, 0.2 * random.nextGaussian());
                }
            }
        }
        return PeftFolder.capture(lora, "default", PeftConfig.lora(LoraSettings.of(4, 8), targets, "tiny", "CAUSAL_LM"));
    }

    @Test
    void everyModuleGetsTheGramMatrixOfItsInputs() {
        PeftAdapter adapter = adapter(TinyModels.llama(Precision.FLOAT32, 5));
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 5); // the same weights, no adapter attached yet
        int[] tokens = new int[base.maxPositions() * 3 + 1];
        Random random = new Random(2);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 32 + random.nextInt(90);
        }
        Map<String, DoubleMatrix> grams = SqueezeCalibration.grams(base, adapter, tokens, 3, false).inputs();
        assertThat(grams.keySet()).containsExactlyElementsOf(adapter.modules().keySet());
        for (Map.Entry<String, DoubleMatrix> e : grams.entrySet()) {
            assertGram(e.getValue(), adapter.modules().get(e.getKey()).in());
        }
        // q, k and v read the same normalised input, o another
        String layer = "model.layers.0.self_attn.";
        assertThat(grams.get(layer + "k_proj").data()).containsExactly(grams.get(layer + "q_proj").data());
        assertThat(grams.get(layer + "v_proj").data()).containsExactly(grams.get(layer + "q_proj").data());
        assertThat(grams.get(layer + "o_proj").data()).isNotEqualTo(grams.get(layer + "q_proj").data());
        // the squeeze calibrated on them runs and keeps its ranks
        Squeeze.Result result = Squeeze.apply(adapter, Squeeze.Target.rank(2), grams);
        assertThat(result.adapter().modules().values()).allSatisfy(f -> assertThat(f.rank()).isEqualTo(2));
        assertThatThrownBy(() -> SqueezeCalibration.grams(base, adapter, new int[10], 1, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("calibration text has 10 tokens");
    }
    @Test
    void theFisherWeightingAlsoGathersEachModulesOutputGradients() {
        PeftAdapter adapter = adapter(TinyModels.llama(Precision.FLOAT32, 5));
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 5);
        int[] tokens = new int[base.maxPositions() * 2 + 1];
        Random random = new Random(4);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 32 + random.nextInt(90);
        }
        SqueezeCalibration.Grams plain = SqueezeCalibration.grams(base, adapter, tokens, 2, false);
        SqueezeCalibration.Grams fisher = SqueezeCalibration.grams(TinyModels.llama(Precision.FLOAT32, 5), adapter, tokens, 2, true);
        assertThat(plain.outputGradients()).isNull();
        assertThat(fisher.outputGradients().keySet()).containsExactlyElementsOf(adapter.modules().keySet());
        for (String m : adapter.modules().keySet()) {
            // the backward leaves the forward's inputs as they were
            assertThat(fisher.inputs().get(m).data()).containsExactly(plain.inputs().get(m).data());
            assertGram(fisher.outputGradients().get(m), adapter.modules().get(m).out());
        }
        // q, k and v read one input but the loss reaches each through its own output
        String layer = "model.layers.0.self_attn.";
        assertThat(fisher.outputGradients().get(layer + "k_proj").data()).isNotEqualTo(fisher.outputGradients().get(layer + "v_proj").data());
        Squeeze.Result result = Squeeze.apply(adapter, Squeeze.Target.rank(2), fisher.inputs(), fisher.outputGradients());
        assertThat(result.adapter().modules().values()).allSatisfy(f -> assertThat(f.rank()).isEqualTo(2));
    }

    /** size × size, a positive diagonal, symmetric to rounding relative to its largest diagonal entry. */
    private static void assertGram(DoubleMatrix g, int size) {
        assertThat(g.rows()).isEqualTo(size);
        assertThat(g.cols()).isEqualTo(size);
        double largest = 0;
        for (int i = 0; i < size; i++) {
            assertThat(g.get(i, i)).isPositive();
            largest = Math.max(largest, g.get(i, i));
        }
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                assertThat(g.get(i, j)).isCloseTo(g.get(j, i), org.assertj.core.data.Offset.offset(1e-12 * largest));
            }
        }
    }
}
