package org.lowrank4j.nn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Fixed-length windows over a token stream for next-token prediction. Window k holds the {@code T + 1} tokens
 * starting at {@code k·T}: its first T tokens are the inputs and its last T the targets, so consecutive windows
 * share one boundary token and every token is predicted exactly once; a tail shorter than {@code T + 1} is dropped.
 *
 * <p>Training reads the windows in a shuffled order per epoch, a permutation that depends only on the seed and the
 * epoch number, so a position {@code (epoch, offset)} — stored in checkpoints — identifies exactly where a run is.
 * {@link #nextBatch} moves that position; batches continue into the next epoch without a gap.
 *
 * <p>{@link #split} divides a stream into a training head and a validation tail that share no token.
 */
public final class TokenWindows {
    /** A (B, T) batch: {@code targets[b][t]} is the token after {@code inputs[b][t]}. */
    public record Batch(int[][] inputs, int[][] targets) {
        public int tokens() {
            return inputs.length == 0 ? 0 : inputs.length * inputs[0].length;
        }
    }

    /** Where a shuffled pass is: epoch (from 0) and the number of windows of that epoch already read. */
    public record Position(long epoch, int offset) {
    }

    /** The two parts of a stream: {@code train = tokens[0, cut)}, {@code validation = tokens[cut, n)}. */
    public record Split(int[] train, int[] validation) {
    }

    private final int[] tokens;
    private final int contextLength;
    private final long seed;
    private final int windows;
    private long epoch;
    private int offset;
    private int[] order; // permutation of the current epoch

    /**
     * @param tokens        the stream (not copied; must not change while in use)
     * @param vocabSize     every token must lie in [0, vocabSize)
     * @param contextLength T, the number of inputs per window
     * @param seed          seed of the per-epoch shuffle
     * @throws IllegalArgumentException when a token is outside the vocabulary or the stream holds no window
     */
    public TokenWindows(int[] tokens, int vocabSize, int contextLength, long seed) {
        if (contextLength < 1 || vocabSize < 1) {
            throw new IllegalArgumentException("token windows need contextLength >= 1 and vocabSize >= 1, got " + contextLength
                    + " and " + vocabSize);
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException("token " + tokens[i] + " at position " + i + " is outside the vocabulary [0, "
                        + vocabSize + ")");
            }
        }
        if (tokens.length < contextLength + 1) {
            throw new IllegalArgumentException("a stream of " + tokens.length + " tokens holds no window of " + (contextLength + 1)
                    + " tokens (context length " + contextLength + "); give more text or a shorter context");
        }
        this.tokens = tokens;
        this.contextLength = contextLength;
        this.seed = seed;
        this.windows = (tokens.length - 1) / contextLength;
        this.order = permutation(0);
    }

    /**
     * Splits a stream into a head for training and a tail of {@code round(n · validationFraction)} tokens for
     * validation; no token belongs to both. Constructing {@link TokenWindows} over a part checks that it holds a window.
     *
     * @throws IllegalArgumentException when the fraction is outside [0, 1)
     */
    /**
     * Where the tail of share {@code fraction} of a text starts, in chars (never inside a surrogate pair): the characters
     * a model with its own tokenizer holds out, as {@link #split} holds out a byte model's last bytes.
     */
    public static int textCut(String text, double fraction) {
        int cut = text.length() - (int) Math.round(text.length() * fraction);
        if (cut > 0 && cut < text.length() && Character.isLowSurrogate(text.charAt(cut))) {
            cut--;
        }
        return cut;
    }

    public static Split split(int[] tokens, double validationFraction) {
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        int cut = tokens.length - (int) Math.round(tokens.length * validationFraction);
        return new Split(java.util.Arrays.copyOfRange(tokens, 0, cut), java.util.Arrays.copyOfRange(tokens, cut, tokens.length));
    }

    /** The number of windows in one epoch. */
    public int windowCount() {
        return windows;
    }

    /**
     * Refuses a batch of more windows than one epoch holds: such a step repeats every window several times and, for a
     * batch in the thousands, runs out of memory only after the run has started.
     *
     * @param option how the user gave the batch ("--batch")
     * @param what   the text the windows come from ("--data notes.txt")
     * @throws IllegalArgumentException naming the option, the windows there are and what to do
     */
    public void requireBatchFits(String option, int batch, String what) {
        if (batch > windows) {
            throw new IllegalArgumentException(option + " " + batch + " is more than the " + windows + " training windows of " + contextLength
                    + " tokens that " + what + " holds; lower it to " + windows + " or less, or give more text");
        }
    }

    public int contextLength() {
        return contextLength;
    }

    public long seed() {
        return seed;
    }

    /** Window {@code k} in stream order: {@code T + 1} tokens starting at {@code k·T}. */
    public int[] window(int k) {
        if (k < 0 || k >= windows) {
            throw new IllegalArgumentException("window " + k + " is outside [0, " + windows + ")");
        }
        return java.util.Arrays.copyOfRange(tokens, k * contextLength, k * contextLength + contextLength + 1);
    }

    /** The stream-order index of the window read at {@code offset} in epoch {@code epoch}. */
    public int shuffledIndex(long epoch, int offset) {
        if (offset < 0 || offset >= windows) {
            throw new IllegalArgumentException("offset " + offset + " is outside [0, " + windows + ")");
        }
        return (epoch == this.epoch ? order : permutation(epoch))[offset];
    }

    /** The current position of the shuffled pass. */
    public Position position() {
        return new Position(epoch, offset);
    }

    /** Moves the shuffled pass to a position (from {@link #position()}, e.g. a checkpoint's). */
    public void seek(Position position) {
        if (position.epoch() < 0 || position.offset() < 0 || position.offset() >= windows) {
            throw new IllegalArgumentException("position " + position + " is outside this stream of " + windows + " windows per epoch");
        }
        if (position.epoch() != epoch) {
            order = permutation(position.epoch());
        }
        epoch = position.epoch();
        offset = position.offset();
    }

    /** The next {@code batchSize} windows of the shuffled pass, continuing into the next epoch when one ends. */
    public Batch nextBatch(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        int[][] inputs = new int[batchSize][];
        int[][] targets = new int[batchSize][];
        for (int b = 0; b < batchSize; b++) {
            fill(order[offset], b, inputs, targets);
            if (++offset == windows) {
                epoch++;
                offset = 0;
                order = permutation(epoch);
            }
        }
        return new Batch(inputs, targets);
    }

    /**
     * Every window in stream order, in batches of up to {@code batchSize} (the last may be smaller), at most
     * {@code maxBatches} of them (0 for all): the fixed set a validation loss is computed on.
     */
    public List<Batch> sequentialBatches(int batchSize, int maxBatches) {
        if (batchSize < 1 || maxBatches < 0) {
            throw new IllegalArgumentException("need batchSize >= 1 and maxBatches >= 0, got " + batchSize + " and " + maxBatches);
        }
        List<Batch> out = new ArrayList<>();
        for (int start = 0; start < windows && (maxBatches == 0 || out.size() < maxBatches); start += batchSize) {
            int n = Math.min(batchSize, windows - start);
            int[][] inputs = new int[n][];
            int[][] targets = new int[n][];
            for (int b = 0; b < n; b++) {
                fill(start + b, b, inputs, targets);
            }
            out.add(new Batch(inputs, targets));
        }
        return out;
    }

    private void fill(int window, int b, int[][] inputs, int[][] targets) {
        int start = window * contextLength;
        inputs[b] = java.util.Arrays.copyOfRange(tokens, start, start + contextLength);
        targets[b] = java.util.Arrays.copyOfRange(tokens, start + 1, start + contextLength + 1);
    }

    /** Fisher–Yates with a generator seeded from (seed, epoch) only. */
    private int[] permutation(long epochNumber) {
        int[] p = new int[windows];
        for (int i = 0; i < windows; i++) {
            p[i] = i;
        }
        Random random = new Random(new SplittableRandom(seed).split().nextLong() ^ (epochNumber * 0x9E3779B97F4A7C15L));
        for (int i = windows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
