package org.lowrank4j.adapt.finetune;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.SoftmaxDivergence;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * LoRA-Squeeze's continued tuning with the adapter that was squeezed as the teacher: the squeezed adapter (the student)
 * trains to give the next-byte distributions the original adapter gives, KL(p_teacher ‖ p_student) averaged over the
 * positions of windows of the text, instead of the text's own next bytes. What a squeeze should keep is the original
 * adapter's behaviour, and its full distribution at every position says more per window than the one byte that follows.
 *
 * <p>Both adapters sit on one decoder; each step runs the teacher's forward, then the student's forward and backward.
 * Only the student's A and B train (AdamW, no weight decay, gradient norm clipped at 1, linear warm-up over a tenth of
 * the steps, cosine decay to a tenth of the rate), without dropout.
 */
public final class SqueezeDistillation {
    static final String TEACHER = "teacher";
    static final String STUDENT = "default";

    /** Windows over which the divergence is reported before and after (at most; fewer in a short text). */
    public static final int REPORT_WINDOWS = 16;

    /**
     * @param adapter  the tuned student, in the squeezed adapter's config (ranks, α, patterns)
     * @param before   the mean KL divergence (nats per position) over the report's windows, before
     * @param after    the same after the tuning
     * @param windows  how many windows the report covers
     * @param heldOut  whether they are windows of the held-out tail (else the first windows of the training text, when the
     *                 tail is shorter than one window)
     */
    public record Outcome(PeftAdapter adapter, double before, double after, int windows, boolean heldOut) {
        /** Which windows the two divergences are over, for a printout. */
        public String reportedOver() {
            return heldOut ? windows + " windows of the held-out tail"
                    : "the text's first " + windows + " windows (the held-out tail is shorter than one window)";
        }
    }

    private SqueezeDistillation() {
    }

    /**
     * The tuning on the head of a text (its tail of share {@code heldOut}, the part {@code lowrank finetune} and
     * {@code adapter perplexity} score, is left out).
     *
     * @param modelFolder a LLaMA-family decoder folder
     * @param tokenizer   its tokenizer (null: bytes)
     */
    public static Outcome run(java.nio.file.Path modelFolder, PeftAdapter teacher, PeftAdapter student, String text, double heldOut, int steps,
            int batch, double lr, long seed, Consumer<TrainingListener.StepReport> progress, org.lowrank4j.nn.generate.Tokenizer tokenizer)
            throws java.io.IOException {
        TokenWindows.Split split = org.lowrank4j.adapt.ops.SqueezeCalibration.split(text, heldOut, tokenizer); // the text encoded once
        return run(LlamaModel.load(modelFolder, Precision.FLOAT32), teacher, student, split.train(), split.validation(), steps, batch, lr, seed,
                progress);
    }

