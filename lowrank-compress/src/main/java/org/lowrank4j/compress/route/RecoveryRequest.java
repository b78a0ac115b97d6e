package org.lowrank4j.compress.route;

import java.nio.file.Path;
import org.lowrank4j.compress.eval.Pooling;

/**
 * Everything one recovery (distillation of a compressed model's factors against its original) needs, for ONNX
 * encoders and decoder folders alike. Nullable fields take the route's default; a field that does not apply to the
 * route is refused by it, naming the option. Built with {@link #builder()}; defaults: batch 16, learning rate 3e-4,
 * norms trained, schedule joint, PELA off (epsilon 1e-3), seed 42, a checkpoint every 50 steps, 1024 MB of teacher cache.
 *
 * @param original the original model: an ONNX file, or the dense decoder folder (ONNX: null means the bundled model, resolved by the caller)
 * @param compressed the model compress wrote: an ONNX file or a low-rank decoder folder (never modified)
 * @param tokenizer ONNX: the models' tokenizer.json
 * @param out where the recovered model goes (the format of compressed)
 * @param force whether an existing OUT may be replaced
 * @param steps optimizer steps (default 800 for encoders, 300 for decoders)
 * @param text training text, a .txt file or a folder (ONNX default: the vendored mix of registers, {@code TextCorpus.mix()}; decoders: required)
 * @param batch sentences or windows per step
 * @param learningRate peak learning rate
 * @param maxTokens ONNX: sentences truncated to this many tokens (default 128)
 * @param pooling ONNX: the embedding the output term matches (default mean)
 * @param outputWeight weight of the output term (default 10 for encoders, 1 for decoders)
 * @param trainNorms also train the norms
 * @param schedule joint or u-then-v
 * @param pela PELA's weight (0: off)
 * @param pelaEpsilon PELA's epsilon
 * @param pelaHinge PELA's hinge form
 * @param seed seed of the batch order
 * @param checkpoint checkpoint file (default OUT with .recover.safetensors)
 * @param checkpointEvery checkpoint every N steps
 * @param resume continue from the checkpoint
 * @param teacherCacheMegabytes teacher states kept in memory, MB
 * @param evalSentences ONNX: held-out sentences for fidelity before and after (default 500; 0 skips)
 * @param threads threads (default all cores)
 * @param stopAfter stop after this many steps (testing resume)
 * @param window decoders: tokens per window (default the model's context)
 * @param textFrom decoders with a --text folder: first YEAR
 * @param textTo decoders with a --text folder: last YEAR
 * @param evalText decoders: held-out text for perplexity before and after
 * @param evalMaxBytes decoders: only the first N bytes of evalText
 * @param stateWeight Mamba folders: λ, the weight of the state-alignment term (default 1)
 */
public record RecoveryRequest(Path original, Path compressed, Path tokenizer, Path out, boolean force, Integer steps, Path text, int batch, double learningRate, Integer maxTokens, Pooling pooling, Double outputWeight, boolean trainNorms, String schedule, double pela, double pelaEpsilon, boolean pelaHinge, long seed, Path checkpoint, int checkpointEvery, boolean resume, int teacherCacheMegabytes, Integer evalSentences, Integer threads, Long stopAfter, Integer window, Integer textFrom, Integer textTo, Path evalText, Long evalMaxBytes, Double stateWeight) {

    public static Builder builder() {
        return new Builder();
    }

    /** Threads to use: as given, else every core. */
    public int threadCount() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /** A request under construction. */
    public static final class Builder {
        private Path original;
        private Path compressed;
        private Path tokenizer;
        private Path out;
        private boolean force;
        private Integer steps;
        private Path text;
        private int batch = 16;
        private double learningRate = 3e-4;
        private Integer maxTokens;
        private Pooling pooling;
        private Double outputWeight;
        private boolean trainNorms = true;
        private String schedule = "joint";
        private double pela;
        private double pelaEpsilon = 1e-3;
        private boolean pelaHinge;
        private long seed = 42;
        private Path checkpoint;
        private int checkpointEvery = 50;
        private boolean resume;
        private int teacherCacheMegabytes = 1024;
        private Integer evalSentences;
        private Integer threads;
        private Long stopAfter;
        private Integer window;
        private Integer textFrom;
        private Integer textTo;
        private Path evalText;
        private Long evalMaxBytes;
        private Double stateWeight;

        public Builder original(Path v) { original = v; return this; }
        public Builder compressed(Path v) { compressed = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder force(boolean v) { force = v; return this; }
        public Builder steps(Integer v) { steps = v; return this; }
        public Builder text(Path v) { text = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder maxTokens(Integer v) { maxTokens = v; return this; }
        public Builder pooling(Pooling v) { pooling = v; return this; }
        public Builder outputWeight(Double v) { outputWeight = v; return this; }
        public Builder trainNorms(boolean v) { trainNorms = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder pela(double v) { pela = v; return this; }
        public Builder pelaEpsilon(double v) { pelaEpsilon = v; return this; }
        public Builder pelaHinge(boolean v) { pelaHinge = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder checkpoint(Path v) { checkpoint = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder teacherCacheMegabytes(int v) { teacherCacheMegabytes = v; return this; }
        public Builder evalSentences(Integer v) { evalSentences = v; return this; }
        public Builder threads(Integer v) { threads = v; return this; }
        public Builder stopAfter(Long v) { stopAfter = v; return this; }
        public Builder window(Integer v) { window = v; return this; }
        public Builder textFrom(Integer v) { textFrom = v; return this; }
        public Builder textTo(Integer v) { textTo = v; return this; }
        public Builder evalText(Path v) { evalText = v; return this; }
        public Builder evalMaxBytes(Long v) { evalMaxBytes = v; return this; }
        public Builder stateWeight(Double v) { stateWeight = v; return this; }

        public RecoveryRequest build() {
            return new RecoveryRequest(original, compressed, tokenizer, out, force, steps, text, batch, learningRate, maxTokens, pooling, outputWeight, trainNorms, schedule, pela, pelaEpsilon, pelaHinge, seed, checkpoint, checkpointEvery, resume, teacherCacheMegabytes, evalSentences, threads, stopAfter, window, textFrom, textTo, evalText, evalMaxBytes, stateWeight);
        }
    }
}
