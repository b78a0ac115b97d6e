package org.lowrank4j.adapt.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.ops.Squeeze;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/** Continued tuning of a squeezed adapter towards the original's next-byte distributions. */
class SqueezeDistillationTest {
    private static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj");

    @Test
    void theKlGradientReachesTheStudentOnlyAndMatchesCentralDifferences() {
        LlamaModel model = TinyModels.llama(Precision.FLOAT64, 5);
        PeftAdapter teacher = teacher();
        PeftAdapter student = Squeeze.apply(teacher, Squeeze.Target.rank(1)).adapter();
        SqueezeDistillation.Objective objective = SqueezeDistillation.attach(model, teacher, student, Precision.FLOAT64, 0);
        List<Parameter> trained = objective.parameters();
        int[][] inputs = windows(2, 12, new Random(3));
        double loss = objective.lossAndBackward(inputs, inputs);
        assertThat(loss).isPositive(); // the rank-1 squeeze gives other distributions
        for (LoraAdapter a : objective.lora.adapter(SqueezeDistillation.TEACHER).values()) {
            for (Parameter p : a.parameters()) {
                assertThat(p.isFrozen()).isTrue();
            }
        }
        Random pick = new Random(9);
        int checked = 0;
        for (Parameter p : trained) {
            for (int trial = 0; trial < 2; trial++) {
                int i = pick.nextInt(p.size());
                double v = p.value().get(i), h = 1e-5;
                p.value().set(i, v + h);
                double up = objective.loss(inputs, inputs);
                p.value().set(i, v - h);
                double down = objective.loss(inputs, inputs);
                p.value().set(i, v);
                double numeric = (up - down) / (2 * h);
                assertThat(p.gradient().get(i)).as(p.name() + "[" + i + "]").isCloseTo(numeric, Offset.offset(1e-6 + 1e-4 * Math.abs(numeric)));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(2 * trained.size());
    }

    @Test
    void tuningBringsTheStudentsDistributionsTowardsTheTeachers() {
        PeftAdapter teacher = teacher();
        Map<String, org.lowrank4j.adapt.peft.LoraFactors> halved = new LinkedHashMap<>(); // a student off by half of every update
        for (Map.Entry<String, org.lowrank4j.adapt.peft.LoraFactors> e : teacher.modules().entrySet()) {
            org.lowrank4j.adapt.peft.LoraFactors f = e.getValue();
            float[] b = f.b().clone();
            for (int i = 0; i < b.length; i++) {
                b[i] *= 0.5f;
            }
            halved.put(e.getKey(), new org.lowrank4j.adapt.peft.LoraFactors(f.rank(), f.in(), f.out(), f.a(), b, f.alpha()));
        }
        PeftAdapter student = new PeftAdapter(teacher.config(), halved);
        int[] tokens = tokens(TinyModels.llama(Precision.FLOAT32, 5).maxPositions() * 64 + 1, new Random(2));
        int context = TinyModels.llama(Precision.FLOAT32, 5).maxPositions();
        int[] tail = tokens(context * 4 + 1, new Random(8)); // a held-out tail of four windows, not trained on
        int[][] heldOut = new int[4][];
        for (int i = 0; i < 4; i++) {
            heldOut[i] = java.util.Arrays.copyOfRange(tail, i * context, (i + 1) * context);
        }
        assertThat(divergence(teacher, teacher, heldOut)).isCloseTo(0, Offset.offset(1e-9)); // an adapter against itself
        double before = divergence(teacher, student, heldOut);
        SqueezeDistillation.Outcome outcome = SqueezeDistillation.run(TinyModels.llama(Precision.FLOAT32, 5), teacher, student, tokens, tail, 40,
                4, 1e-2, 7, null);
        double after = divergence(teacher, outcome.adapter(), heldOut);
        System.out.printf("KL to the teacher on the held-out windows: %.5f before, %.5f after 40 steps (reported %.5f -> %.5f)%n",
                before, after, outcome.before(), outcome.after());
        assertThat(after).isLessThan(0.5 * before);
        // what the run reports is the divergence over the held-out windows
        assertThat(outcome.heldOut()).isTrue();
        assertThat(outcome.windows()).isEqualTo(4);
        assertThat(outcome.reportedOver()).isEqualTo("4 windows of the held-out tail");
        assertThat(outcome.before()).isCloseTo(before, Offset.offset(1e-6 * before));
        assertThat(outcome.after()).isCloseTo(after, Offset.offset(1e-6 * before));
        // with no tail long enough, the report falls back to the first training windows and says so
        SqueezeDistillation.Outcome noTail = SqueezeDistillation.run(TinyModels.llama(Precision.FLOAT32, 5), teacher, student, tokens,
                new int[context], 1, 4, 1e-2, 7, null);
        assertThat(noTail.heldOut()).isFalse();
        assertThat(noTail.reportedOver()).isEqualTo("the text's first 16 windows (the held-out tail is shorter than one window)");
        assertThat(outcome.adapter().config().rank()).isEqualTo(4);
        assertThat(outcome.adapter().modules().keySet()).containsExactlyElementsOf(teacher.modules().keySet());

        assertThatThrownBy(() -> SqueezeDistillation.run(TinyModels.llama(Precision.FLOAT32, 5), teacher, student, tokens, null, 0, 2, 1e-2, 7, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tune-steps >= 1");
        Map<String, org.lowrank4j.adapt.peft.LoraFactors> fewer = new LinkedHashMap<>(student.modules());
        fewer.remove(fewer.keySet().iterator().next());
        PeftAdapter partial = new PeftAdapter(student.config(), fewer);
        assertThatThrownBy(() -> SqueezeDistillation.run(TinyModels.llama(Precision.FLOAT32, 5), teacher, partial, tokens, null, 1, 2, 1e-2, 7, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adapts other modules than the teacher");
        assertThatThrownBy(() -> SqueezeDistillation.run(TinyModels.llama(Precision.FLOAT32, 5), teacher, student, new int[5], null, 1, 2, 1e-2, 7, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distillation text has 5 tokens");
    }

    /** Mean KL(teacher ‖ student) per position over the given windows. */
    private static double divergence(PeftAdapter teacher, PeftAdapter student, int[][] windows) {
        return SqueezeDistillation.attach(TinyModels.llama(Precision.FLOAT32, 5), teacher, student, Precision.FLOAT32, 0).loss(windows, windows);
    }

    private static PeftAdapter teacher() {
        LoraModel lora = LoraModel.over(ModulePaths.decoder(TinyModels.llama(Precision.FLOAT32, 5)), 0);
        lora.addAdapter("default", TargetModules.names(TARGETS), m -> LoraSettings.of(4, 8), new Random(6));
        Random random = new Random(7);
        for (Parameter p : lora.parameters()) {
            if (p.name().contains("lora_B")) {
                for (int i = 0; i < p.size(); i++) {
                    p.value().set(i, 0.5 * random.nextGaussian());
                }
            }
        }
        return PeftFolder.capture(lora, "default", PeftConfig.lora(LoraSettings.of(4, 8), TARGETS, "tiny", "CAUSAL_LM"));
    }

    private static int[] tokens(int n, Random random) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = 32 + random.nextInt(90);
        }
        return tokens;
    }

    private static int[][] windows(int count, int length, Random random) {
        int[][] w = new int[count][];
        for (int i = 0; i < count; i++) {
            w[i] = tokens(length, random);
        }
        return w;
    }
}
