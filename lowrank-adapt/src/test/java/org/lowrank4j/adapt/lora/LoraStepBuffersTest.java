package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.finetune.AdapterLanguageModel;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LanguageModel;

/**
 * LoRA branches inside a training step keep their masks, inputs and products in buffers from the step before
 * ({@link StepBuffers}); the losses and adapter gradients must be those of new tensors, bit for bit, with dropout on.
 */
class LoraStepBuffersTest {

    private record Adapted(LoraModel lora, LanguageModel language) {}

    private static Adapted adapted(double dropout) {
        LlamaModel base = TinyModels.llama(Precision.FLOAT32, 3);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(base), 11);
        lora.addAdapter("default", TargetModules.names(List.of("q_proj", "k_proj", "v_proj", "o_proj")),
                m -> new LoraSettings(4, 8, dropout, false), new Random(5));
        Random random = new Random(6);
        for (LoraWeight w : lora.adaptedLayers().values()) { // B starts at zero: give every branch a gradient into A
            Tensor b = w.adapter("default").b().value();
            for (int i = 0; i < b.size(); i++) {
                b.set(i, 0.2 * random.nextGaussian());
            }
        }
        lora.freezeOthers();
        lora.setTraining(true);
        return new Adapted(lora, new AdapterLanguageModel(new LlamaLanguageModel(base), lora));
    }

    private static int[][] rows(int batch, int time, int vocab, long seed) {
        Random random = new Random(seed);
        int[][] out = new int[batch][time];
        for (int[] row : out) {
            for (int t = 0; t < time; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return out;
    }

    @Test
    void branchesWithReusedBuffersGiveTheGradientsOfNewTensors() {
        for (double dropout : new double[] {0, 0.25}) {
            Adapted reused = adapted(dropout), fresh = adapted(dropout);
            int vocab = TinyModels.llamaConfig().vocabSize();
            int[][] shapes = {{2, 6}, {2, 6}, {3, 5}, {2, 6}};
            for (int s = 0; s < shapes.length; s++) {
                int[][] inputs = rows(shapes[s][0], shapes[s][1], vocab, 20 + s), targets = rows(shapes[s][0], shapes[s][1], vocab, 30 + s);
                for (Adapted m : List.of(reused, fresh)) {
                    m.lora().dropout().setPass(s);
                    m.language().zeroGradients();
                }
                double a = StepBuffers.during(() -> reused.language().lossAndBackward(inputs, targets));
                double b = fresh.language().lossAndBackward(inputs, targets);
                assertThat(a).as("dropout %s, step %d: loss", dropout, s).isEqualTo(b);
                List<Parameter> pa = reused.language().parameters(), pb = fresh.language().parameters();
                assertThat(pa).hasSize(4 * 2 * 2); // A and B of q, k, v and o in each of the 2 layers
                for (int i = 0; i < pa.size(); i++) {
                    assertThat(pa.get(i).gradient().toDoubleArray()).as("dropout %s, step %d: %s", dropout, s, pa.get(i).name())
                            .containsExactly(pb.get(i).gradient().toDoubleArray());
                    for (Parameter p : List.of(pa.get(i), pb.get(i))) { // value −= 0.05·gradient: each step sees other adapters
                        for (int j = 0; j < p.size(); j++) {
                            p.value().set(j, p.value().get(j) - 0.05 * p.gradient().get(j));
                        }
                    }
                }
            }
        }
    }
}
