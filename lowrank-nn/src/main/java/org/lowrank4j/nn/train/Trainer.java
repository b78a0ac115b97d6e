package org.lowrank4j.nn.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.StepBuffers;

/**
 * The training loop. Each optimizer step: zero the gradients once, run {@code accumulationSteps} micro-batches of
 * {@code batchSize} windows through {@link LanguageModel#lossAndBackward} (their gradients add up), scale the sum
 * by {@code 1 / accumulationSteps} (the gradient of the mean loss), clip by the global norm, update with the {@link Optimizer}
 * (AdamW or a projected one) at the schedule's learning rate. Every {@code validationEvery} steps it computes the validation loss, every
 * {@code checkpointEvery} steps and at the end it writes a {@link Checkpoint}.
 *
 * <p>Everything a step depends on — parameters, moments, optimizer step count, step number and data position — is
 * in the checkpoint, so a run resumed with {@link #resume} produces the same losses as one that was never stopped.
 *
 * <p>Each loss (training or validation) runs inside {@link StepBuffers#during}: the layers write their outputs into
 * buffers kept from one step to the next instead of new tensors, so a step leaves (almost) nothing for the collector.
 *
 * <p>A non-finite loss or gradient norm throws {@link TrainingDivergedException} before the model is updated;
 * the trainer should then be discarded (its data position and gradients are mid-step) and the run resumed from the
 * last checkpoint.
 */
public final class Trainer {
    private final LanguageModel model;
    private final Optimizer optimizer;
    private final TokenWindows train;
    private final List<TokenWindows.Batch> validation;
    private final TrainingOptions options;
    private final TrainingListener listener;
    private final List<Parameter> parameters;
    private long step;
    private long lastCheckpointStep = -1;
    private Map<String, String> checkpointMetadata = Map.of();

