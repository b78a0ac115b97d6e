package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** Decoder recovery on a tiny random LLaMA: gradient of hidden-state MSE + next-token KL by finite differences, and a short run. */
class DistillDecoderTest {

    static LlamaModel teacher(Precision precision) {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(12).intermediateSize(20).numHiddenLayers(2).numAttentionHeads(2)
                .numKeyValueHeads(1).vocabSize(24).maxPositionEmbeddings(16).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, precision);
        Random random = new Random(3);
        for (Parameter p : model.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.value().set(i, p.value().rank() == 2 ? 0.4 * random.nextGaussian() : 1 + 0.1 * random.nextGaussian());
            }
        }
        return model;
    }

    /** The teacher with q, o, gate and down of every block replaced by random rank-3 factors. */
    static LlamaModel student(LlamaModel teacher) {
        LlamaModel student = LlamaModel.create(teacher.config(), teacher.precision());
        List<Parameter> from = teacher.parameters(), to = student.parameters();
        for (int i = 0; i < from.size(); i++) {
            to.get(i).value().copyFrom(from.get(i).value());
        }
        Random random = new Random(4);
        student.linearSites().forEach((name, linear) -> {
            if (name.endsWith("query") || name.endsWith("output") || name.endsWith("gate") || name.endsWith("down")) {
                replace(linear, 3, random);
            }
        });
        return student;
    }

    private static void replace(Linear linear, int rank, Random random) {
        Tensor a = Tensor.gaussian(linear.weight().precision(), random, 0.4, linear.outFeatures(), rank);
        Tensor b = Tensor.gaussian(linear.weight().precision(), random, 0.4, rank, linear.inFeatures());
        linear.setWeight(new LowRankWeight(new Parameter(linear.name() + ".A", a), new Parameter(linear.name() + ".B", b)));
    }

    /** Two windows of 7 tokens, all real. */
    static TokenBatch windows(long step) {
        Random random = new Random(50 + step);
        int[] ids = new int[14], mask = new int[14];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(24);
            mask[i] = 1;
        }
        return new TokenBatch(ids, new int[14], mask, 2, 7);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        LlamaModel teacher = teacher(Precision.FLOAT64);
        Distiller d = Distiller.decoder(teacher, student(teacher), DistillOptions.builder().trainNorms(true).outputWeight(0.6).build());
        TokenBatch batch = windows(0);
        d.computeGradients(batch);
        double worst = 0;
        for (Parameter p : d.trainableParameters()) {
            for (int i : new int[] {0, p.size() / 2, p.size() - 1}) {
                double saved = p.value().get(i), h = 1e-6;
                p.value().set(i, saved + h);
                double plus = d.loss(batch).total();
                p.value().set(i, saved - h);
                double minus = d.loss(batch).total();
                p.value().set(i, saved);
                double numeric = (plus - minus) / (2 * h), analytic = p.gradient().get(i);
                double error = Math.abs(analytic - numeric) / Math.max(1e-6, Math.abs(analytic) + Math.abs(numeric));
                worst = Math.max(worst, error);
                assertThat(error).as("%s[%d]: analytic %.9g, numeric %.9g", p.name(), i, analytic, numeric).isLessThan(1e-5);
            }
        }
        System.out.printf("decoder distillation gradient: %d parameters, worst relative error %.2e%n", d.trainableParameters().size(), worst);
    }

    @Test
    void aShortRunLowersTheLoss() throws Exception {
        LlamaModel teacher = teacher(Precision.FLOAT32);
        Distiller d = Distiller.decoder(teacher, student(teacher), DistillOptions.builder().steps(40).learningRate(3e-3).build());
        double before = d.loss(windows(0)).total();
        d.run(DistillDecoderTest::windows, Progress.NONE);
        double after = d.loss(windows(0)).total();
        System.out.printf("tiny decoder, 40 steps: loss on batch 0 %.4f -> %.4f%n", before, after);
        assertThat(after).isLessThan(0.9 * before);
    }
}
