package org.lowrank4j.compress.runtime;

import java.util.Map;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.eval.LogisticProbe;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The empirical Fisher of every site's weight for an encoder with a labelled task (spec c02, per-sample variant).
 * An encoder has no loss of its own, so the task supplies one, as in the paper, which compresses task-tuned BERTs:
 *
 * <ol>
 *   <li>the frozen encoder embeds every task text: {@code e_d = pool(h_L)}, L2-normalised when the task says so;</li>
 *   <li>a logistic-regression head ({@link LogisticProbe}, l2 {@value #HEAD_L2}, as {@code eval}'s probe) is fitted on
 *       {@code (e_d, y_d)}; the encoder is not fine-tuned;</li>
 *   <li>for each text d alone: {@code L_d = −log p(y_d | e_d)}, back through the head, the normalisation and the pooling
 *       into the encoder, and {@code (∂L_d/∂W)²} is added to each site's Fisher sum ({@link LayerStats#accumulateFisher}).</li>
 * </ol>
 * Gradients are zeroed before each text and after the last; weights are not touched.
 */
public final class EncoderFisherStatistics {
    /** The head's L2 strength: the one {@code eval}'s probe uses, so the loss is that of the probe it reports. */
    public static final double HEAD_L2 = 0.3;

    /** What the Fisher was taken from: texts, tokens, and how well the head fits its training texts. */
    public record Summary(String source, int texts, long tokens, double headTrainingAccuracy) {
    }

    private EncoderFisherStatistics() {
    }

    /**
     * @param stats statistics per site name, one object per site (as {@link RuntimeCalibration#collect} returns)
     * @throws IllegalStateException when a site's weight is not dense (Fisher is taken on the original model)
     */
    public static Summary accumulate(EncoderRuntime runtime, EncoderTask task, Map<String, LayerStats> stats, Progress progress) {
        BertModel model = runtime.model();
        FisherStatistics.requireDenseWithStatistics(runtime.sites(), stats);
        int n = task.size();
        float[][] features = new float[n][];
        for (int d = 0; d < n; d++) {
            progress.update("fisher: embed task texts", d, n, "");
            double[] e = embed(model, task, d);
            features[d] = new float[e.length];
            for (int c = 0; c < e.length; c++) {
                features[d][c] = (float) e[c];
            }
        }
        LogisticProbe head = LogisticProbe.fit(features, task.labels(), HEAD_L2);
        double accuracy = head.accuracy(features, task.labels());
        long tokens = 0;
        try {
            for (int d = 0; d < n; d++) {
                progress.update("fisher", d, n, "");
                model.zeroGradients();
                int[] ids = task.ids().get(d);
                int time = ids.length, width = model.config().hiddenSize();
                Tensor h = model.forward(ids, task.types().get(d), null, 1, time); // (1,T,C)
                double[] pooled = pool(h, time, width, task.pooling());
                double[] dPooled = head.lossGradient(task.normalize() ? normalized(pooled) : pooled, task.labels()[d]);
                if (task.normalize()) {
                    dPooled = throughNormalisation(pooled, dPooled);
                }
                model.backward(spread(dPooled, time, width, task.pooling(), model.precision()));
                FisherStatistics.addSquaredGradients(runtime.sites(), stats);
                tokens += time;
            }
            progress.update("fisher", n, n, "");
        } finally {
            model.zeroGradients();
        }
        return new Summary(task.source(), n, tokens, accuracy);
    }

    /** The head's input for text d: the pooled last_hidden_state, normalised when the task asks. */
    static double[] embed(BertModel model, EncoderTask task, int d) {
        int[] ids = task.ids().get(d);
        double[] pooled = pool(model.forward(ids, task.types().get(d), null, 1, ids.length), ids.length, model.config().hiddenSize(), task.pooling());
        return task.normalize() ? normalized(pooled) : pooled;
    }

    /** pool(h) for one text without padding: the mean over its T tokens, or token 0 (C). */
    static double[] pool(Tensor h, int time, int width, Pooling pooling) {
        double[] e = new double[width];
        int tokens = pooling == Pooling.CLS ? 1 : time;
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < width; c++) {
                e[c] += h.get(t * width + c);
            }
        }
        for (int c = 0; c < width; c++) {
            e[c] /= tokens;
        }
        return e;
    }

    /** ∂L/∂h (1,T,C) from ∂L/∂pool(h): each pooled token receives {@code de / tokens}. */
    static Tensor spread(double[] de, int time, int width, Pooling pooling, Precision precision) {
        Tensor g = Tensor.zeros(precision, 1, time, width);
        int tokens = pooling == Pooling.CLS ? 1 : time;
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < width; c++) {
                g.set(t * width + c, de[c] / tokens);
            }
        }
        return g;
    }

    static double[] normalized(double[] e) {
        double norm = norm(e);
        double[] u = new double[e.length];
        for (int c = 0; c < e.length; c++) {
            u[c] = e[c] / norm;
        }
        return u;
    }

    /** ∂L/∂e from ∂L/∂u with u = e/‖e‖: {@code (du − (du·u) u) / ‖e‖}. */
    static double[] throughNormalisation(double[] e, double[] du) {
        double norm = norm(e), dot = 0;
        for (int c = 0; c < e.length; c++) {
            dot += du[c] * e[c] / norm;
        }
        double[] de = new double[e.length];
        for (int c = 0; c < e.length; c++) {
            de[c] = (du[c] - dot * e[c] / norm) / norm;
        }
        return de;
    }

    private static double norm(double[] e) {
        double s = 0;
        for (double v : e) {
            s += v * v;
        }
        if (!(s > 0) || !Double.isFinite(s)) {
            throw new IllegalStateException("the pooled embedding has norm " + Math.sqrt(s) + "; it cannot be normalised");
        }
        return Math.sqrt(s);
    }
}
