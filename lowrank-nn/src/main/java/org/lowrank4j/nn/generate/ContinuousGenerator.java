package org.lowrank4j.nn.generate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Generates for many prompts at once with continuous batching (offline, as a server would under load). A
 * {@link DecodingBatch} starts with the oldest waiting prompt and the later ones that fit beside it, up to
 * {@code maxBatch}. Before each step, waiting prompts that can join it do ({@link DecodingBatch#canJoin}). When the
 * batch has ended, the next one starts with the oldest prompt still waiting. Each prompt gets what it would get alone,
 * up to the rounding of the batched products. A model that decodes one sequence at a time runs the prompts one by one.
 */
public final class ContinuousGenerator {
    private ContinuousGenerator() {
    }

    /** Told after each prompt ends: how many have, out of how many. */
    @FunctionalInterface
    public interface Progress {
        void finished(int done, int total);
    }

    /**
     * @param prompts  each at least one token id and fewer than the model's positions
     * @param options  one per prompt
     * @param randoms  one per prompt: the source of its sampling draws
     * @param maxBatch the most prompts decoded together, at least 1
     * @param progress told as prompts end, or null
     * @return the results in the prompts' order
     */
    public static List<GenerationResult> generate(CausalLanguageModel model, List<int[]> prompts, List<GenerationOptions> options,
            List<Random> randoms, int maxBatch, Progress progress) {
        int n = prompts.size(), maxPositions = model.maxPositions();
        if (options.size() != n || randoms.size() != n) {
            throw new IllegalArgumentException("one option set and one random source per prompt: got " + n + " prompts, " + options.size()
                    + " option sets and " + randoms.size() + " random sources");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the batch must hold at least one prompt, got " + maxBatch);
        }
        for (int i = 0; i < n; i++) {
            if (prompts.get(i).length < 1 || prompts.get(i).length >= maxPositions) {
                throw new IllegalArgumentException("prompt " + i + " has " + prompts.get(i).length + " tokens; each needs at least 1 and fewer than the"
                        + " model's " + maxPositions + " positions");
            }
        }
        int most = model.decodesPaddedBatches() ? maxBatch : 1;
        GenerationResult[] results = new GenerationResult[n];
        int[] done = {0};
        DecodingBatch.Listener listener = new DecodingBatch.Listener() {
            @Override
            public boolean token(int id, int token) {
                return true;
            }

            @Override
            public void ended(int id, GenerationResult result) {
                results[id] = result;
                if (progress != null) {
                    progress.finished(++done[0], n);
                }
            }
        };
        java.util.function.IntFunction<DecodingBatch.Entry> entry = i -> new DecodingBatch.Entry(i, prompts.get(i), options.get(i), randoms.get(i));
        ArrayDeque<Integer> waiting = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            waiting.add(i);
        }
        while (!waiting.isEmpty()) {
            List<DecodingBatch.Entry> entries = new ArrayList<>();
            for (int i : firstBatch(waiting, prompts, options, maxPositions, most)) {
                entries.add(entry.apply(i));
            }
            DecodingBatch batch = DecodingBatch.start(model, entries, listener);
            while (batch.running()) {
                List<DecodingBatch.Entry> joining = new ArrayList<>();
                for (Iterator<Integer> it = waiting.iterator(); it.hasNext() && batch.live() + joining.size() < most; ) {
                    int i = it.next();
                    if (batch.canJoin(prompts.get(i).length, options.get(i).maxNewTokens())) {
                        it.remove();
                        joining.add(entry.apply(i));
                    }
                }
                batch.join(joining); // prefilled together
                if (batch.running()) {
                    batch.step();
                }
            }
        }
        return List.of(results);
    }

    /** Takes the oldest waiting prompt and the later ones that keep their positions beside it, up to {@code most}. */
    private static List<Integer> firstBatch(ArrayDeque<Integer> waiting, List<int[]> prompts, List<GenerationOptions> options, int maxPositions,
            int most) {
        BatchGenerator.Padding padding = new BatchGenerator.Padding(maxPositions);
        List<Integer> batch = new ArrayList<>();
        for (Iterator<Integer> it = waiting.iterator(); it.hasNext() && batch.size() < most; ) {
            int i = it.next(), p = prompts.get(i).length, m = options.get(i).maxNewTokens();
            if (batch.isEmpty() || padding.fits(p, m)) {
                padding.add(p, m);
                batch.add(i);
                it.remove();
            }
        }
        return batch;
    }
}
