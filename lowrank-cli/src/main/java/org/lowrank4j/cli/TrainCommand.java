package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.nn.train.DecoderTraining;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingRequest;
import org.lowrank4j.nn.train.lowrank.MethodOptions;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.lowrank.TrainingMethods;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank train}: a LLaMA-style byte-level decoder trained from scratch on text ({@link DecoderTraining}). Writes
 * config.json, model.safetensors, tokenizer.json, checkpoint.safetensors (parameters, AdamW moments, step, data position)
 * and train-log.csv into the output folder; {@code --resume} continues from the checkpoint with the same losses.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a small LLaMA-style decoder (byte-level tokens) on text; writes a Hugging Face model folder.")
final class TrainCommand implements Callable<Integer> {
    static final String CHECKPOINT = DecoderTraining.CHECKPOINT;
    static final String LOG = DecoderTraining.LOG;
    static final String LOG_HEADER = DecoderTraining.LOG_HEADER;

    @Option(names = "--data", required = true, description = "Training text: a .txt file or a folder of them.")
    Path data;

    @Option(names = "--out", required = true, description = "Output model folder (created).")
    Path out;

    @picocli.CommandLine.Mixin
    YearRange years = new YearRange();

    @Option(names = "--hidden", defaultValue = "320", description = "Hidden size (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "6", description = "Decoder layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--heads", defaultValue = "8", description = "Attention heads (default ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "4", description = "Key/value heads (default ${DEFAULT-VALUE}).")
    int kvHeads;

    @Option(names = "--mlp", defaultValue = "864", description = "SwiGLU intermediate size (default ${DEFAULT-VALUE}).")
    int mlp;

    @Option(names = "--context", defaultValue = "256", description = "Context length in tokens (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--batch", defaultValue = "16", description = "Windows per micro-batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accumulation", defaultValue = "1", description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--steps", defaultValue = "1000", description = "Optimizer steps of the whole run (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--stop-after", hidden = true, description = "Stop once this many steps are done (the schedule still spans --steps); for testing resume.")
    Integer stopAfter;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "50", description = "Warmup steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine decay (default lr / 10).")
    Double minLr;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Clip the global gradient norm to this; 0 for none (default ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--validation-fraction", defaultValue = "0.05", description = "Tail of the text held out (default ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--validate-every", defaultValue = "0", description = "Validation loss every N steps; 0 for never (default ${DEFAULT-VALUE}).")
    int validateEvery;

    @Option(names = "--validation-batches", defaultValue = "8", description = "At most this many validation batches (default ${DEFAULT-VALUE}).")
    int validationBatches;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Checkpoint every N steps (and at the end; default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the initialisation and the data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init", description = "Start from this model folder's weights and architecture (a fresh optimizer, schedule "
            + "and data order); for continued training of a finished run.")
    Path init;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint.safetensors (the architecture comes from OUT/config.json).")
    boolean resume;

    @Option(names = "--method", defaultValue = "full", description = "full | galore | galore-dct | fira | sst | trp | maestro | sltrain | lost, options as NAME:KEY=VALUE, e.g. "
            + "galore:rank=64:gap=200:scale=0.25 (keys rank, gap, scale, rotate=0|1 to carry Adam's moments into each new basis; fira also alpha-in-residual=1|0). The low-rank methods keep "
            + "Adam's moments of the blocks' weight matrices in a rank-r projection; sst (keys rank, period) trains them as U·diag(σ)·Vᵀ, "
            + "trp (keys period, energy, nuclear) truncates them every period; maestro (keys lambda, threshold, shrink-every) trains them as "
            + "ordered factors U·V with low-rank ordered dropout, a group lasso and progressive shrinking; sltrain (rank, density, alpha) and lost (rank, density, "
            + "output-channels=0|1) train each block weight as low-rank plus sparse (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--arch", defaultValue = "llama", description = "llama | mamba (a selective state-space model: --hidden, --layers and --context apply, N = 16; docs/specs/dlrmamba.md) (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--force", description = "Start a new run in an OUT folder that already exists, replacing its model, checkpoint and log.")
    boolean force;

    /** Parses {@code --method} with the compression methods' spec parser and configures the training method. */
    static TrainingMethod trainingMethod(String text) {
        MethodSpec spec = MethodSpec.parse(text);
        return TrainingMethods.configure(spec.name(), new MethodOptions() {
            @Override
            public double number(String key, double fallback) {
                return spec.number(key, fallback);
            }

            @Override
            public int integer(String key, int fallback) {
                return spec.integer(key, fallback);
            }

            @Override
            public void requireAllRead() {
                spec.requireAllRead();
            }
        });
    }

    @Override
    public Integer call() throws Exception {
        if (!arch.equals("llama") && !arch.equals("mamba")) {
            throw new IllegalArgumentException("--arch must be llama or mamba, got " + arch);
        }
        TrainingRequest request = TrainingRequest.builder().data(data).out(out).from(years.from).to(years.to).hidden(hidden).layers(layers).heads(heads)
                .kvHeads(kvHeads).mlp(mlp).context(context).batch(batch).accumulation(accumulation).steps(steps).stopAfter(stopAfter)
                .learningRate(lr).warmup(warmup).minLearningRate(minLr).weightDecay(weightDecay).clip(clip).validationFraction(validationFraction)
                .validateEvery(validateEvery).validationBatches(validationBatches).checkpointEvery(checkpointEvery).seed(seed).init(init)
                .resume(resume).force(force).method(trainingMethod(method)).build();
        ProgressBar bar = ProgressBar.stderr();
        long total = stopAfter == null ? steps : Math.min(steps, stopAfter);
        TrainingListener progress = new TrainingListener() {
            @Override
            public void onStep(StepReport r) {
                bar.update("train", r.step() + 1, total, String.format(Locale.ROOT, "loss %.4f, %.0f tok/s", r.loss(), r.tokensPerSecond()));
            }
        };
        DecoderTraining.Summary s = "mamba".equals(arch) ? org.lowrank4j.nn.arch.mamba.MambaTraining.run(request, progress, bar::note)
                : DecoderTraining.run(request, progress, bar::note);
        System.out.println(s.memory().describe());
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f s (%.0f tokens/s); last loss %.4f%s; wrote %s%n", s.steps(), s.seconds(),
                s.steps() * s.tokensPerStep() / Math.max(s.seconds(), 1e-9), s.lastLoss(),
                Double.isNaN(s.lastValidationLoss()) ? "" : String.format(Locale.ROOT, ", validation loss %.4f", s.lastValidationLoss()), out);
        return 0;
    }
}
