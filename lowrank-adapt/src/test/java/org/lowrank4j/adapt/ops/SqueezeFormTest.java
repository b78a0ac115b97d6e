package org.lowrank4j.adapt.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.nn.tensor.Precision;

/** Each squeeze form runs the squeeze it names, and a form that cannot run is refused in the options' words. */
class SqueezeFormTest {
    private static final Squeeze.Target TARGET = Squeeze.Target.rank(2);

    @Test
    void eachFormGivesTheSqueezeItNames() {
        PeftAdapter adapter = SqueezeCalibrationTest.adapter(TinyModels.llama(Precision.FLOAT32, 5));
        int[] tokens = CompensatedSqueezeTest.tokens(TinyModels.llama(Precision.FLOAT32, 5).maxPositions() * 3 + 1, new Random(3));

        assertSame(SqueezeForm.PLAIN.apply(adapter, TARGET, null, null, null), Squeeze.apply(adapter, TARGET));
        SqueezeCalibration.Grams inputs = SqueezeCalibration.grams(TinyModels.llama(Precision.FLOAT32, 5), adapter, tokens, 3, false);
        assertSame(new SqueezeForm(SqueezeForm.Weighting.INPUTS, false, 3).apply(adapter, TARGET, TinyModels.llama(Precision.FLOAT32, 5), tokens, null),
                Squeeze.apply(adapter, TARGET, inputs.inputs()));
        SqueezeCalibration.Grams fisher = SqueezeCalibration.grams(TinyModels.llama(Precision.FLOAT32, 5), adapter, tokens, 3, true);
        assertSame(new SqueezeForm(SqueezeForm.Weighting.FISHER, false, 3).apply(adapter, TARGET, TinyModels.llama(Precision.FLOAT32, 5), tokens, null),
                Squeeze.apply(adapter, TARGET, fisher.inputs(), fisher.outputGradients()));
        assertSame(new SqueezeForm(SqueezeForm.Weighting.FISHER, true, 3).apply(adapter, TARGET, TinyModels.llama(Precision.FLOAT32, 5), tokens, null),
                CompensatedSqueeze.apply(TinyModels.llama(Precision.FLOAT32, 5), adapter, TARGET, tokens, 3, true, null));
        // the window count is the form's: two windows calibrate otherwise than three
        Squeeze.Result two = new SqueezeForm(SqueezeForm.Weighting.INPUTS, false, 2).apply(adapter, TARGET, TinyModels.llama(Precision.FLOAT32, 5),
                tokens, null);
        assertThat(two.adapter().modules().values().iterator().next().a())
                .isNotEqualTo(Squeeze.apply(adapter, TARGET, inputs.inputs()).adapter().modules().values().iterator().next().a());
        assertThat(new SqueezeForm(SqueezeForm.Weighting.FISHER, true, 3).describe()).isEqualTo("compensated Fisher-weighted");
        assertThat(SqueezeForm.PLAIN.describe()).isEqualTo("plain");
    }

    @Test
    void aFormThatCannotRunIsRefused() {
        assertThatThrownBy(() -> new SqueezeForm(SqueezeForm.Weighting.NONE, true, 64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("compensated squeeze is calibrated");
        assertThatThrownBy(() -> new SqueezeForm(SqueezeForm.Weighting.INPUTS, false, 0)).hasMessageContaining("--calibration-windows must be at least 1");
        assertThatThrownBy(() -> SqueezeForm.Weighting.parse("--squeeze-weighting", "hessian"))
                .hasMessageContaining("--squeeze-weighting hessian: use fisher, inputs or none");
        assertThat(SqueezeForm.Weighting.parse("--weighting", " Fisher")).isEqualTo(SqueezeForm.Weighting.FISHER);
        PeftAdapter adapter = SqueezeCalibrationTest.adapter(TinyModels.llama(Precision.FLOAT32, 5));
        assertThatThrownBy(() -> new SqueezeForm(SqueezeForm.Weighting.FISHER, false, 3).apply(adapter, TARGET, null, null, null))
                .hasMessageContaining("the Fisher-weighted squeeze needs a decoder and calibration text");
    }

    private static void assertSame(Squeeze.Result actual, Squeeze.Result expected) {
        assertThat(actual.adapter().config().toJson()).isEqualTo(expected.adapter().config().toJson());
        for (Map.Entry<String, LoraFactors> e : expected.adapter().modules().entrySet()) {
            LoraFactors a = actual.adapter().modules().get(e.getKey());
            assertThat(a.a()).as(e.getKey()).containsExactly(e.getValue().a());
            assertThat(a.b()).as(e.getKey()).containsExactly(e.getValue().b());
            assertThat(a.alpha()).isEqualTo(e.getValue().alpha());
        }
    }
}
