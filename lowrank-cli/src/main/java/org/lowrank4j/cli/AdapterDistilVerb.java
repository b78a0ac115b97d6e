package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.adapt.finetune.SqueezeDistillation;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.formats.io.OutputPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank adapter distil}: an adapter folder (a squeezed one, usually) tuned to give another adapter's next-byte
 * distributions on a text. The same tuning as {@code adapter squeeze --tune-steps}, for a folder that is already squeezed,
 * so that a squeeze is computed once and tuned for as long as wanted.
 */
@Command(name = "distil", mixinStandardHelpOptions = true,
        description = {"Tune an adapter (e.g. a squeezed one) to give the --teacher adapter's next-byte distributions on a text (KL "
                + "divergence per position); writes a new folder with the adapter's ranks and config.",
                "On the two r = 16 adapters whose squeeze to a quarter of the values kept least of the gain (83.8 and 91.2%%), 150 "
                        + "steps from the compensated squeeze kept 95.3 and 96.1%% (results/lora-squeeze-compensated)."})
final class AdapterDistilVerb implements Callable<Integer> {
    @Option(names = "--adapter", required = true, description = "The PEFT adapter folder to tune (the student), e.g. the output of "
            + "adapter squeeze.")
    Path adapter;

    @Option(names = "--teacher", required = true, description = "The PEFT adapter folder whose distributions it learns, e.g. the one "
            + "that was squeezed.")
    Path teacher;

    @Option(names = "--model", required = true, description = "The decoder folder both adapters are for.")
    Path model;

    @Option(names = "--data", required = true, description = "Text to tune on (a .txt file or a folder); its head is used, the --held-out "
            + "tail that finetune and adapter perplexity score is left out.")
    Path data;

    @picocli.CommandLine.Mixin
    YearRange years = new YearRange();

    @Option(names = "--held-out", defaultValue = "0.1", description = "The tail of --data left out (default ${DEFAULT-VALUE}).")
    double heldOut;

    @Option(names = "--steps", defaultValue = "150", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate: warm-up over a tenth of the steps, cosine decay to a "
            + "tenth (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "4", description = "Windows of the model's context per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "7", description = "The order of the windows (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "The tuned adapter folder (new).")
    Path out;

    @Option(names = "--force", description = "Replace an existing OUT.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be 1 or more, got " + steps);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be 1 or more, got " + batch);
        }
        Inputs.positive("--lr", lr);
        OutputPlan.of("--out", out, force).input("--adapter", adapter).input("--teacher", teacher).check();
        DecoderFolder.requireModelFolder(model);
        PeftAdapter student = PeftFolder.read(adapter);
        PeftAdapter original = PeftFolder.read(teacher);
        try (FolderTokenizer tokenizer = FolderTokenizer.of(model)) {
            SqueezeDistillation.Outcome tuned = tune(model, tokenizer, original, student, years.read(data), heldOut, steps, batch, lr, seed);
            AdapterCommand.writeReplacing(out, staging -> PeftFolder.write(staging, tuned.adapter()));
            System.out.printf(Locale.ROOT, "distilled %d modules over %d steps: KL to the teacher %.4f -> %.4f nats per %s over %s; wrote %s%n",
                    tuned.adapter().modules().size(), steps, tuned.before(), tuned.after(), tokenizer.unit(), tuned.reportedOver(), out);
        }
        return 0;
    }

    /**
     * The tuning towards {@code teacher} on the model folder's own tokens, with a progress bar on stderr; also
     * {@code adapter squeeze --tune-steps}'s.
     */
    static SqueezeDistillation.Outcome tune(Path model, FolderTokenizer tokenizer, PeftAdapter teacher, PeftAdapter student, String text,
            double heldOut, int steps, int batch, double lr, long seed) throws java.io.IOException {
        ProgressBar bar = ProgressBar.stderr();
        return SqueezeDistillation.run(model, teacher, student, text, heldOut, steps, batch, lr, seed,
                r -> bar.update("distil", r.step() + 1, steps, String.format(Locale.ROOT, "KL %.4f", r.loss())), tokenizer.tokenizer());
    }
}
