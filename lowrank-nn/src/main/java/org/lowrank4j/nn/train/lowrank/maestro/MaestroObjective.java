package org.lowrank4j.nn.train.lowrank.maestro;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LanguageModel;

/**
 * Maestro's training objective on a model whose linear sites are {@link OrderedWeight}s. {@link #lossAndBackward}:
 * <ol>
 * <li>full pass: cross-entropy on the targets, backward; the detached softmax of its logits is kept;</li>
 * <li>partial pass: the sampler picks one (site, width) pair, that site runs at that width (all others full), and the
 * soft-target cross-entropy −(1/N)·Σ_n Σ_v t_nv·log softmax(z)_nv against the full pass's softmax t is
 * back-propagated (dz = (softmax(z) − t)/N); the width is restored;</li>
 * <li>λ·group lasso with its gradient.</li>
 * </ol>
 * It returns the sum of the three. {@link #loss} is the plain model's full-width cross-entropy (what validation sees).
 */
public final class MaestroObjective implements LanguageModel {
    private final CausalLanguageModel model;
    private final LanguageModel plain;
    private final MaestroSites sites;
    private final SoftmaxCrossEntropy crossEntropy = new SoftmaxCrossEntropy();

    public MaestroObjective(CausalLanguageModel model, LanguageModel plain, MaestroSites sites) {
        this.model = model;
        this.plain = plain;
        this.sites = sites;
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        int batch = inputs.length, time = batch == 0 ? 0 : inputs[0].length;
        int[] ids = new int[batch * time], next = new int[batch * time];
        if (batch == 0 || targets.length != batch) {
            throw new IllegalArgumentException("a batch needs as many target rows as input rows (at least one), got " + batch + " and " + targets.length);
        }
        for (int b = 0; b < batch; b++) {
            if (inputs[b].length != time || targets[b].length != time) {
                throw new IllegalArgumentException("batch row " + b + " has " + inputs[b].length + " inputs and " + targets[b].length
                        + " targets; every row needs " + time);
            }
            System.arraycopy(inputs[b], 0, ids, b * time, time);
            System.arraycopy(targets[b], 0, next, b * time, time);
        }
        double full = crossEntropy.forward(model.forward(ids, batch, time), next);
        model.backward(crossEntropy.backward(1.0));
        Tensor teacher = crossEntropy.probabilities();

        MaestroSites.Pair pair = sites.nextPair();
        OrderedWeight w = sites.weights().get(pair.site());
        double partial;
        w.setWidth(pair.width());
        try {
            Tensor logits = model.forward(ids, batch, time);
            Tensor dlogits = logits.zerosLike();
            partial = softCrossEntropy(logits, teacher, dlogits);
            model.backward(dlogits);
        } finally {
            w.setWidth(OrderedWeight.ALL);
        }
        return full + partial + sites.groupLassoAndBackward();
    }

    /**
     * −(1/N)·Σ_n Σ_v t_nv·log softmax(z_n)_v over the N rows of {@code logits} (..., V); writes its gradient
     * (softmax(z) − t)/N into {@code dlogits}.
     */
    static double softCrossEntropy(Tensor logits, Tensor target, Tensor dlogits) {
        int vocab = logits.dim(-1), rows = logits.size() / vocab;
        if (target.size() != logits.size()) {
            throw new IllegalArgumentException("soft cross-entropy: target of shape " + target.shapeString() + " for logits of shape " + logits.shapeString());
        }
        double[] z = logits.toDoubleArray(), t = target.toDoubleArray();
        double loss = 0;
        for (int n = 0; n < rows; n++) {
            int base = n * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                max = Math.max(max, z[base + c]);
            }
            double sum = 0;
            for (int c = 0; c < vocab; c++) {
                sum += Math.exp(z[base + c] - max);
            }
            double logSum = max + Math.log(sum);
            for (int c = 0; c < vocab; c++) {
                double logP = z[base + c] - logSum;
                loss -= t[base + c] * logP;
                dlogits.set(base + c, (Math.exp(logP) - t[base + c]) / rows);
            }
        }
        return loss / rows;
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        return plain.loss(inputs, targets);
    }

    @Override
    public List<Parameter> parameters() {
        return plain.parameters();
    }
}
