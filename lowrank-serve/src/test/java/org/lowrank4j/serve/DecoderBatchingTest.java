package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.serve.generate.DecoderModel;

/**
 * Completion requests queued while the decoding thread is busy are decoded together, whatever adapter each names,
 * grouped by the positions each needs, and each gets exactly what the same server decoding one request at a time gives it.
 */
class DecoderBatchingTest {

    private static DecoderModel.Request greedy(String adapter, String prompt, int maxTokens) {
        return new DecoderModel.Request(adapter, prompt, maxTokens, 0, 1, 0, List.of());
    }

    @Test
    void queuedRequestsDecodeTogetherAndEachGetsWhatItGetsAlone(@TempDir Path dir) throws Exception {
        Path base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 256);
        Path mlp = AdapterServingTest.adapter(base, dir.resolve("mlp"), List.of("gate_proj", "down_proj"), 2);
        Path attention = AdapterServingTest.adapter(base, dir.resolve("attention"), List.of("q_proj", "k_proj", "v_proj", "o_proj"), 1);
        Map<String, Path> adapters = Map.of("mlp", mlp, "attention", attention);
        String free;
        try (DecoderModel alone = DecoderModel.open(base, Map.of(), 128, 1, Duration.ZERO, Duration.ofSeconds(30))) {
            free = alone.complete(new DecoderModel.Request(null, "It was the best of times", 20, 1.2, 1, 3, List.of()), null).text();
        }
        String stop = free.substring(free.length() / 2, free.length() / 2 + 1); // a stop string that ends request 3 early
        List<DecoderModel.Request> requests = List.of(
                greedy(null, "We the people", 12),
                new DecoderModel.Request(null, "Four score and seven years ago", 10, 0.9, 0.95, 5, List.of()),
                greedy("mlp", "We the people", 8),
                new DecoderModel.Request(null, "It was the best of times", 20, 1.2, 1, 3, List.of(stop)),
                greedy("attention", "Call me Ishmael. Some years ago, never mind how long precisely", 16),
                new DecoderModel.Request("mlp", "The only thing we have to fear", 9, 0.8, 0.9, 77, List.of()),
                greedy("attention", "We the people", 11));
        try (DecoderModel alone = DecoderModel.open(base, adapters, 128, 1, Duration.ZERO, Duration.ofSeconds(30));
                DecoderModel batched = DecoderModel.open(base, adapters, 128, 8, Duration.ZERO, Duration.ofSeconds(30))) {
            List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
            batched.onBatch(sizes::add);
            List<StringBuilder> streamed = new ArrayList<>();
            List<CompletableFuture<DecoderModel.Completion>> answers = whileHeld(batched, () -> {
                List<CompletableFuture<DecoderModel.Completion>> futures = new ArrayList<>();
                for (DecoderModel.Request r : requests) {
                    StringBuilder deltas = new StringBuilder();
                    streamed.add(deltas);
                    futures.add(queue(batched, r, deltas::append));
                }
                return futures;
            });
            for (int i = 0; i < requests.size(); i++) {
                DecoderModel.Completion got = answers.get(i).get(30, TimeUnit.SECONDS);
                assertThat(got).as("request %d", i).isEqualTo(alone.complete(requests.get(i), null));
                assertThat(streamed.get(i).toString()).isEqualTo(got.text());
                assertThat(got.completionTokens()).isPositive();
            }
            assertThat(sizes).containsExactly(7); // the base alone and both adapters in one batch
            assertThat(answers.get(3).get().finishReason()).isEqualTo("stop"); // a stop string ends one member early
        }
    }

    @Test
    void aBatchTakesOnlyRequestsThatKeepTheirPositionsAndAtMostMaxBatch(@TempDir Path dir) throws Exception {
        Path base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 32);
        List<DecoderModel.Request> requests = List.of(
                greedy(null, "abcdefghijklmnopqrst", 4),  // 20 tokens
                greedy(null, "ab", 20),                    // beside it: 18 + 22 = 40 positions > 32, so not with it
                greedy(null, "abc", 4),                    // 17 + 7 = 24: fits
                greedy(null, "abcde", 4));
        try (DecoderModel alone = DecoderModel.open(base, Map.of(), 31, 1, Duration.ZERO, Duration.ofSeconds(30));
                DecoderModel batched = DecoderModel.open(base, Map.of(), 31, 2, Duration.ZERO, Duration.ofSeconds(30))) {
            List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
            batched.onBatch(sizes::add);
            List<CompletableFuture<DecoderModel.Completion>> answers = whileHeld(batched, () -> {
                List<CompletableFuture<DecoderModel.Completion>> futures = new ArrayList<>();
                for (DecoderModel.Request r : requests) {
                    futures.add(queue(batched, r, null));
                }
                return futures;
            });
            for (int i = 0; i < requests.size(); i++) {
                assertThat(answers.get(i).get(30, TimeUnit.SECONDS)).as("request %d", i).isEqualTo(alone.complete(requests.get(i), null));
            }
            assertThat(sizes).containsExactly(2, 2); // [first, third], then [second, fourth]
        }
    }

    @Test
    void aBatchSmallerThanTheOneBeforeWaitsItsWindowForMoreAndStartsOnceAsLarge(@TempDir Path dir) throws Exception {
        Path base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 256);
        DecoderModel.Request first = greedy(null, "We the people", 6), second = greedy(null, "of the United States", 6);
        try (DecoderModel alone = DecoderModel.open(base, Map.of(), 64, 1, Duration.ZERO, Duration.ofSeconds(30));
                DecoderModel batched = DecoderModel.open(base, Map.of(), 64, 2, Duration.ofSeconds(20), Duration.ofSeconds(30))) {
            List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
            batched.onBatch(sizes::add);
            for (CompletableFuture<DecoderModel.Completion> done : whileHeld(batched, () -> List.of(queue(batched, first, null), queue(batched, second, null)))) {
                done.get(30, TimeUnit.SECONDS); // a batch of two
            }
            CompletableFuture<DecoderModel.Completion> a = queue(batched, first, null); // nothing holds the decoding thread: it waits for a second
            CompletableFuture<DecoderModel.Completion> b = CompletableFuture.supplyAsync(() -> batched.complete(second, null));
            assertThat(a.get(15, TimeUnit.SECONDS)).isEqualTo(alone.complete(first, null)); // two again: no 20 s wait
            assertThat(b.get(15, TimeUnit.SECONDS)).isEqualTo(alone.complete(second, null));
            assertThat(sizes).containsExactly(2, 2);
        }
    }

    @Test
    void aClientThatGoesAwayLeavesTheOthersOfItsBatchWhole(@TempDir Path dir) throws Exception {
        Path base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 256);
        DecoderModel.Request first = greedy(null, "We the people", 24), second = greedy(null, "In order to form", 24);
        try (DecoderModel alone = DecoderModel.open(base, Map.of(), 64, 1, Duration.ZERO, Duration.ofSeconds(30));
                DecoderModel batched = DecoderModel.open(base, Map.of(), 64, 8, Duration.ZERO, Duration.ofSeconds(30))) {
            List<CompletableFuture<DecoderModel.Completion>> answers = whileHeld(batched, () -> List.of(
                    queue(batched, first, delta -> {
                        throw new UncheckedIOException(new IOException("Broken pipe")); // as a closed connection does
                    }),
                    queue(batched, second, null)));
            assertThat(answers.get(0)).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(UncheckedIOException.class);
            assertThat(answers.get(1).get(30, TimeUnit.SECONDS)).isEqualTo(alone.complete(second, null));
        }
        ServerMetrics metrics = new ServerMetrics();
        metrics.decodeBatch(2);
        assertThat(metrics.render()).contains("lowrank_decode_batch_size_bucket{le=\"2.0\"} 1", "lowrank_decode_batch_size_count 1");
    }

    @Test
    void aRequestThatComesInWhileABatchRunsJoinsItAndGetsWhatItGetsAlone(@TempDir Path dir) throws Exception {
        Path base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 1024);
        Map<String, Path> adapters = Map.of("mlp", AdapterServingTest.adapter(base, dir.resolve("mlp"), List.of("gate_proj", "down_proj"), 2));
        DecoderModel.Request running = greedy(null, "We the people", 1000), joining = greedy("mlp", "Four score", 8);
        try (DecoderModel alone = DecoderModel.open(base, adapters, 128, 1, Duration.ZERO, Duration.ofSeconds(30));
                DecoderModel batched = DecoderModel.open(base, adapters, 128, 8, Duration.ZERO, Duration.ofSeconds(30))) {
            List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
            batched.onBatch(sizes::add);
            CompletableFuture<CompletableFuture<DecoderModel.Completion>> joined = new CompletableFuture<>();
            // the second request is sent at the first's first delta: the first has ~1,000 steps left, so it finds the batch running
            CompletableFuture<DecoderModel.Completion> first = queue(batched, running, delta -> {
                if (!joined.isDone()) {
                    joined.complete(CompletableFuture.supplyAsync(() -> batched.complete(joining, null)));
                }
            });
            DecoderModel.Completion second = joined.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(alone.complete(running, null));
            assertThat(second).isEqualTo(alone.complete(joining, null));
            assertThat(sizes).containsExactly(2); // one batch served both
        }
    }

    /** A request answered on its own thread; returns once it waits for the decoding thread. */
    private static CompletableFuture<DecoderModel.Completion> queue(DecoderModel model, DecoderModel.Request request, Consumer<String> onDelta)
            throws InterruptedException {
        CompletableFuture<DecoderModel.Completion> answer = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                answer.complete(model.complete(request, onDelta));
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        thread.start();
        AdapterUnloadRaceTest.awaitParked(thread);
        return answer;
    }

    interface Queuing<T> {
        T run() throws InterruptedException;
    }

    /** Runs {@code queuing} while work holds the decoding thread, so that everything it queues waits; then lets go. */
    static <T> T whileHeld(DecoderModel model, Queuing<T> queuing) throws Exception {
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try {
                model.betweenBatches(() -> {
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        holder.start();
        assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            return queuing.run();
        } finally {
            release.countDown();
            holder.join(30_000);
        }
    }
}
