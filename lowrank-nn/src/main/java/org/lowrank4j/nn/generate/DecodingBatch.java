package org.lowrank4j.nn.generate;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Sequences decoding together, one token each per {@link #step}, that other sequences may {@link #join} while it runs
 * (continuous batching). Each row of the model's input is one sequence. Every row shares the cache's time axis: a
 * prompt sits at the end of the positions before the batch's next one, left-padded, and the padding is masked out of
 * attention ({@link DecoderCache#startAt}). RoPE sees only distances, so each sequence gets what it would get alone,
 * up to the rounding of the batched products.
 *
 * <p>Prompts that join at one step are prefilled together, apart from the batch, at the batch's position, and their
 * keys and values are copied into free rows. When too few rows are free the batch is copied into a cache with enough,
 * and into a longer one (up to the model's positions, doubling) when a joiner needs positions past the cache's end. When half the rows or more are free, the
 * batch is copied into a cache of just its live rows, so ended sequences stop costing anything.
 *
 * <p>A prompt of p tokens that may generate m joins at position L only when p ≤ L and it keeps every position it
 * would have alone: L − p + min(positions, p + m) ≤ the model's positions ({@link BatchGenerator#positionsInBatch}).
 * A batch therefore takes new sequences until its position nears the end of the model's context, and then drains.
 */
public final class DecodingBatch {
    /** What a batch tells its caller, on the thread that runs it. */
    public interface Listener {
        /** Before each forward of the model: the id of the sequence in each row of its input (−1 for a free row). */
        default void rows(int[] ids) {
        }

        /** A new token of sequence {@code id}; false ends that sequence there ({@code ENDED_BY_CALLER}). */
        boolean token(int id, int token);

        /** Sequence {@code id} has ended; its last token, if it kept one, went to {@link #token} first. */
        void ended(int id, GenerationResult result);
    }

    /** One sequence: the caller's id for it, its prompt (token ids), its options and the source of its draws. */
    public record Entry(int id, int[] prompt, GenerationOptions options, Random random) {
    }

    private final CausalLanguageModel model;
    private final Listener listener;
    private int capacity;         // positions of every row: the cache's
    private DecoderCache cache;
    private Sequence[] rows;      // null: a free row
    private int[] starts;         // per row, its first position that is not padding
    private int[] next;           // per row, the token it decodes at the next step
    private int position;         // of the next token, in every row (the cache's length)
    private int live;

    private DecodingBatch(CausalLanguageModel model, int capacity, Listener listener) {
        this.model = model;
        this.capacity = capacity;
        this.listener = listener;
    }

    /**
     * {@link #start(CausalLanguageModel, List, int, Listener)} with the positions the entries need
     * ({@link BatchGenerator.Padding#positions}).
     */
    public static DecodingBatch start(CausalLanguageModel model, List<Entry> entries, Listener listener) {
        BatchGenerator.Padding padding = new BatchGenerator.Padding(model.maxPositions());
        for (Entry e : entries) {
            padding.add(e.prompt().length, e.options().maxNewTokens());
        }
        return start(model, entries, Math.max(1, padding.positions()), listener);
    }

    /**
     * Prefills {@code entries} together (left-padded to the longest prompt) and draws the first token of each.
     *
     * @param capacity the positions of every row to start with, at most the model's: at least what the entries need (see
     *                 {@link BatchGenerator#positionsInBatch}); a joiner that needs more makes the cache longer
     * @throws IllegalArgumentException for no entries, several of a model that decodes one sequence at a time
     *                                  ({@link CausalLanguageModel#decodesPaddedBatches()}), an empty prompt or one that
     *                                  does not fit beside the longest one
     */
    public static DecodingBatch start(CausalLanguageModel model, List<Entry> entries, int capacity, Listener listener) {
        int n = entries.size(), maxPositions = model.maxPositions();
        if (n == 0) {
            throw new IllegalArgumentException("a batch needs at least one prompt");
        }
        if (n > 1 && !model.decodesPaddedBatches()) {
            throw new IllegalArgumentException("this model (" + model.getClass().getSimpleName() + ") decodes one sequence at a time");
        }
        if (capacity < 1 || capacity > maxPositions) {
            throw new IllegalArgumentException("a batch's capacity must lie in [1, " + maxPositions + "] (the model's positions), got " + capacity);
        }
        int padded = 0;
        for (Entry e : entries) {
            if (e.prompt().length < 1 || e.prompt().length >= maxPositions) {
                throw new IllegalArgumentException("the prompt has " + e.prompt().length + " tokens; it needs at least 1 and fewer than the model's "
                        + maxPositions + " positions");
            }
            padded = Math.max(padded, e.prompt().length);
        }
        DecodingBatch batch = new DecodingBatch(model, capacity, listener);
        batch.rows = new Sequence[n];
        batch.starts = new int[n];
        batch.next = new int[n];
        int[] ids = new int[n * padded];
        for (int b = 0; b < n; b++) {
            Entry e = entries.get(b);
            long need = BatchGenerator.positionsInBatch(maxPositions, padded, e.prompt().length, e.options().maxNewTokens());
            if (need > capacity) {
                throw new IllegalArgumentException("sequence " + b + " needs " + need + " positions beside the batch's longest prompt ("
                        + padded + " tokens), more than the batch's " + capacity + (capacity == maxPositions ? " (the model's positions)" : "")
                        + "; decode it in another batch");
            }
            batch.starts[b] = padded - e.prompt().length;
            batch.rows[b] = new Sequence(e, (int) need, padded);
            Arrays.fill(ids, b * padded, b * padded + batch.starts[b], e.prompt()[0]); // any id: padding is never attended to
            System.arraycopy(e.prompt(), 0, ids, b * padded + batch.starts[b], e.prompt().length);
        }
        batch.cache = model.newCache(n, capacity);
        if (padded > entries.stream().mapToInt(e -> e.prompt().length).min().orElse(padded)) {
            batch.cache.startAt(batch.starts);
        }
        batch.live = n;
        listener.rows(batch.ids());
        Tensor logits = prefill(model, ids, n, padded, batch.cache); // (n, 1 or T, V)
        batch.position = padded;
        for (int b = 0; b < n; b++) {
            batch.take(b, logits, b);
        }
        batch.compactIfSparse();
        return batch;
    }

    /** True while some sequence has not ended. */
    public boolean running() {
        return live > 0;
    }

    /** Sequences that have not ended. */
    public int live() {
        return live;
    }

    /** The position of the batch's next token. */
    public int position() {
        return position;
    }

    /** Whether a prompt of {@code promptLength} tokens that may generate {@code maxNewTokens} can {@link #join} now. */
    public boolean canJoin(int promptLength, int maxNewTokens) {
        return live > 0 && model.decodesPaddedBatches() && promptLength >= 1 && promptLength <= position
                && BatchGenerator.positionsInBatch(model.maxPositions(), position, promptLength, maxNewTokens) <= model.maxPositions();
    }

    /** {@link #join(List)} of one prompt. */
    public void join(Entry entry) {
        join(List.of(entry));
    }

    /**
     * Prefills the joiners' prompts together at the batch's position (left-padded to the longest of them, apart from the
     * batch), puts each in a free row and draws its first token.
     *
     * @throws IllegalArgumentException when one cannot join ({@link #canJoin}); then none has joined
     */
    public void join(List<Entry> joiners) {
        int k = joiners.size(), longest = 0;
        for (Entry e : joiners) {
            int p = e.prompt().length;
            if (!canJoin(p, e.options().maxNewTokens())) {
                throw new IllegalArgumentException("a prompt of " + p + " tokens that may generate " + e.options().maxNewTokens()
                        + " cannot join this batch at position " + position + " of the model's " + model.maxPositions()
                        + (live == 0 ? " (it has ended)" : ""));
            }
            longest = Math.max(longest, p);
        }
        if (k == 0) {
            return;
        }
        DecoderCache joint = model.newCache(k, position);
        joint.skipTo(position - longest);
        int[] jointStarts = new int[k], ids = new int[k], tokens = new int[k * longest];
        for (int j = 0; j < k; j++) {
            int[] prompt = joiners.get(j).prompt();
            jointStarts[j] = position - prompt.length;
            ids[j] = joiners.get(j).id();
            java.util.Arrays.fill(tokens, j * longest, (j + 1) * longest - prompt.length, prompt[0]); // never attended to
            System.arraycopy(prompt, 0, tokens, (j + 1) * longest - prompt.length, prompt.length);
        }
        if (k > 1 || longest < position) {
            joint.startAt(jointStarts);
        }
        listener.rows(ids);
        Tensor logits = prefill(model, tokens, k, longest, joint); // (k, 1 or longest, V)
        int positions = capacity;
        int[] limits = new int[k], assigned = new int[k];
        for (int j = 0; j < k; j++) {
            Entry e = joiners.get(j);
            limits[j] = (int) BatchGenerator.positionsInBatch(model.maxPositions(), position, e.prompt().length, e.options().maxNewTokens());
            positions = Math.max(positions, limits[j]);
        }
        if (rows.length - live < k || positions > capacity) { // a copy with free rows and room for the joiners' positions
            regroup(Math.max(rows.length, live + k), positions > capacity ? Math.min(model.maxPositions(), Math.max(positions, 2 * capacity)) : capacity);
        }
        for (int j = 0; j < k; j++) {
            int row = freeRow();
            cache.copyRow(row, joint, j, jointStarts[j], position);
            starts[row] = jointStarts[j];
            rows[row] = new Sequence(joiners.get(j), limits[j], position);
            assigned[j] = row;
            live++;
        }
        cache.startAt(starts);
        for (int j = 0; j < k; j++) { // first tokens, in the joiners' order
            take(assigned[j], logits, j);
        }
    }

    /** Decodes one token of every live sequence. */
    public void step() {
        if (live == 0) {
            throw new IllegalStateException("every sequence of this batch has ended");
        }
        listener.rows(ids());
        Tensor logits = model.decode(next, rows.length, 1, cache);
        position++;
        for (int row = 0; row < rows.length; row++) {
            if (rows[row] != null) {
                take(row, logits, row);
            }
        }
        compactIfSparse();
    }

    /** The id of the sequence in each row, −1 for a free row. */
    private int[] ids() {
        int[] ids = new int[rows.length];
        for (int row = 0; row < rows.length; row++) {
            ids[row] = rows[row] == null ? -1 : rows[row].entry.id();
        }
        return ids;
    }

    /** Draws row {@code row}'s next token from sequence {@code b} of the logits; frees the row when its sequence ends. */
    private void take(int row, Tensor logits, int b) {
        Sequence s = rows[row];
        next[row] = s.take(lastRow(logits, b), position, listener);
        if (s.result != null) {
            rows[row] = null;
            live--;
            listener.ended(s.entry.id(), s.result);
        }
    }

    private int freeRow() {
        for (int row = 0; row < rows.length; row++) {
            if (rows[row] == null) {
                return row;
            }
        }
        return -1;
    }

    private void compactIfSparse() {
        if (live > 0 && rows.length > 1 && live <= rows.length / 2) {
            regroup(live, capacity);
        }
    }

    /**
     * Copies the live rows, in order, into a new cache of {@code size} rows and {@code positions} positions; the rows past
     * them are free.
     */
    private void regroup(int size, int positions) {
        DecoderCache fresh = model.newCache(size, positions);
        capacity = positions;
        fresh.skipTo(position);
        Sequence[] newRows = new Sequence[size];
        int[] newStarts = new int[size], newNext = new int[size];
        Arrays.fill(newStarts, Math.min(position, capacity - 1)); // a free row attends to nothing before its own token
        int r = 0;
        for (int row = 0; row < rows.length; row++) {
            if (rows[row] != null) {
                fresh.copyRow(r, cache, row, starts[row], position);
                newRows[r] = rows[row];
                newStarts[r] = starts[row];
                newNext[r] = next[row];
                r++;
            }
        }
        fresh.startAt(newStarts);
        cache = fresh;
        rows = newRows;
        starts = newStarts;
        next = newNext;
    }

    /** One sequence's state: what it has produced, and its result once it has ended. */
    private static final class Sequence {
        private final Entry entry;
        private final int limit; // the batch position at which its context is full
        private final int[] out; // room for what it can produce: maxNewTokens, or fewer when the context ends first
        private int produced;
        private GenerationResult result;

        /** @param first the batch position at which it takes its first token */
        Sequence(Entry entry, int limit, int first) {
            this.entry = entry;
            this.limit = limit;
            this.out = new int[(int) Math.min(entry.options().maxNewTokens(), limit - (long) first + 1)];
        }

        /** Draws the next token from its logits at batch position {@code position}; sets the result when it ends. */
        int take(double[] logits, int position, Listener listener) {
            GenerationOptions options = entry.options();
            int token = Sampler.sample(logits, options.temperature(), options.topP(), entry.random());
            if (options.stopTokens().contains(token)) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.STOP_TOKEN);
                return token;
            }
            out[produced++] = token;
            if (!listener.token(entry.id(), token)) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.ENDED_BY_CALLER);
            } else if (produced == options.maxNewTokens()) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.MAX_TOKENS);
            } else if (position == limit) {
                result = new GenerationResult(Arrays.copyOf(out, produced), GenerationResult.StopReason.CONTEXT_FULL);
            }
            return token;
        }
    }

    /**
     * A prompt's prefill: the whole decode when the model does not split it before its output projection, else the logits
     * of each sequence's last position only (B, 1, V): the rest would be a (B, T, V) block that sampling never reads (2 GB
     * for 2,048 prompt tokens over Gemma's 262,144 ids).
     */
    private static Tensor prefill(CausalLanguageModel model, int[] ids, int batch, int time, DecoderCache cache) {
        Tensor features = model.decodeFeatures(ids, batch, time, cache); // (B, T, C)
        if (features == null) {
            return model.decode(ids, batch, time, cache);
        }
        int channels = features.dim(-1);
        Tensor last = Tensor.zeros(features.precision(), batch, 1, channels);
        // each sequence's row of features seen as (B, T·C): its last position is the last C columns
        last.matrix(batch, channels).assign(features.matrix(batch, time * channels).colRange((time - 1) * channels, time * channels));
        return model.logitsOf(last);
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
