package org.lowrank4j.compress.runtime;

import org.lowrank4j.nn.generate.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A decoder (LLaMA family or GPT-2, any {@link CausalLanguageModel} whose sites are named {@code block N ROLE}) with
 * calibration windows: each window holds T + 1 consecutive tokens, the first T are
 * fed (every row is real) and the last T are the next-token targets that gradient statistics use. Windows run
 * {@code windowsPerBatch} at a time.
 */
public final class DecoderRuntime implements RuntimeModel {
    private final CausalLanguageModel model;
    private final int[][] windows; // (count, T + 1)
    private final int windowsPerBatch;
    private final List<RuntimeSite> sites;

    /**
     * @throws IllegalArgumentException when there is no window, windows differ in length, are longer than the
     *                                  model's positions + 1, or hold a token outside the vocabulary
     */
    public DecoderRuntime(CausalLanguageModel model, int[][] windows, int windowsPerBatch) {
        if (windows.length == 0 || windowsPerBatch < 1) {
            throw new IllegalArgumentException("a decoder runtime needs at least one calibration window and windowsPerBatch >= 1, got "
                    + windows.length + " and " + windowsPerBatch);
        }
        int length = windows[0].length;
        if (length < 2 || length - 1 > model.maxPositions()) {
            throw new IllegalArgumentException("calibration windows of " + length + " tokens must hold 2 to " + (model.maxPositions() + 1)
                    + " tokens (the model's positions + 1 target)");
        }
        for (int w = 0; w < windows.length; w++) {
            if (windows[w].length != length) {
                throw new IllegalArgumentException("calibration window " + w + " has " + windows[w].length + " tokens, window 0 has " + length);
            }
            for (int id : windows[w]) {
                if (id < 0 || id >= model.vocabSize()) {
                    throw new IllegalArgumentException("token " + id + " in calibration window " + w + " is outside the vocabulary [0, " + model.vocabSize() + ")");
                }
            }
        }
        this.model = model;
        this.windows = windows;
        this.windowsPerBatch = windowsPerBatch;
        this.sites = sitesOf(model);
    }

    /**
     * {@code count} windows of {@code length + 1} tokens spread evenly over the stream (the first starts at 0, the
     * last ends at the stream's end), so calibration sees the whole text; overlapping only when the stream is short.
     */
    public static int[][] windows(int[] tokens, int length, int count) {
        if (length < 1 || count < 1 || tokens.length < length + 1) {
            throw new IllegalArgumentException("cannot cut " + count + " windows of " + (length + 1) + " tokens from a stream of " + tokens.length);
        }
        int[][] out = new int[count][];
        long span = tokens.length - (length + 1L);
        for (int k = 0; k < count; k++) {
            int start = count == 1 ? 0 : (int) (span * k / (count - 1));
            out[k] = java.util.Arrays.copyOfRange(tokens, start, start + length + 1);
        }
        return out;
    }

    private static List<RuntimeSite> sitesOf(CausalLanguageModel model) {
        List<RuntimeSite> out = new ArrayList<>();
        for (Map.Entry<String, Linear> e : model.linearSites().entrySet()) {
            String[] parts = e.getKey().split(" "); // "block 3 mlp.gate"
            if (parts.length != 3 || !parts[0].equals("block")) {
                throw new IllegalStateException("unexpected decoder site name '" + e.getKey() + "'");
            }
            int block = Integer.parseInt(parts[1]);
            String role = switch (parts[2]) {
                case "attention.query", "attention.key", "attention.value", "attention.output" -> parts[2];
                case "mlp.gate" -> "ffn.gate";
                case "mlp.up" -> "ffn.up";
                case "mlp.down" -> "ffn.down";
                default -> throw new IllegalStateException("unexpected decoder site name '" + e.getKey() + "'");
            };
            out.add(new RuntimeSite(e.getKey(), role, block, stageOf(role), e.getValue()));
        }
        return List.copyOf(out);
    }

    static int stageOf(String role) {
        return switch (role) {
            case "attention.query", "attention.key", "attention.value" -> 0;
            case "attention.output" -> 1;
            case "ffn.gate", "ffn.up" -> 2;
            case "ffn.down" -> 3;
            default -> throw new IllegalArgumentException("no stage for role " + role);
        };
    }

    public CausalLanguageModel model() {
        return model;
    }

    /**
     * Calibration windows to run at once for windows of {@code context} tokens: 8, or fewer for long windows, so that a
     * batch holds at most 2,048 tokens. The (B, heads, T, T) attention probabilities grow with the batch: one layer's at a
     * time in {@link #forward(int)}, every run block's in {@link #forward(int, int)}'s partial pass, which keeps them for
     * a backward (8 windows of 2,048 through OPT-125M's 12 layers of 12 heads: 19 GB).
     */
    public static int windowsPerBatch(int context) {
        return Math.max(1, Math.min(8, 2048 / context));
    }

    /** Calibration windows when the request gives none (as {@code compress} and {@code compare} take them). */
    public static final int DEFAULT_WINDOWS = 64;

    /**
     * {@code count} windows of {@code context} + 1 tokens cut from {@code text}'s tokens, as {@link #windows(int[], int, int)}.
     *
     * @param countOption the option that asked for {@code count} windows, for messages
     * @throws IllegalArgumentException naming {@code calibration} (the --calib path) when the text is too short for one
     *                                  window, or holds fewer distinct windows than {@code count} (some would repeat)
     */
    public static int[][] calibrationWindows(Tokenizer tokenizer, String text, Path calibration, int context, int count, String countOption) {
        return calibrationWindows(tokenizer.encode(text), "--calib " + calibration, context, count, countOption);
    }

