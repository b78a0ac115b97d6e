package org.lowrank4j.nn.arch.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

class BertModelTest {
    static final BertConfig TINY = new BertConfig(50, 16, 2, 2, 24, 12, 2, 1e-12, MlpActivation.GELU_ERF);
    // two sequences of T=5, the second with two padding positions
    static final int[] IDS = {3, 17, 42, 8, 1, 7, 29, 11, 0, 0};
    static final int[] TYPES = {0, 0, 1, 1, 1, 0, 0, 1, 0, 0};
    static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};

    static BertModel random(BertConfig config, Precision precision, long seed) {
        BertModel model = BertModel.zeros(config, precision);
        GradientCheck.randomize(model, new Random(seed), 0.3);
        return model;
    }

    @Test
    void wholeModelGradientMatchesFiniteDifferencesInFloat64() {
        BertModel model = random(TINY, Precision.FLOAT64, 7);
        List<Parameter> parameters = model.parameters();
        assertThat(parameters).hasSize(5 + 2 * 16);
        double error = GradientCheck.check("BERT tiny (2 layers, padding)", () -> model.forward(IDS, TYPES, MASK, 2, 5),
                dy -> {
                    model.backward(dy);
                    return null;
                }, null, parameters, 11);
        assertThat(error).isLessThanOrEqualTo(GradientCheck.TOLERANCE);
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        BertModel wide = random(TINY, Precision.FLOAT64, 3);
        BertModel narrow = BertModel.zeros(TINY, Precision.FLOAT32);
        List<Parameter> from = wide.parameters(), to = narrow.parameters();
        for (int i = 0; i < from.size(); i++) {
            to.get(i).value().copyFrom(from.get(i).value());
        }
        Tensor a = wide.forward(IDS, TYPES, MASK, 2, 5), b = narrow.forward(IDS, TYPES, MASK, 2, 5);
        assertThat(b.hasShape(2, 5, 16)).isTrue();
        double max = 0;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, Math.abs(a.get(i) - b.get(i)));
        }
        System.out.printf("BERT tiny float32 vs float64 max abs diff %.2e%n", max);
        assertThat(max).isLessThan(1e-5);
    }

    @Test
    void paddingDoesNotChangeRealPositions() {
        BertModel model = random(TINY, Precision.FLOAT64, 5);
        Tensor padded = model.forward(IDS, TYPES, MASK, 2, 5);
        Tensor alone = model.forward(new int[] {7, 29, 11}, new int[] {0, 0, 1}, null, 1, 3);
        for (int i = 0; i < 3 * 16; i++) {
            assertThat(padded.get(5 * 16 + i)).isCloseTo(alone.get(i), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void runningTheFirstBlocksGivesTheirOutputsOfTheFullPass() {
        BertModel model = random(TINY, Precision.FLOAT64, 9);
        List<Tensor> full = model.forwardHiddenStates(IDS, TYPES, MASK, 2, 5);
        List<Tensor> first = model.forwardBlocks(IDS, TYPES, MASK, 2, 5, 1);
        assertThat(first).hasSize(1);
        assertThat(first.get(0).toDoubleArray()).containsExactly(full.get(0).toDoubleArray());
        assertThat(full).hasSize(2);
        assertThatThrownBy(() -> model.forwardBlocks(IDS, TYPES, MASK, 2, 5, 3)).hasMessageContaining("block count 3");
    }

    @Test
    void badInputsAreNamed() {
        BertModel model = BertModel.zeros(TINY, Precision.FLOAT32);
        assertThatThrownBy(() -> model.forward(new int[] {1, 2, 3}, null, null, 2, 2)).hasMessageContaining("(2, 2)");
        assertThatThrownBy(() -> model.forward(new int[13], null, null, 1, 13)).hasMessageContaining("exceeds the 12 positions");
        assertThatThrownBy(() -> model.forward(new int[] {1, 99}, null, null, 1, 2)).hasMessageContaining("token id 99");
        assertThatThrownBy(() -> new BertConfig(50, 16, 2, 3, 24, 12, 2, 1e-12, MlpActivation.GELU_ERF)).hasMessageContaining("heads");
    }
}
