package org.lowrank4j.nn.train;

import java.nio.file.Path;

/**
 * One run of {@link DecoderTraining}: the text, the architecture of a fresh LLaMA-style byte-level decoder (or a model
 * to start from, or a run to resume), the schedule and the output folder. Built with {@link #builder()}; the defaults
 * are those of {@code lowrank train} (the architecture of {@code models/sotu-decoder}).
 *
 * @param data training text: a .txt file or a folder of them
 * @param out the model folder to write
 * @param from with a folder: only YEAR_*.txt files with YEAR >= this
 * @param to with a folder: only YEAR_*.txt files with YEAR <= this
 * @param hidden hidden size
 * @param layers decoder layers
 * @param heads attention heads
 * @param kvHeads key/value heads
 * @param mlp SwiGLU intermediate size
 * @param context context length in tokens
 * @param batch windows per micro-batch
 * @param accumulation micro-batches per step
 * @param steps optimizer steps of the whole run
 * @param stopAfter stop once this many steps are done (the schedule still spans steps)
 * @param learningRate peak learning rate
 * @param warmup warmup steps
 * @param minLearningRate learning rate at the end of the cosine decay (null: a tenth of the peak)
 * @param weightDecay AdamW weight decay
 * @param clip global gradient norm clip (0: none)
 * @param validationFraction tail of the text held out
 * @param validateEvery validation loss every N steps (0: never)
 * @param validationBatches at most this many validation batches
 * @param checkpointEvery checkpoint every N steps (and at the end)
 * @param seed seed of the initialisation and the data order
 * @param init start from this model folder's weights (null: fresh)
 * @param resume continue from out's checkpoint
 * @param force replace an existing out folder
 * @param method the optimizer method (full-rank AdamW, GaLore, its DCT form, Fira) with its options
 */
public record TrainingRequest(Path data, Path out, Integer from, Integer to, int hidden, int layers, int heads, int kvHeads, int mlp, int context, int batch, int accumulation, int steps, Integer stopAfter, double learningRate, int warmup, Double minLearningRate, double weightDecay, double clip, double validationFraction, int validateEvery, int validationBatches, int checkpointEvery, long seed, Path init, boolean resume, boolean force, TrainingMethod method) {

    public TrainingRequest {
        if (method == null) {
            method = TrainingMethod.full();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A request under construction. */
    public static final class Builder {
        private Path data;
        private Path out;
        private Integer from;
        private Integer to;
        private int hidden = 320;
        private int layers = 6;
        private int heads = 8;
        private int kvHeads = 4;
        private int mlp = 864;
        private int context = 256;
        private int batch = 16;
        private int accumulation = 1;
        private int steps = 1000;
        private Integer stopAfter;
        private double learningRate = 1e-3;
        private int warmup = 50;
        private Double minLearningRate;
        private double weightDecay = 0.1;
        private double clip = 1.0;
        private double validationFraction = 0.05;
        private int validateEvery;
        private int validationBatches = 8;
        private int checkpointEvery;
        private long seed = 42;
        private Path init;
        private boolean resume;
        private boolean force;
        private TrainingMethod method;

        public Builder data(Path v) { data = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder from(Integer v) { from = v; return this; }
        public Builder to(Integer v) { to = v; return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder kvHeads(int v) { kvHeads = v; return this; }
        public Builder mlp(int v) { mlp = v; return this; }
        public Builder context(int v) { context = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder accumulation(int v) { accumulation = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder stopAfter(Integer v) { stopAfter = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder warmup(int v) { warmup = v; return this; }
        public Builder minLearningRate(Double v) { minLearningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder validationFraction(double v) { validationFraction = v; return this; }
        public Builder validateEvery(int v) { validateEvery = v; return this; }
        public Builder validationBatches(int v) { validationBatches = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder init(Path v) { init = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder force(boolean v) { force = v; return this; }
        public Builder method(TrainingMethod v) { method = v; return this; }

        public TrainingRequest build() {
            return new TrainingRequest(data, out, from, to, hidden, layers, heads, kvHeads, mlp, context, batch, accumulation, steps, stopAfter, learningRate, warmup, minLearningRate, weightDecay, clip, validationFraction, validateEvery, validationBatches, checkpointEvery, seed, init, resume, force, method);
        }
    }
}
