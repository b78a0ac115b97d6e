package org.lowrank4j.adapt.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.FiniteDifferences;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** The classifier's gradients (head, pooling, LoRA inside the encoder) against central differences in float64, and its metrics. */
class SequenceClassifierTest {
    private static final int[][] TEXTS = {TinyEncoders.ids("abca"), TinyEncoders.ids("dd"), TinyEncoders.ids("bacdab")}; // padded batch
    private static final int[] LABELS = {0, 2, 1};

    private static SequenceClassifier classifier(EncoderPooling pooling, LoraModel[] loraOut) {
        BertModel encoder = TinyEncoders.random(Precision.FLOAT64, 3);
        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), 0);
        lora.addAdapter("default", TargetModules.names(List.of("query", "value", "intermediate.dense")), m -> new LoraSettings(3, 6, 0, false),
                new Random(4));
        lora.freezeOthers();
        Random random = new Random(5);
        for (LoraAdapter a : lora.adapter("default").values()) { // B = 0 would hide A's gradient: both random
            Tensor b = a.b().value();
            for (int i = 0; i < b.size(); i++) {
                b.set(i, 0.2 * random.nextGaussian());
            }
        }
        SequenceClassifier c = new SequenceClassifier(encoder, pooling, SequenceClassifier.zeroHead(encoder, 3));
        for (Parameter p : c.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, 0.5 * random.nextGaussian());
            }
        }
        loraOut[0] = lora;
        return c;
    }

    @Test
    void headPoolingAndAdapterGradientsMatchFiniteDifferences() {
        for (EncoderPooling pooling : EncoderPooling.values()) {
            LoraModel[] lora = new LoraModel[1];
            SequenceClassifier c = classifier(pooling, lora);
            List<Parameter> params = new java.util.ArrayList<>(lora[0].parameters());
            params.addAll(c.parameters());
            params.forEach(Parameter::zeroGradient);
            c.lossAndBackward(TEXTS, LABELS);
            double worst = 0;
            for (Parameter p : params) {
                Tensor numeric = FiniteDifferences.gradient(() -> c.loss(TEXTS, LABELS), p.value());
                double error = FiniteDifferences.relativeError(p.gradient(), numeric);
                assertThat(numeric.norm()).as(p.name() + " has a gradient to check").isGreaterThan(1e-6);
                assertThat(error).as(pooling + " " + p.name()).isLessThan(1e-6);
                worst = Math.max(worst, error);
            }
            System.out.printf("%s pooling: %d parameters (LoRA A, B and head), worst relative gradient error %.2e%n", pooling, params.size(), worst);
        }
    }

    @Test
    void paddingDoesNotChangeATextsLogits() {
        LoraModel[] lora = new LoraModel[1];
        SequenceClassifier c = classifier(EncoderPooling.MEAN, lora);
        Tensor together = c.logits(TEXTS);
        Tensor alone = c.logits(new int[][] {TEXTS[1]});
        for (int j = 0; j < 3; j++) {
            assertThat(alone.get(j)).isCloseTo(together.get(3 + j), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void metricsCountAccuracyAndMacroF1() {
        // truth 0 0 1 1 2, predicted 0 1 1 1 0: class 0 F1 = 2·1/(2+2) = 0.5, class 1 = 2·2/(3+2) = 0.8, class 2 = 0
        ClassificationMetrics m = ClassificationMetrics.of(new int[] {0, 1, 1, 1, 0}, new int[] {0, 0, 1, 1, 2}, 3);
        assertThat(m.accuracy()).isEqualTo(0.6);
        assertThat(m.perClassF1()).containsExactly(0.5, 0.8, 0.0);
        assertThat(m.macroF1()).isCloseTo(1.3 / 3, org.assertj.core.data.Offset.offset(1e-15));
    }
}
