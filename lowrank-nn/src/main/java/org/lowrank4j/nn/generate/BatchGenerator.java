package org.lowrank4j.nn.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Continues several prompts together: they are left-padded to the longest, prefilled in one forward, and then decoded
 * one token each per step, so every step's products run over all sequences at once. Each sequence has its own options,
 * draws and stopping point, and gets what it would get alone up to the rounding of the batched products: the padding is
 * masked out of attention ({@link DecoderCache#startAt}) and RoPE sees only distances. Once half the sequences or more
 * have ended, the others go on in a smaller batch. One prompt is exactly {@link Generator}'s computation. A
 * {@link DecodingBatch} does the work; use it directly to let prompts join while the batch runs.
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
     * The prompts of a batch being formed, left-padded to the longest. Sequence b takes the padded length plus its own
     * tail, min(positions, p + m) − p ({@link #positionsInBatch}), so the batch needs the longest prompt plus the longest
     * tail, and one more prompt fits when that sum stays within the model's positions.
     */
    public static final class Padding {
        private final int maxPositions;
        private int longest;
        private long tail;

        public Padding(int maxPositions) {
            this.maxPositions = maxPositions;
        }

        private long tail(int promptLength, int maxNewTokens) {
            return Math.min(maxPositions, (long) promptLength + maxNewTokens) - promptLength;
        }

        /** Whether a prompt of {@code promptLength} tokens that may generate {@code maxNewTokens} keeps every sequence's positions. */
        public boolean fits(int promptLength, int maxNewTokens) {
            return Math.max(longest, promptLength) + Math.max(tail, tail(promptLength, maxNewTokens)) <= maxPositions;
        }

        public void add(int promptLength, int maxNewTokens) {
            longest = Math.max(longest, promptLength);
            tail = Math.max(tail, tail(promptLength, maxNewTokens));
        }

        /** The positions the batch needs, at most the model's. */
        public int positions() {
            return (int) Math.min(longest + tail, maxPositions);
        }
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
        int n = prompts.size();
        if (n == 0 || options.size() != n || randoms.size() != n) {
            throw new IllegalArgumentException("one option set and one random source per prompt, and at least one prompt: got " + n
                    + " prompts, " + options.size() + " option sets and " + randoms.size() + " random sources");
        }
        List<DecodingBatch.Entry> entries = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            entries.add(new DecodingBatch.Entry(b, prompts.get(b), options.get(b), randoms.get(b)));
        }
        GenerationResult[] results = new GenerationResult[n];
        DecodingBatch batch = DecodingBatch.start(model, entries, new DecodingBatch.Listener() {
            @Override
            public boolean token(int id, int token) {
                return sink == null || sink.accept(id, token);
            }

            @Override
            public void ended(int id, GenerationResult result) {
                results[id] = result;
            }
        });
        while (batch.running()) {
            batch.step();
        }
        return Arrays.asList(results);
    }
}
