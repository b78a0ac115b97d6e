package org.lowrank4j.nn.arch.llama;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingOptions;

/** The LLaMA decoder as a trainable language model: loss gradients and a few optimizer steps. */
class LlamaLanguageModelTest {

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
    void lossGradientsMatchFiniteDifferencesInFloat64() {
        LlamaModel model = LlamaModel.create(LlamaModelTest.tiny(), Precision.FLOAT64);
        GradientCheck.randomize(model, new Random(31), 0.4);
        LlamaLanguageModel lm = new LlamaLanguageModel(model);
        int[][] inputs = rows(2, 5, model.vocabSize(), 32), targets = rows(2, 5, model.vocabSize(), 33);
        lm.zeroGradients();
        double loss = lm.lossAndBackward(inputs, targets);
        assertThat(loss).isEqualTo(lm.loss(inputs, targets));
        double worst = 0;
        for (Parameter p : lm.parameters()) {
            Tensor analytic = p.gradient().copy();
            worst = Math.max(worst, GradientCheck.checkScalar("LLaMA loss wrt " + p.name(), () -> lm.loss(inputs, targets), analytic, p.value()));
        }
        assertThat(worst).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void lossAndBackwardAgreesWithTheModelsOwnBackward() {
        LlamaModel model = LlamaModel.create(LlamaModelTest.tinyQwen2(), Precision.FLOAT64);
        GradientCheck.randomize(model, new Random(41), 0.4);
        LlamaLanguageModel lm = new LlamaLanguageModel(model);
        int[][] inputs = rows(2, 6, model.vocabSize(), 42), targets = rows(2, 6, model.vocabSize(), 43);
        lm.zeroGradients();
        double loss = lm.lossAndBackward(inputs, targets);
        List<Tensor> viaWrapper = lm.parameters().stream().map(p -> p.gradient().copy()).toList();

        lm.zeroGradients();
        int[] ids = new int[12], next = new int[12];
        for (int b = 0; b < 2; b++) {
            System.arraycopy(inputs[b], 0, ids, b * 6, 6);
            System.arraycopy(targets[b], 0, next, b * 6, 6);
        }
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        assertThat(ce.forward(model.forward(ids, 2, 6), next)).isEqualTo(loss);
        model.backward(ce.backward(1.0));
        for (int i = 0; i < viaWrapper.size(); i++) {
            assertThat(GradientCheck.compare(viaWrapper.get(i), lm.parameters().get(i).gradient())).isLessThanOrEqualTo(1e-12);
        }
    }

    @Test
    void aFewTrainerStepsReduceTheLoss() {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(16).intermediateSize(32).numHiddenLayers(1).numAttentionHeads(2)
                .numKeyValueHeads(1).vocabSize(12).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(7));
        LlamaLanguageModel lm = new LlamaLanguageModel(model);
        int[] tokens = new int[400];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 5 + i / 7) % 12; // a learnable pattern
        }
        TokenWindows windows = new TokenWindows(tokens, 12, 8, 3);
        double before = lm.loss(windows.sequentialBatches(4, 4).get(0).inputs(), windows.sequentialBatches(4, 4).get(0).targets());
        AdamW adam = new AdamW(lm.parameters(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.0));
        Trainer trainer = new Trainer(lm, adam, windows, null, TrainingOptions.of(4, 30, LearningRateSchedule.constant(1e-2)),
                TrainingListener.NONE);
        List<TrainingListener.StepReport> reports = trainer.run();
        TokenWindows.Batch first = windows.sequentialBatches(4, 4).get(0);
        double after = lm.loss(first.inputs(), first.targets());
        assertThat(reports).hasSize(30);
        assertThat(reports.get(29).loss()).isLessThan(reports.get(0).loss() * 0.7);
        assertThat(after).isLessThan(before * 0.7);
    }
}
