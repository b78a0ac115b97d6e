package org.lowrank4j.algorithms.turbovbi;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.Parameterization;
import org.lowrank4j.nn.weight.VariationalWeight;

/**
 * Turbo-VBI as a training parameterization: every MLP projection becomes a {@link VariationalWeight} (μ from the
 * model, log σ² = log initialStd²), the training objective is the negative ELBO per token,
 * {@code NLL(sampled W) + priorScale·Σ [E[ρ]·(μ² + σ²)/2 − ½ log σ²]}, and every {@code updateEvery} micro-batches
 * (training steps when there is no gradient accumulation, as in {@link BayesianPruning}; and once at install) the turbo rounds update q(ρ), q(s) and the chains of each MLP ({@link MlpSupport}) from the
 * current μ, σ². Validation uses W = μ. Attention, embeddings and norms train as they are.
 */
public final class TurboVbiTraining implements Parameterization {
    private final TurboVbiOptions options;
    private final double priorScale;
    private final List<MlpSupport> mlps = new ArrayList<>();
    private final List<VariationalWeight> weights = new ArrayList<>();
    private final List<MlpSites> sites = new ArrayList<>();
    private double lastPriorTerm = Double.NaN;

    /**
     * @param priorScale the prior term's factor in the per-token objective: priorWeight / (training tokens)
     */
    public TurboVbiTraining(TurboVbiOptions options, double priorScale) {
        if (!(priorScale > 0) || !Double.isFinite(priorScale)) {
            throw new IllegalArgumentException("turbo-vbi: prior scale must be finite and > 0, got " + priorScale);
        }
        this.options = options;
        this.priorScale = priorScale;
    }

    @Override
    public void install(CausalLanguageModel model, long seed) {
        long stream = seed;
        for (MlpSites mlp : MlpSites.of(model)) {
            VariationalWeight[] v = new VariationalWeight[3];
            List<Linear> linears = mlp.linears();
            for (int m = 0; m < 3; m++) {
                Linear linear = linears.get(m);
                v[m] = new VariationalWeight(linear.name(), linear.weight().toDense(), 2 * Math.log(options.initialStd()), stream++);
                linear.setWeight(v[m]);
                weights.add(v[m]);
            }
            mlps.add(new MlpSupport(v[0], v[1], v[2], options));
            sites.add(mlp);
        }
        update();
    }

    /** The turbo rounds of every MLP. */
    public void update() {
        mlps.parallelStream().forEach(MlpSupport::update);
    }

    public List<MlpSupport> mlps() {
        return List.copyOf(mlps);
    }

    public List<MlpSites> sites() {
        return List.copyOf(sites);
    }

    /** The prior term of the latest training step (already scaled), NaN before the first. */
    public double lastPriorTerm() {
        return lastPriorTerm;
    }

    @Override
    public LanguageModel objective(CausalLanguageModel model, LanguageModel plain) {
        return new LanguageModel() {
            private long steps;

            @Override
            public double lossAndBackward(int[][] inputs, int[][] targets) {
                if (steps > 0 && steps % options.updateEvery() == 0) {
                    update();
                }
                steps++;
                sampling(true);
                double loss = plain.lossAndBackward(inputs, targets);
                double prior = 0;
                for (VariationalWeight w : weights) {
                    prior += w.addPriorTerm(priorScale);
                }
                lastPriorTerm = prior;
                sampling(false);
                return loss + prior;
            }

            @Override
            public double loss(int[][] inputs, int[][] targets) {
                sampling(false);
                return plain.loss(inputs, targets);
            }

            @Override
            public List<Parameter> parameters() {
                return plain.parameters();
            }
        };
    }

    private void sampling(boolean on) {
        for (VariationalWeight w : weights) {
            w.sampling(on);
        }
    }
}
