package org.lowrank4j.adapt.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.adapt.FiniteDifferences.maxDifference;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** PiSSA (spec 04): residual + update = W, unchanged output at step 0, the residual's spectrum, the conversion to a plain adapter. */
class PissaTest {
    private static final int[] IDS = {87, 104, 97, 108, 101, 115, 32, 97, 110, 100};
    private static final List<String> TARGETS = List.of("q_proj", "v_proj", "o_proj", "down_proj");

    private static Tensor random(int out, int in, long seed) {
        Random random = new Random(seed);
        Tensor w = Tensor.zeros(Precision.FLOAT32, out, in);
        for (int i = 0; i < w.size(); i++) {
            w.set(i, random.nextGaussian());
        }
        return w;
    }

    private static DoubleMatrix matrix(Tensor t) {
        DoubleMatrix m = DoubleMatrix.zeros(t.dim(0), t.dim(1));
        for (int i = 0; i < t.dim(0); i++) {
            for (int j = 0; j < t.dim(1); j++) {
                m.set(i, j, t.get(i * t.dim(1) + j));
            }
        }
        return m;
    }

    @Test
    void residualPlusUpdateIsTheWeightAndHoldsTheTailSpectrum() {
        for (boolean rslora : new boolean[] {false, true}) {
            Tensor w = random(24, 16, 3);
            LoraAdapter adapter = Pissa.principal("m", "default", w, new LoraSettings(4, 8, 0, rslora));
            Tensor residual = Pissa.residual(w, adapter);
            double s = adapter.scale();
            double worst = 0;
            int r = 4, in = 16;
            for (int i = 0; i < 24; i++) {
                for (int j = 0; j < in; j++) {
                    double update = 0;
                    for (int k = 0; k < r; k++) {
                        update += adapter.b().value().get(i * r + k) * adapter.a().value().get(k * in + j);
                    }
                    worst = Math.max(worst, Math.abs(residual.get(i * in + j) + s * update - w.get(i * in + j)));
                }
            }
            SvdResult full = Linalg.backend().svd(matrix(w));
            SvdResult rest = Linalg.backend().svd(matrix(residual));
            System.out.printf("PiSSA (rslora=%s): max |W_res + s·B·A − W| %.2e; σ1(W_res) %.6f vs σ5(W) %.6f%n", rslora, worst, rest.s()[0],
                    full.s()[4]);
            assertThat(worst).isLessThan(1e-5);
            for (int k = 0; k < 12; k++) {
                assertThat(rest.s()[k]).isCloseTo(full.s()[k + 4], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void outputIsUnchangedAtStepZeroAndTheConvertedAdapterFitsTheOriginalBase() {
        LlamaModel model = TinyModels.llama(Precision.FLOAT32, 11);
        Tensor before = model.forward(IDS, 1, IDS.length);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        LoraSettings settings = LoraSettings.of(2, 4);
        LoraStart start = LoraStart.attach(lora, AdapterInit.PISSA, TARGETS, settings, 0);
        assertThat(start.layers()).isEqualTo(8);
        assertThat(start.adaptersAreBase()).isTrue();
        double atStart = maxDifference(model.forward(IDS, 1, IDS.length), before);
        lora.setEnabled(false);
        double residualOnly = maxDifference(model.forward(IDS, 1, IDS.length), before);
        lora.setEnabled(true);
        System.out.printf("PiSSA step 0: max |logit difference| %.2e (residual alone: %.2e)%n", atStart, residualOnly);
        assertThat(atStart).isLessThan(1e-5);
        assertThat(residualOnly).isGreaterThan(1e-3);

        // "training": move A and B; the written adapter (trained ⊕ −initial, rank 2r) on the original base gives the same model
        Random random = new Random(12);
        for (Parameter p : lora.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, p.value().get(i) + 0.05 * random.nextGaussian());
            }
        }
        Tensor tuned = model.forward(IDS, 1, IDS.length);
        PeftConfig config = PeftConfig.lora(settings, TARGETS, "tiny", "CAUSAL_LM");
        PeftAdapter written = start.written(config);
        assertThat(written.config().rank()).isEqualTo(4);
        LlamaModel original = TinyModels.llama(Precision.FLOAT32, 11);
        LoraModel plain = LoraModel.over(ModulePaths.decoder(original), 0);
        PeftFolder.apply(written, plain, "default", Precision.FLOAT32);
        double converted = maxDifference(original.forward(IDS, 1, IDS.length), tuned);
        System.out.printf("PiSSA converted adapter on the original base vs the tuned residual model: max |logit difference| %.2e%n", converted);
        assertThat(converted).isLessThan(1e-4);
        assertThat(maxDifference(tuned, before)).isGreaterThan(1e-3);
    }

    @Test
    void aRankWhoseDoubleExceedsTheLayerIsRefused() {
        LoraModel lora = LoraModel.over(ModulePaths.decoder(TinyModels.llama(Precision.FLOAT32, 1)), 0);
        assertThatThrownBy(() -> Pissa.initialize(lora, "default", TargetModules.names(List.of("k_proj")), m -> LoraSettings.of(6, 6)))
                .hasMessageContaining("2r = 12 > min(in, out) = 8").hasMessageNotContaining("\n");
    }
}