    /**
     * @param model    a fresh byte-level decoder with the adapters' base weights (it carries both adapters afterwards)
     * @param teacher  the adapter before the squeeze
     * @param student  the squeezed adapter (its targets must be the teacher's)
     * @param tokens   the text's training head (not the text an evaluation will score)
     * @param heldOut  the tokens the divergence is reported on, up to {@link #REPORT_WINDOWS} windows of them (the text's
     *                 held-out tail); null or shorter than one window: the first windows of {@code tokens} instead
     * @param steps    optimizer steps (at least 1)
     * @param batch    windows of the model's context per step
     * @param lr       peak learning rate
     * @param seed     the windows' order
     * @param progress told each step's report, or null
     * @throws IllegalArgumentException for adapters that do not fit the model or each other, bad step counts or rates, or a
     *                                  text shorter than one window
     */
    public static Outcome run(LlamaModel model, PeftAdapter teacher, PeftAdapter student, int[] tokens, int[] heldOut, int steps, int batch,
            double lr, long seed, Consumer<TrainingListener.StepReport> progress) {
        if (steps < 1 || batch < 1 || !(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("distillation needs --tune-steps >= 1, a batch >= 1 and a positive learning rate, got "
                    + steps + ", " + batch + " and " + lr);
        }
        if (!teacher.modules().keySet().equals(student.modules().keySet())) {
            String onlyStudent = student.modules().keySet().stream().filter(m -> !teacher.modules().containsKey(m)).findFirst().orElse(null);
            String onlyTeacher = teacher.modules().keySet().stream().filter(m -> !student.modules().containsKey(m)).findFirst().orElse(null);
            throw new IllegalArgumentException("the adapter to tune adapts other modules than the teacher ("
                    + (onlyStudent != null ? "it adapts " + onlyStudent + ", which the teacher does not" : "it lacks the teacher's " + onlyTeacher)
                    + "); give one with the teacher's modules, e.g. a squeeze of the teacher");
        }
        int context = model.defaultWindow();
        if (tokens.length < context + 1) {
            throw new IllegalArgumentException("the distillation text has " + tokens.length + " tokens (its held-out tail left out); one window of "
                    + context + " tokens needs " + (context + 1) + ": give a longer --data");
        }
        Objective objective = attach(model, teacher, student, Precision.FLOAT32, seed);
        List<Parameter> trained = objective.parameters();
        AdamW adam = new AdamW(trained, AdamW.Settings.fineTuning(0));
        LearningRateSchedule schedule = new LearningRateSchedule(lr, lr / 10, Math.max(1, steps / 10), steps);
        TokenWindows windows = new TokenWindows(tokens, model.vocabSize(), context, seed);
        windows.requireBatchFits("--batch (--tune-batch of adapter squeeze)", batch, "the distillation text (its held-out tail left out)");
        boolean onHeldOut = heldOut != null && heldOut.length >= context + 1;
        List<TokenWindows.Batch> report = (onHeldOut ? new TokenWindows(heldOut, model.vocabSize(), context, seed) : windows)
                .sequentialBatches(1, REPORT_WINDOWS);
        double before = objective.mean(report);
        TrainingListener listener = progress == null ? null : new TrainingListener() {
            @Override
            public void onStep(StepReport step) {
                progress.accept(step);
            }
        };
        new Trainer(objective, adam, windows, null, TrainingOptions.of(batch, steps, schedule), listener).run();
        double after = objective.mean(report);
        if (!Double.isFinite(after)) {
            throw new IllegalArgumentException("distillation diverged (KL " + after + " after it); give a smaller learning rate (--tune-lr; "
                    + "--lr of adapter distil)");
        }
        objective.lora.setActive(Set.of(STUDENT));
        return new Outcome(PeftFolder.capture(objective.lora, STUDENT, student.config()), before, after, report.size(), onHeldOut);
    }

    /**
     * Both adapters on {@code model} (the teacher as {@link #TEACHER}, the student as {@link #STUDENT}), everything frozen
     * but the student's A and B, no dropout: the objective {@link #run} trains.
     */
    static Objective attach(LlamaModel model, PeftAdapter teacher, PeftAdapter student, Precision precision, long seed) {
        LoraModel lora = LoraModel.overDecoder(model, seed);
        lora.requireNoFusedModules(teacher, "a distilled squeeze");
        PeftFolder.apply(teacher, lora, TEACHER, precision);
        PeftFolder.apply(student, lora, STUDENT, precision);
        List<Parameter> trained = new ArrayList<>();
        for (LoraAdapter a : lora.adapter(STUDENT).values()) {
            trained.addAll(a.parameters());
        }
        List<Parameter> all = new ArrayList<>(model.parameters());
        all.addAll(lora.parameters());
        Parameter.freezeAllBut(all, trained);
        lora.setTraining(false);
        return new Objective(model, lora, trained);
    }

    /** KL(p_teacher ‖ p_student) per position, mean over the batch's positions; its gradient reaches the student only. */
    static final class Objective implements LanguageModel {
        private final LlamaModel model;
        final LoraModel lora;
        private final List<Parameter> trained;

        Objective(LlamaModel model, LoraModel lora, List<Parameter> trained) {
            this.model = model;
            this.lora = lora;
            this.trained = trained;
        }

        @Override
        public double lossAndBackward(int[][] inputs, int[][] targets) {
            return run(inputs, true);
        }

        @Override
        public double loss(int[][] inputs, int[][] targets) {
            return run(inputs, false);
        }

        @Override
        public List<Parameter> parameters() {
            return trained;
        }

        /** The mean divergence over batches (no gradients). */
        double mean(List<TokenWindows.Batch> batches) {
            double sum = 0;
            for (TokenWindows.Batch b : batches) {
                sum += loss(b.inputs(), b.targets());
            }
            return sum / batches.size();
        }

        private double run(int[][] inputs, boolean backward) {
            int batch = inputs.length, time = inputs[0].length;
            int[] ids = new int[batch * time];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(inputs[b], 0, ids, b * time, time);
            }
            lora.setActive(Set.of(TEACHER));
            Tensor teacherLogits = model.forward(ids, batch, time).copy(); // kept across the student's forward
            lora.setActive(Set.of(STUDENT));
            Tensor studentLogits = model.forward(ids, batch, time);
            Tensor gradient = backward ? studentLogits.zerosLike() : null;
            double kl = SoftmaxDivergence.klAndGradient(studentLogits, teacherLogits, gradient, null, batch * time, 1);
            if (backward) {
                model.backward(gradient);
            }
            return kl;
        }
    }
}
