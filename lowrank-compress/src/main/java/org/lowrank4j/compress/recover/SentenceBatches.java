package org.lowrank4j.compress.recover;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * Sentences cut into batches, tokenized one batch at a time (only the batch in use is held as tokens). Each pass over
 * the text is a fresh shuffle (seed, pass); within every run of {@value #WINDOW} consecutive batches of a pass the
 * sentences are grouped by length, so a batch pads little, and the batches of the run are shuffled again. The
 * sentences left over at the end of a pass (fewer than {@code batchSize}) are not used in that pass.
 */
public final class SentenceBatches implements BatchSource {
    static final int WINDOW = 8;

    private final List<String> texts;
    private final HfTokenizer tokenizer;
    private final int batchSize;
    private final long seed;
    private long cachedPass = -1;
    private List<List<Integer>> cachedBatches;

    /**
     * @throws IllegalArgumentException when the text has fewer sentences than one batch
     */
    public SentenceBatches(List<String> texts, HfTokenizer tokenizer, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (texts.size() < batchSize) {
            throw new IllegalArgumentException("the text holds " + texts.size() + " sentence(s), too few to fill one batch of "
                    + batchSize + "; give more text or a smaller batch");
        }
        this.texts = List.copyOf(texts);
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** Whole batches in one pass over the text. */
    public int batchesPerPass() {
        return texts.size() / batchSize;
    }

    @Override
    public long stepsPerPass() {
        return batchesPerPass();
    }

    /** The sentences of batch {@code step}. */
    public List<String> sentences(long step) {
        List<Integer> rows = pass(step / batchesPerPass()).get((int) (step % batchesPerPass()));
        List<String> out = new ArrayList<>(rows.size());
        for (int i : rows) {
            out.add(texts.get(i));
        }
        return out;
    }

    @Override
    public TokenBatch batch(long step) {
        List<Integer> rows = pass(step / batchesPerPass()).get((int) (step % batchesPerPass()));
        return TokenBatch.of(tokenizer.encode(sentences(step))).withRows(rows.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public TokenWindows.Position position(long step) {
        return new TokenWindows.Position(step / batchesPerPass(), (int) (step % batchesPerPass()));
    }

    /** The batches (sentence indices) of one pass. */
    private synchronized List<List<Integer>> pass(long pass) {
        if (pass != cachedPass) {
            Random random = new Random(seed * 1_000_003L + pass);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            List<List<Integer>> batches = new ArrayList<>();
            int perPass = batchesPerPass();
            for (int first = 0; first < perPass; first += WINDOW) {
                int count = Math.min(WINDOW, perPass - first);
                List<Integer> window = new ArrayList<>(order.subList(first * batchSize, (first + count) * batchSize));
                window.sort(Comparator.comparingInt((Integer i) -> texts.get(i).length()).thenComparingInt(i -> i));
                List<List<Integer>> group = new ArrayList<>();
                for (int b = 0; b < count; b++) {
                    group.add(List.copyOf(window.subList(b * batchSize, (b + 1) * batchSize)));
                }
                Collections.shuffle(group, random);
                batches.addAll(group);
            }
            cachedBatches = batches;
            cachedPass = pass;
        }
        return cachedBatches;
    }
}
