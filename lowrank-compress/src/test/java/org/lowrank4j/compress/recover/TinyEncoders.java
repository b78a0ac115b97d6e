package org.lowrank4j.compress.recover;

import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** Tiny random BERT teachers and factorised students, and deterministic random batches, for the recovery tests. */
final class TinyEncoders {
    static final BertConfig CONFIG = new BertConfig(40, 12, 2, 2, 20, 10, 2, 1e-12, MlpActivation.GELU_ERF);

    private TinyEncoders() {
    }

    /** A random dense teacher: matrices ~ N(0, 0.3²), biases ~ N(0, 0.1²), norm weights ~ 1 + N(0, 0.1²). */
    static BertModel teacher(Precision precision, long seed) {
        BertModel model = BertModel.zeros(CONFIG, precision);
        Random random = new Random(seed);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean normWeight = p.name().contains("norm") && p.name().endsWith(".weight");
            for (int i = 0; i < v.size(); i++) {
                double g = random.nextGaussian();
                v.set(i, v.rank() == 2 ? 0.3 * g : normWeight ? 1 + 0.1 * g : 0.1 * g);
            }
        }
        return model;
    }

    /**
     * A copy of the teacher in which the query, attention output and MLP-up projections of every block are replaced by
     * rank-{@code rank} factors: the truncated product of the teacher weight with a random perturbation, as compression
     * would leave them (named {@code <linear>.A}, {@code <linear>.B} like {@link org.lowrank4j.nn.arch.bert.BertOnnx}).
     */
    static BertModel student(BertModel teacher, int rank, long seed) {
        BertModel student = BertModel.zeros(CONFIG, teacher.precision());
        List<Parameter> from = teacher.parameters(), to = student.parameters();
        for (int i = 0; i < from.size(); i++) {
            to.get(i).value().copyFrom(from.get(i).value());
        }
        Random random = new Random(seed);
        for (int l = 0; l < CONFIG.layers(); l++) {
            List<Linear> linears = student.linears(l);
            for (int which : new int[] {0, 3, 4}) {
                Linear linear = linears.get(which);
                int out = linear.outFeatures(), in = linear.inFeatures();
                Tensor a = Tensor.gaussian(teacher.precision(), random, 0.4, out, rank);
                Tensor b = Tensor.gaussian(teacher.precision(), random, 0.4, rank, in);
                linear.setWeight(new LowRankWeight(new Parameter(linear.name() + ".A", a), new Parameter(linear.name() + ".B", b)));
            }
        }
        return student;
    }

    /**
     * Batch {@code step} of a source of four named texts (lengths 6, 4, 5, 3, right-padded), two per batch in an order that
     * changes with the step, so that a text meets different partners and paddings.
     */
    static TokenBatch namedBatch(long step) {
        int[][] texts = {{2, 5, 7, 9, 11, 13}, {3, 6, 9, 12}, {4, 8, 15, 16, 23}, {30, 31, 32}};
        int first = (int) (step % 4), second = (int) ((step * 3 + 1) % 4);
        if (second == first) {
            second = (first + 1) % 4;
        }
        int[] rows = {first, second};
        int time = Math.max(texts[first].length, texts[second].length);
        int[] ids = new int[2 * time], types = new int[ids.length], mask = new int[ids.length];
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < texts[rows[b]].length; t++) {
                ids[b * time + t] = texts[rows[b]][t];
                mask[b * time + t] = 1;
            }
        }
        return new TokenBatch(ids, types, mask, 2, time, rows);
    }

    /** Batch {@code step}: two sequences of length ≤ 6, the second padded, ids from a seed that depends on the step. */
    static TokenBatch batch(long step) {
        Random random = new Random(1000 + step);
        int batch = 2, time = 6;
        int[] ids = new int[batch * time], types = new int[ids.length], mask = new int[ids.length];
        int[] lengths = {time, 3 + random.nextInt(3)};
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                boolean real = t < lengths[b];
                ids[b * time + t] = real ? 1 + random.nextInt(CONFIG.vocabSize() - 1) : 0;
                types[b * time + t] = real && t > 2 ? 1 : 0;
                mask[b * time + t] = real ? 1 : 0;
            }
        }
        return new TokenBatch(ids, types, mask, batch, time);
    }
}
