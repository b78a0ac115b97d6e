package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.algorithms.turbovbi.BayesianPruning;
import org.lowrank4j.algorithms.turbovbi.PruningRequest;
import org.lowrank4j.algorithms.turbovbi.SparsityPattern;
import org.lowrank4j.algorithms.turbovbi.TurboVbiOptions;
import org.lowrank4j.nn.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank bayes-prune}: structured Bayesian pruning (Turbo-VBI, spec 20) of a LLaMA-style decoder's MLPs, or the
 * magnitude baselines at the same zeros ({@link BayesianPruning}). Writes an ordinary decoder folder with the pruned
 * weights stored as zeros, and pruning.json.
 */
@Command(name = "bayes-prune", mixinStandardHelpOptions = true,
        description = "Prune a decoder's MLPs by Turbo-VBI (a Bayesian fine-tune with a clustered, neuron-level support prior) or by magnitude; "
                + "writes a decoder folder (pruned weights as zeros) and pruning.json.")
final class BayesPruneCommand implements Callable<Integer> {
    private static final TurboVbiOptions DEFAULTS = TurboVbiOptions.defaults();

    @Option(names = "--model", required = true, description = "Decoder folder (config.json + model.safetensors), e.g. models/sotu-decoder.")
    Path model;

    @Option(names = "--out", required = true, description = "Output folder for the pruned decoder.")
    Path out;

    @Option(names = "--method", defaultValue = "turbo-vbi", description = "turbo-vbi | magnitude | magnitude-neuron | keep-zeros (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--data", description = "Fine-tuning text: a .txt file or a folder (needed when --steps > 0).")
    Path data;

    @picocli.CommandLine.Mixin
    YearRange years = new YearRange();

    @Option(names = "--steps", defaultValue = "100", description = "Fine-tune steps; 0 prunes without one (not for turbo-vbi) (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Windows per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "10", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data order and the weight noise (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--match", description = "magnitude methods: prune as many weights per projection as this pruning.json records.")
    Path match;

    @Option(names = "--sparsity", description = "magnitude methods without --match: fraction of every MLP projection to prune.")
    Double sparsity;

    @Option(names = "--active-std", description = "turbo-vbi: std of the active weights' prior; weights well below it are pruned (default 0.02).")
    Double activeStd;

    @Option(names = "--inactive-std", description = "turbo-vbi: std of the inactive weights' prior (default 0.002).")
    Double inactiveStd;

    @Option(names = "--p11", description = "turbo-vbi: P(next weight active | this one active) along a neuron (default 0.95).")
    Double p11;

    @Option(names = "--p00", description = "turbo-vbi: P(next weight inactive | this one inactive) (default 0.95).")
    Double p00;

    @Option(names = "--neuron-prior", description = "turbo-vbi: prior P(neuron active); 1 turns neuron pruning off (default 0.5).")
    Double neuronPrior;

    @Option(names = "--prior-weight", description = "turbo-vbi: weight of the prior against the data term (default 1).")
    Double priorWeight;

    @Option(names = "--update-every", description = "turbo-vbi: steps between turbo updates (default 10).")
    Integer updateEvery;

    @Option(names = "--turbo-rounds", description = "turbo-vbi: module A/B rounds per update (default 3).")
    Integer turboRounds;

    @Option(names = "--force", description = "Replace an existing --out folder.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        TurboVbiOptions options = new TurboVbiOptions(or(activeStd, DEFAULTS.activeStd()), or(inactiveStd, DEFAULTS.inactiveStd()),
                or(p11, DEFAULTS.stayActive()), or(p00, DEFAULTS.stayInactive()), or(neuronPrior, DEFAULTS.neuronPrior()),
                or(priorWeight, DEFAULTS.priorWeight()), updateEvery == null ? DEFAULTS.updateEvery() : updateEvery,
                turboRounds == null ? DEFAULTS.turboRounds() : turboRounds, DEFAULTS.initialStd());
        PruningRequest request = new PruningRequest(model, out, method, data, years.from, years.to, steps, batch, lr, warmup, seed, match, sparsity, options, force);
        ProgressBar bar = ProgressBar.stderr();
        TrainingListener progress = new TrainingListener() {
            @Override
            public void onStep(StepReport r) {
                bar.update(method, r.step() + 1, steps, String.format(Locale.ROOT, "objective %.4f, %.0f tok/s", r.loss(), r.tokensPerSecond()));
            }
        };
        BayesianPruning.Outcome outcome = BayesianPruning.run(request, progress, bar::note);
        SparsityPattern p = outcome.pattern();
        System.out.printf(Locale.ROOT, "%s: %,d of %,d MLP weights zero (%.2f%%), %d of %d neurons removed, %,d runs of zeros (mean length %.1f); wrote %s%n",
                method, p.zeros(), p.weights(), 100 * p.sparsity(), p.neuronsRemoved(), p.neurons(), p.zeroRuns(), p.meanZeroRun(), out);
        return 0;
    }

    private static double or(Double value, double fallback) {
        return value == null ? fallback : value;
    }
}
