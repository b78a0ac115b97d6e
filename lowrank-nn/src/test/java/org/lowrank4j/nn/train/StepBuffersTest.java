package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.StepBuffers;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Inside a training step the layers write their outputs into buffers kept from the step before ({@link StepBuffers});
 * the losses and gradients must be those of new tensors, bit for bit, over consecutive steps, a change of batch shape
 * and changing weights, and nothing outside a step may see a buffer twice.
 */
class StepBuffersTest {

    private static HfConfig llama(boolean tied) {
        return HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(8).intermediateSize(12).numHiddenLayers(2).numAttentionHeads(4)
                .numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(tied).build();
    }

    /**
     * Named model factories: LLaMA tied and untied, Qwen2's biases, Gemma 2's post-norms and soft-caps, Granite's residual
     * and logit scales, GPT-2 and OPT-350M's layout.
     */
    private static List<Object[]> families(Precision precision) {
        HfConfig qwen2 = HfConfig.builder(HfArchitecture.LLAMA).modelType("qwen2").hiddenSize(8).intermediateSize(12).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(11).maxPositionEmbeddings(16).tieWordEmbeddings(false).build();
        HfConfig gemma2 = NextTokenModelTest.gemma2(), granite = NextTokenModelTest.granite();
        HfConfig gpt2 = HfConfig.builder(HfArchitecture.GPT2).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).vocabSize(11)
                .maxPositionEmbeddings(16).build();
        HfConfig opt350 = HfConfig.parse("{\"model_type\": \"opt\", \"architectures\": [\"OPTForCausalLM\"], \"hidden_size\": 8, \"ffn_dim\": 12, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 2, \"vocab_size\": 11, \"max_position_embeddings\": 16, \"word_embed_proj_dim\": 6,"
                + " \"do_layer_norm_before\": false, \"activation_function\": \"relu\"}", "opt-350m-like test config");
        return List.of(
                new Object[] {"llama tied", (Supplier<CausalLanguageModel>) () -> LlamaModel.create(llama(true), precision)},
                new Object[] {"llama untied", (Supplier<CausalLanguageModel>) () -> LlamaModel.create(llama(false), precision)},
                new Object[] {"qwen2", (Supplier<CausalLanguageModel>) () -> LlamaModel.create(qwen2, precision)},
                new Object[] {"gemma2", (Supplier<CausalLanguageModel>) () -> LlamaModel.create(gemma2, precision)},
                new Object[] {"granite", (Supplier<CausalLanguageModel>) () -> LlamaModel.create(granite, precision)},
                new Object[] {"gpt2", (Supplier<CausalLanguageModel>) () -> new Gpt2Model(gpt2, precision)},
                new Object[] {"opt-350m layout", (Supplier<CausalLanguageModel>) () -> new Gpt2Model(opt350, precision)});
    }

    private static int[][] rows(int batch, int time, long seed) {
        Random random = new Random(seed);
        int[][] out = new int[batch][time];
        for (int[] row : out) {
            for (int t = 0; t < time; t++) {
                row[t] = random.nextInt(11);
            }
        }
        return out;
    }

    @Test
    void stepsWithReusedBuffersGiveTheLossesAndGradientsOfNewTensors() {
        // logits scored whole, or 5 positions at a time (so the last chunk is shorter), or one at a time (the position whose
        // target is ignored is then a chunk with nothing to count)
        for (long budget : new long[] {Long.MAX_VALUE, 5L * 11, 11L}) {
            for (Precision precision : List.of(Precision.FLOAT32, Precision.FLOAT64)) {
                for (Object[] family : families(precision)) {
                    String name = family[0] + " " + precision + ", logit budget " + budget;
                    @SuppressWarnings("unchecked")
                    Supplier<CausalLanguageModel> make = (Supplier<CausalLanguageModel>) family[1];
                    CausalLanguageModel reused = make.get(), fresh = make.get();
                    GradientCheck.randomize(reused, new Random(3), 0.5);
                    GradientCheck.randomize(fresh, new Random(3), 0.5);
                    NextTokenModel inStep = new NextTokenModel(reused, budget), plain = new NextTokenModel(fresh, budget);
                    int[][] shapes = {{2, 6}, {2, 6}, {3, 4}, {2, 6}, {2, 6}}; // a different batch shape in the middle, then back
                    for (int s = 0; s < shapes.length; s++) {
                        int[][] inputs = rows(shapes[s][0], shapes[s][1], 10 + s), targets = rows(shapes[s][0], shapes[s][1], 20 + s);
                        targets[1][s % shapes[s][1]] = SoftmaxCrossEntropy.DEFAULT_IGNORE_INDEX; // one position not scored
                        reused.zeroGradients();
                        fresh.zeroGradients();
                        double a = StepBuffers.during(() -> inStep.lossAndBackward(inputs, targets));
                        double b = plain.lossAndBackward(inputs, targets);
                        assertThat(a).as("%s, step %d: loss", name, s).isEqualTo(b);
                        List<Parameter> pa = reused.parameters(), pb = fresh.parameters();
                        for (int i = 0; i < pa.size(); i++) {
                            if (pa.get(i).isFrozen()) {
                                continue;
                            }
                            assertThat(pa.get(i).gradient().toDoubleArray()).as("%s, step %d: gradient of %s", name, s, pa.get(i).name())
                                    .containsExactly(pb.get(i).gradient().toDoubleArray());
                            sgd(pa.get(i));
                            sgd(pb.get(i));
                        }
                        assertThat(StepBuffers.during(() -> inStep.loss(inputs, targets))).as("%s, step %d: loss after the update", name, s)
                                .isEqualTo(plain.loss(inputs, targets));
                    }
                }
            }
        }
    }

    /** value −= 0.05·gradient, so that every step sees other weights. */
    private static void sgd(Parameter p) {
        Tensor v = p.value(), g = p.gradient();
        for (int j = 0; j < v.size(); j++) {
            v.set(j, v.get(j) - 0.05 * g.get(j));
        }
    }

    @Test
    void outsideAStepEveryForwardAndBackwardReturnsANewTensor() {
        Linear linear = Linear.dense("l", 4, 3, true, Precision.FLOAT32);
        RMSNorm norm = new RMSNorm("n", 4, 1e-6, Precision.FLOAT32);
        Tensor x = Tensor.zeros(Precision.FLOAT32, 2, 4), dy = Tensor.zeros(Precision.FLOAT32, 2, 3);
        x.fill(1);
        dy.fill(1);
        Tensor y1 = linear.forward(x), dx1 = linear.backward(dy), n1 = norm.forward(x), dn1 = norm.backward(x);
        Tensor y2 = linear.forward(x), dx2 = linear.backward(dy), n2 = norm.forward(x), dn2 = norm.backward(x);
        assertThat(List.of(y2, dx2, n2, dn2)).doesNotContain(y1, dx1, n1, dn1);
        Tensor[] inside = new Tensor[8];
        for (int step = 0; step < 2; step++) {
            int s = step;
            StepBuffers.during(() -> {
                inside[4 * s] = linear.forward(x);
                inside[4 * s + 1] = linear.backward(dy);
                inside[4 * s + 2] = norm.forward(x);
                inside[4 * s + 3] = norm.backward(x);
                return 0;
            });
        }
        for (int i = 0; i < 4; i++) {
            assertThat(inside[4 + i]).as("output %d of the second step", i).isSameAs(inside[i]);
        }
        assertThat(linear.forward(x)).as("after the steps").isNotSameAs(inside[0]);
    }

    @Test
    void aSlotKeepsTwoShapesInsideStepsAndLetsGoOutsideThem() {
        StepBuffers.Slot slot = new StepBuffers.Slot();
        Tensor[] t = new Tensor[4];
        StepBuffers.during(() -> {
            t[0] = slot.take(Precision.FLOAT32, 2, 3);
            t[1] = slot.take(Precision.FLOAT32, 1, 3); // a shorter last chunk
            t[2] = slot.take(Precision.FLOAT32, 2, 3);
            t[3] = slot.take(Precision.FLOAT32, 1, 3);
            return 0;
        });
        assertThat(t[2]).isSameAs(t[0]);
        assertThat(t[3]).isSameAs(t[1]).isNotSameAs(t[0]);
        assertThat(slot.take(Precision.FLOAT32, 2, 3)).as("outside a step").isNotSameAs(t[0]);
        assertThat(StepBuffers.during(() -> slot.take(Precision.FLOAT32, 2, 3) == t[0] ? 1 : 0)).as("released outside the step").isEqualTo(0);
    }

    @Test
    void theTrainersStepsReuseTheLayersBuffers() {
        LlamaModel model = LlamaModel.create(llama(true), Precision.FLOAT32);
        GradientCheck.randomize(model, new Random(5), 0.5);
        NextTokenModel language = new NextTokenModel(model);
        int[] tokens = new int[400];
        Random random = new Random(6);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(11);
        }
        Trainer trainer = new Trainer(language, new AdamW(language.parameters(), AdamW.Settings.fineTuning(0)),
                new TokenWindows(tokens, 11, 8, 7), null, TrainingOptions.of(2, 2, LearningRateSchedule.constant(1e-3)), null);
        Linear query = model.linearSites().get("block 0 attention.query");
        trainer.runStep();
        Tensor first = query.lastInput(); // the attention norm's output
        trainer.runStep();
        assertThat(query.lastInput()).as("the attention norm's output in the second step").isSameAs(first);
        int[][] inputs = rows(2, 8, 1), targets = rows(2, 8, 2);
        language.lossAndBackward(inputs, targets);
        assertThat(query.lastInput()).as("outside the trainer").isNotSameAs(first);
    }
}