    /**
     * @param validation windows of the held-out stream, or null for no validation
     * @param listener   progress callbacks ({@link TrainingListener#NONE} for none)
     */
    public Trainer(LanguageModel model, Optimizer optimizer, TokenWindows train, TokenWindows validation, TrainingOptions options,
            TrainingListener listener) {
        if (validation == null && options.validationEvery() > 0) {
            throw new IllegalArgumentException("validation every " + options.validationEvery() + " steps needs validation windows");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.train = train;
        this.validation = validation == null ? List.of() : validation.sequentialBatches(options.batchSize(), options.validationBatches());
        this.options = options;
        this.listener = listener == null ? TrainingListener.NONE : listener;
        this.parameters = GradientClipping.distinct(model.parameters());
    }

    /** Further metadata written into every checkpoint (the training method's description). */
    public void checkpointMetadata(Map<String, String> metadata) {
        this.checkpointMetadata = Map.copyOf(metadata);
    }

    /** Optimizer steps completed so far (the index of the next step). */
    public long step() {
        return step;
    }

    /**
     * Continues from a checkpoint: loads the parameters and the optimizer's moments, the step and the data position.
     *
     * @throws IllegalArgumentException when the checkpoint lacks a tensor, has another shape, or was written with
     *                                  another data seed
     */
    public void resume(Path checkpoint) throws IOException {
        Checkpoint.TrainingState state = Checkpoint.readState(checkpoint);
        if (state.dataSeed() != train.seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was written with data seed " + state.dataSeed()
                    + " but the training windows use seed " + train.seed() + "; the run would not continue the same way");
        }
        if (state.dataPosition().offset() < 0 || state.dataPosition().offset() >= train.windowCount()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " continues at window " + state.dataPosition().offset()
                    + " of an epoch but the training stream has " + train.windowCount() + " windows; is it the same data?");
        }
        Checkpoint.read(checkpoint, parameters, optimizer);
        train.seek(state.dataPosition());
        step = state.step();
        lastCheckpointStep = step;
    }

    /**
     * Continues a run at step {@code step} with this trainer's optimizer and parameters, as after a change of the
     * parameters' shapes part way through (LoRA-Squeeze during tuning): the schedule goes on from that step, and the data
     * stream goes on from wherever the caller's {@link TokenWindows} stands.
     */
    public void continueAt(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        this.step = step;
        this.lastCheckpointStep = step;
    }

    /** Writes a checkpoint of the current state to {@code file} (atomically). */
    public void saveCheckpoint(Path file) throws IOException {
        Map<String, String> metadata = new java.util.LinkedHashMap<>(checkpointMetadata);
        metadata.put("train.batch_size", Integer.toString(options.batchSize()));
        metadata.put("train.accumulation_steps", Integer.toString(options.accumulationSteps()));
        metadata.put("train.context_length", Integer.toString(train.contextLength()));
        Checkpoint.write(file, parameters, optimizer, new Checkpoint.TrainingState(step, train.seed(), train.position()), metadata);
        lastCheckpointStep = step;
        listener.onCheckpoint(step, file);
    }

    /**
     * Runs steps until {@code maxSteps} are done.
     *
     * @return the reports of the steps run by this call
     * @throws TrainingDivergedException on a non-finite loss or gradient norm, naming the step
     * @throws UncheckedIOException      when a checkpoint cannot be written
     */
    public List<TrainingListener.StepReport> run() {
        List<TrainingListener.StepReport> reports = new ArrayList<>();
        while (step < options.maxSteps()) {
            TrainingListener.StepReport report = runStep();
            reports.add(report);
            listener.onStep(report);
            if (options.validationEvery() > 0 && step % options.validationEvery() == 0) {
                listener.onValidation(step, validationLoss());
            }
            if (options.checkpoint() != null && options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0) {
                checkpoint();
            }
        }
        if (options.checkpoint() != null && lastCheckpointStep != step) {
            checkpoint();
        }
        return reports;
    }

    /**
     * One optimizer step of {@link #run}'s (zero, forward and backward, clip, update), without its validation,
     * checkpoints or listener: for a benchmark that times the steps of two trainers side by side. The model is updated
     * only when the loss and the gradient norm are finite.
     *
     * @throws TrainingDivergedException on a non-finite loss or gradient norm
     */
    public TrainingListener.StepReport runStep() {
        long start = System.nanoTime();
        double loss = accumulateGradients();
        double norm = options.maxGradientNorm() > 0
                ? GradientClipping.clipByGlobalNorm(parameters, options.maxGradientNorm())
                : GradientClipping.globalNorm(parameters);
        if (!Double.isFinite(norm)) {
            throw diverged("the gradient norm is " + norm + " (loss " + loss + ")", norm);
        }
        double rate = options.schedule().at((int) Math.min(step, Integer.MAX_VALUE));
        optimizer.step(rate);
        long index = step++;
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        return new TrainingListener.StepReport(index, loss, rate, norm, options.tokensPerStep(train.contextLength()) / seconds);
    }

    /**
     * Zeroes the gradients, then adds those of {@code accumulationSteps} micro-batches scaled by
     * {@code 1 / accumulationSteps}: the gradient of the mean loss over all of them.
     *
     * @return the mean loss of the micro-batches
     */
    double accumulateGradients() {
        int accumulation = options.accumulationSteps();
        model.zeroGradients();
        double loss = 0;
        for (int micro = 0; micro < accumulation; micro++) {
            TokenWindows.Batch batch = train.nextBatch(options.batchSize());
            double microLoss = StepBuffers.during(() -> model.lossAndBackward(batch.inputs(), batch.targets()));
            if (!Double.isFinite(microLoss)) {
                throw diverged("the loss of micro-batch " + (micro + 1) + " of " + accumulation + " is " + microLoss, microLoss);
            }
            loss += microLoss;
        }
        if (accumulation > 1) {
            GradientClipping.scale(parameters, 1.0 / accumulation);
        }
        return loss / accumulation;
    }

    /** The token-weighted mean loss over the validation batches (NaN when there are none). */
    public double validationLoss() {
        double sum = 0;
        long tokens = 0;
        for (TokenWindows.Batch batch : validation) {
            sum += StepBuffers.during(() -> model.loss(batch.inputs(), batch.targets())) * batch.tokens();
            tokens += batch.tokens();
        }
        return tokens == 0 ? Double.NaN : sum / tokens;
    }

    private void checkpoint() {
        try {
            saveCheckpoint(options.checkpoint());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + options.checkpoint() + " at step " + step, e);
        }
    }

    private TrainingDivergedException diverged(String what, double value) {
        String last = lastCheckpointStep < 0 || options.checkpoint() == null ? "no checkpoint was written yet"
                : "the last checkpoint, " + options.checkpoint() + ", written after " + lastCheckpointStep
                        + " completed steps, is intact";
        return new TrainingDivergedException(step, value, "training stopped at step " + step + ": " + what
                + "; the model was not updated and " + last + " (resume from it, e.g. with a lower learning rate)");
    }
}
