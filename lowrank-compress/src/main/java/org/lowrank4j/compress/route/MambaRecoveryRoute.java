package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.mamba.MambaRecovery;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.nn.train.TrainingListener;

/**
 * {@code recover} on a low-rank Mamba folder: {@link MambaRecovery} with the request's steps, batch, learning rate, text
 * and evaluation text; {@code --output-weight} is the KL term's weight (default 1, τ = 2) and {@code --state-weight} λ
 * (default 1). Both 0 is plain next-token fine-tuning of the same parameters, the baseline distillation is measured against.
 */
final class MambaRecoveryRoute {
    /** τ of the spec. */
    static final double TEMPERATURE = 2.0;

    private MambaRecoveryRoute() {
    }

    static RecoveryRun run(RecoveryRequest r, Path json, Listener listener) throws IOException {
        if (r.resume() || r.checkpoint() != null || r.tokenizer() != null || r.pela() != 0 || r.stopAfter() != null || r.maxTokens() != null
                || r.pooling() != null || !"joint".equals(r.schedule())) {
            throw new IllegalArgumentException("for Mamba folders recover takes --original, --compressed, --out, --text (--text-from/--text-to),"
                    + " --eval-text (--eval-max-bytes), --steps, --batch, --lr, --seed, --window, --output-weight and --state-weight;"
                    + " --resume, --checkpoint, --tokenizer, --pela, --schedule and the ONNX options do not apply");
        }
        int steps = r.steps() == null ? 300 : r.steps();
        double klWeight = r.outputWeight() == null ? 1 : r.outputWeight();
        double stateWeight = r.stateWeight() == null ? 1 : r.stateWeight();
        double[] losses = new double[steps];
        TrainingListener progress = new TrainingListener() {
            @Override
            public void onStep(StepReport s) {
                losses[(int) s.step()] = s.loss();
                listener.update("recover", s.step() + 1, steps, String.format(Locale.ROOT, "loss %.4f", s.loss()));
            }
        };
        MambaRecovery.Result m = MambaRecovery.run(new MambaRecovery.Request(r.original(), r.compressed(), r.out(), json, r.force(), steps,
                r.batch(), r.learningRate(), TEMPERATURE, klWeight, stateWeight, r.seed(), r.text(), r.textFrom(), r.textTo(), r.evalText(),
                null, null, r.evalMaxBytes(), r.window()), progress, listener::note);
        double last = 0;
        int counted = 0;
        for (int i = Math.max(0, steps - 10); i < steps; i++) {
            last += losses[i];
            counted++;
        }
        RecoveryResult result = new RecoveryResult(0, steps, steps, losses, m.firstLoss(), last / Math.max(1, counted), m.seconds());
        return new RecoveryRun(result, 0, r.out(), json, null, null, m.teacher(), m.before(), m.after(), java.util.List.of());
    }
}