    /**
     * {@code count} windows of {@code context} + 1 tokens cut from {@code tokens}, as {@link #windows(int[], int, int)},
     * for a route that has tokenized its calibration text itself.
     *
     * @param source      the option and path the tokens come from, for messages ("--calib notes.txt")
     * @param countOption the option that asked for {@code count} windows, for messages
     * @throws IllegalArgumentException naming {@code source} when the tokens are too few for one window, or hold fewer
     *                                  distinct windows than {@code count} (some would repeat)
     */
    public static int[][] calibrationWindows(int[] tokens, String source, int context, int count, String countOption) {
        if (tokens.length < context + 1) {
            throw new IllegalArgumentException(source + " holds " + tokens.length + " tokens, too few for one calibration"
                    + " window of " + (context + 1) + " (a window of " + context + " tokens + 1)");
        }
        int distinct = tokens.length - context; // start positions of a window of context + 1 tokens
        if (count > distinct) {
            throw new IllegalArgumentException(countOption + " " + count + " asks for more calibration windows than " + source
                    + " holds (" + distinct + " distinct windows of " + (context + 1) + " tokens in its " + tokens.length + " tokens); give at most "
                    + distinct + ", or more text");
        }
        return windows(tokens, context, count);
    }

    /** The calibration windows (count, T + 1); do not modify. */
    public int[][] windows() {
        return windows;
    }

    /** T, the tokens fed per window. */
    public int windowLength() {
        return windows[0].length - 1;
    }

    @Override
    public List<RuntimeSite> sites() {
        return sites;
    }

    @Override
    public int batchCount() {
        return (windows.length + windowsPerBatch - 1) / windowsPerBatch;
    }

    @Override
    public int[] forward(int index) {
        return forward(index, -1);
    }

    /** {@inheritDoc} A {@code blockCount} of −1 runs the whole model, logits included. */
    @Override
    public int[] forward(int index, int blockCount) {
        int first = index * windowsPerBatch, batch = Math.min(windowsPerBatch, windows.length - first), time = windowLength();
        int[] ids = new int[batch * time];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(windows[first + b], 0, ids, b * time, time);
        }
        if (blockCount < 0) {
            // the same outputs as a forward, through a fresh cache (as perplexity scores): each attention then holds its
            // (B, heads, T, T) probabilities only while it runs, where a forward keeps every layer's for a backward (6.4 GB
            // for one window of 2,048 through OPT-350M's 24 layers of 16 heads); every site still keeps its input
            model.decode(ids, batch, time, model.newCache(batch, time));
        } else {
            model.forwardBlocks(ids, batch, time, blockCount);
        }
        return null;
    }

    @Override
    public long parameterCount() {
        return model.parameterCount();
    }

    /**
     * {@inheritDoc} Runs one token forward: each layer keeps its latest forward's buffers and replaces them when the shape
     * changes, so the batch's activations (the MLPs' (B, T, H) buffers, 1.6 GB for one window of 2,048 through OPT-350M;
     * the attention probabilities too where the batch ran as a forward) become garbage before the decompositions need
     * the memory.
     */
    @Override
    public void releaseActivations() {
        model.forward(new int[] {windows[0][0]}, 1, 1);
    }

    /**
     * Runs ids (B·T) forward and returns the last hidden state (B·T·C, row-major, float64): the final RMSNorm of the
     * residual stream, the input of the output projection (Hugging Face's {@code hidden_states[-1]}).
     */
    public static double[] lastHiddenState(LlamaModel model, int[] ids, int batch, int time) {
        model.forward(ids, batch, time);
        return hiddenStateOfLatestPass(model, ids);
    }

    /**
     * The last hidden state (ids.length × C) of the model's latest pass over {@code ids}, a training forward or a
     * cached decode. The model does not expose it, so it is rebuilt from what it does expose: the residual stream is
     * the token embedding plus, per block, the attention-output and down projections' outputs, recomputed from their
     * {@link Linear#lastInput()}; then the final RMSNorm.
     */
    public static double[] hiddenStateOfLatestPass(LlamaModel model, int[] ids) {
        int c = model.config().hiddenSize();
        double[] x = new double[ids.length * c]; // residual stream (B·T, C)
        Tensor table = parameter(model, "model.embed_tokens.token.weight").value(); // (V, C)
        for (int n = 0; n < ids.length; n++) {
            for (int j = 0; j < c; j++) {
                x[n * c + j] = table.get(ids[n] * c + j);
            }
        }
        for (Map.Entry<String, Linear> e : model.linearSites().entrySet()) {
            if (e.getKey().endsWith("attention.output") || e.getKey().endsWith("mlp.down")) {
                Linear l = e.getValue();
                Tensor y = l.weight().forward(l.lastInput()); // (B,T,C), without bias
                Tensor bias = l.bias() == null ? null : l.bias().value();
                for (int i = 0; i < x.length; i++) {
                    x[i] += y.get(i) + (bias == null ? 0 : bias.get(i % c));
                }
            }
        }
        Tensor gain = parameter(model, "model.norm.weight").value(); // (C)
        double eps = model.config().normEps();
        for (int n = 0; n < ids.length; n++) {
            double squares = 0;
            for (int j = 0; j < c; j++) {
                squares += x[n * c + j] * x[n * c + j];
            }
            double scale = 1 / Math.sqrt(squares / c + eps);
            for (int j = 0; j < c; j++) {
                x[n * c + j] *= scale * gain.get(j);
            }
        }
        return x;
    }

    private static Parameter parameter(LlamaModel model, String name) {
        for (Parameter p : model.parameters()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("the LLaMA model has no parameter " + name);
    }
}
