package org.lowrank4j.nn.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Continues several prompts together: they are left-padded to the longest, prefilled in one forward, and then decoded
 * one token each per step, so every step's products run over all sequences at once. Each sequence has its own options,
 * draws and stopping point, and gets what it would get alone up to the rounding of the batched products: the padding is
 * masked out of attention ({@link DecoderCache#startAt}) and RoPE sees only distances. A sequence that has ended keeps
 * its row until the batch ends (its output is no longer read). One prompt is exactly {@link Generator}'s computation.
 */
public final class BatchGenerator {
    private BatchGenerator() {
    }

    /** Receives each new token of sequence {@code index} as it is produced; false ends that sequence there. */
    @FunctionalInterface
    public interface TokenSink {
        boolean accept(int index, int token);
    }

    /**
     * The most positions sequence b takes in a batch whose longest prompt has {@code paddedLength} tokens: its padding,
     * its prompt and what it may generate alone (its prompt plus {@code maxNewTokens}, within the model's positions).
     * A batch fits the model when this is at most {@code maxPositions} for every sequence.
     */
    public static long positionsInBatch(int maxPositions, int paddedLength, int promptLength, int maxNewTokens) {
        return (long) paddedLength - promptLength + Math.min(maxPositions, (long) promptLength + maxNewTokens);
    }

    /**
     * Generates for every prompt; results in the prompts' order.
     *
     * @param prompts each at least one token id and fewer than the model's maximum positions; more than one only when
     *                {@link CausalLanguageModel#decodesPaddedBatches()}, and only when each fits ({@link #positionsInBatch})
     * @param options one per prompt
     * @param randoms one per prompt: the source of that sequence's sampling draws (unused when greedy)
     * @param sink    called with each new token as it is produced, or null
     */
    public static List<GenerationResult> generate(CausalLanguageModel model, List<int[]> prompts, List<GenerationOptions> options,
            List<Random> randoms, TokenSink sink) {
        int n = prompts.size(), maxPositions = model.maxPositions();
        if (n == 0 || options.size() != n || randoms.size() != n) {
            throw new IllegalArgumentException("one option set and one random source per prompt, and at least one prompt: got " + n
                    + " prompts, " + options.size() + " option sets and " + randoms.size() + " random sources");
        }
        if (n > 1 && !model.decodesPaddedBatches()) {
            throw new IllegalArgumentException("this model (" + model.getClass().getSimpleName() + ") decodes one sequence at a time");
        }
        int padded = 0;
        for (int[] prompt : prompts) {
            if (prompt.length < 1 || prompt.length >= maxPositions) {
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; it needs at least 1 and fewer than the model's "
                        + maxPositions + " positions");
            }
            padded = Math.max(padded, prompt.length);
        }
        int[] starts = new int[n], limits = new int[n];
        int capacity = 0;
        for (int b = 0; b < n; b++) {
            long need = positionsInBatch(maxPositions, padded, prompts.get(b).length, options.get(b).maxNewTokens());
            if (need > maxPositions) {
                throw new IllegalArgumentException("sequence " + b + " needs " + need + " positions beside the batch's longest prompt ("
                        + padded + " tokens), more than the model's " + maxPositions + "; decode it in another batch");
            }
            starts[b] = padded - prompts.get(b).length;
            limits[b] = (int) need;
            capacity = Math.max(capacity, limits[b]);
        }
        DecoderCache cache = model.newCache(n, capacity);
        int[] ids = new int[n * padded];
        boolean anyPadding = false;
        for (int b = 0; b < n; b++) {
            int[] prompt = prompts.get(b);
            Arrays.fill(ids, b * padded, b * padded + starts[b], prompt[0]); // any id: padding is never attended to
            System.arraycopy(prompt, 0, ids, b * padded + starts[b], prompt.length);
            anyPadding |= starts[b] > 0;
        }
        if (anyPadding) {
            cache.startAt(starts);
        }
        Sequence[] sequences = new Sequence[n];
        for (int b = 0; b < n; b++) {
            sequences[b] = new Sequence(options.get(b), randoms.get(b), limits[b]);
        }
        Tensor logits = model.decode(ids, n, padded, cache); // (n, T, V)
        int position = padded, live = n;
        int[] next = new int[n];
        while (true) {
            for (int b = 0; b < n; b++) {
                Sequence s = sequences[b];
                if (s.result != null) {
                    continue;
                }
                next[b] = s.take(lastRow(logits, b), position, sink, b);
                if (s.result != null) {
                    live--;
                }
            }
            if (live == 0) {
                break;
            }
            logits = model.decode(next, n, 1, cache);
            position++;
        }
        List<GenerationResult> results = new ArrayList<>(n);
        for (Sequence s : sequences) {
            results.add(s.result);
        }
        return results;
    }

    /** One sequence's state: what it has produced, and its result once it has ended. */
    private static final class Sequence {
        private final GenerationOptions options;
        private final Random random;
        private final int limit; // the batch position at which its context is full
        private final int[] out;
        private int produced;
        private GenerationResult result;

        Sequence(GenerationOptions options, Random random, int limit) {
            this.options = options;
            this.random = random;
            this.limit = limit;
            this.out = new int[options.maxNewTokens()];
        }

        /** Draws the next token from its logits at batch position {@code position}; sets the result when it ends. */
        int take(double[] logits, int position, TokenSink sink, int index) {
            int token = Sampler.sample(logits, options.temperature(), options.topP(), random);
            if (options.stopTokens().contains(token)) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.STOP_TOKEN);
                return token;
            }
            out[produced++] = token;
            if (sink != null && !sink.accept(index, token)) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.ENDED_BY_CALLER);
            } else if (produced == out.length) {
                result = new GenerationResult(out, GenerationResult.StopReason.MAX_TOKENS);
            } else if (position == limit) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.CONTEXT_FULL);
            }
            return token;
        }
    }

    /**
     * The logits of sequence b's last time step of (B, T, V) as doubles; a non-finite logit means the model is broken
     * (NaN or infinite weights, or an overflow), and sampling from it would emit garbage, so it is refused.
     */
    private static double[] lastRow(Tensor logits, int b) {
        int vocab = logits.dim(-1), time = logits.dim(1), offset = (b * time + time - 1) * vocab;
        double[] row = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            row[v] = logits.get(offset + v);
            if (!Double.isFinite(row[v])) {
                throw new IllegalArgumentException("the model produced a non-finite logit (" + row[v] + ") for token " + v
                        + ": its weights hold NaN or infinite values, or overflow; nothing was generated");
            }
        }
        return row;
    }
}
