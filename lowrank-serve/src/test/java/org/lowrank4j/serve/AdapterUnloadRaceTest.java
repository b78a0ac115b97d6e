package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.serve.generate.DecoderModel;

/**
 * A request for an adapter that is unloaded while the request waits for its turn is answered 404, and the model never
 * runs without it by mistake: work holds the decoding thread, an unload queues behind it, then the request behind that.
 */
class AdapterUnloadRaceTest {

    @Test
    void aRequestWhoseAdapterWasUnloadedWhileItWaitedGets404(@TempDir Path dir) throws Exception {
        Path base = TestModels.tinyDecoder(dir.resolve("tiny-decoder"), 256);
        Path mlp = AdapterServingTest.adapter(base, dir.resolve("mlp"), List.of("gate_proj", "down_proj"), 2);
        DecoderModel model = DecoderModel.open(base, Map.of("mlp", mlp), 64, 8, Duration.ZERO, Duration.ofSeconds(30));
        CompletableFuture<Integer> waiting = new CompletableFuture<>();
        Thread unload = new Thread(() -> model.unload("mlp"));
        DecoderBatchingTest.whileHeld(model, () -> { // the decoding thread is busy: the unload queues, then the request behind it
            unload.start();
            awaitParked(unload);
            Thread request = new Thread(() -> {
                try {
                    model.complete(new DecoderModel.Request("mlp", "We the people", 8, 0, 1, 0, List.of()), null);
                    waiting.complete(200);
                } catch (ApiError e) {
                    waiting.complete(e.status());
                } catch (RuntimeException e) {
                    waiting.completeExceptionally(e);
                }
            });
            request.start();
            awaitParked(request);
            assertThat(model.adapterNames()).containsExactly("mlp"); // nothing has run yet
            return null;
        });
        unload.join(30_000);
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(404);
        assertThat(model.adapterNames()).isEmpty();
        assertThat(model.complete(new DecoderModel.Request(null, "We the people", 8, 0, 1, 0, List.of()), null).completionTokens()).isEqualTo(8);
        model.close();
    }

    /** Waits until {@code thread} is blocked (waiting for the decoding thread). */
    static void awaitParked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.getState() != Thread.State.TIMED_WAITING && thread.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime()).as(thread + " never waited").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
