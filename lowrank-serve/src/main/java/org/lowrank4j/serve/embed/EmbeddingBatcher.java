package org.lowrank4j.serve.embed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.tokenize.EncodedBatch;

/**
 * Merges embedding requests that arrive close together into one ONNX Runtime run. One worker thread owns the session:
 * it takes the first waiting request, then keeps taking requests for up to {@code window} or until {@code maxBatch}
 * texts are gathered, sorts the texts by length (less padding), runs them in batches of at most {@code maxBatch}
 * (padding is masked out, so a text's vector does not depend on its batch mates beyond float rounding) and completes
 * each request with its own rows, L2-normalised.
 */
final class EmbeddingBatcher implements AutoCloseable {

    /** Token ids of the texts of one request, and where their vectors go. */
    private record Job(long[][] ids, CompletableFuture<float[][]> result) {
    }

    private final EmbeddingRunner runner;
    private final Pooling pooling;
    private final long padId;
    private final int maxBatch;
    private final long windowNanos;
    private final IntConsumer batchObserver;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private volatile boolean closed;

    /**
     * @param batchObserver told the size of every run (for the metrics)
     */
    EmbeddingBatcher(EmbeddingRunner runner, Pooling pooling, long padId, int maxBatch, long windowNanos, IntConsumer batchObserver) {
        this.runner = runner;
        this.pooling = pooling;
        this.padId = padId;
        this.maxBatch = maxBatch;
        this.windowNanos = windowNanos;
        this.batchObserver = batchObserver;
        this.worker = new Thread(this::loop, "lowrank-serve-embedder");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues the texts of one request (token ids with special tokens); completes with one unit vector per text. */
    CompletableFuture<float[][]> submit(long[][] ids) {
        CompletableFuture<float[][]> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("the embedder is closed"));
            return result;
        }
        queue.add(new Job(ids, result));
        return result;
    }

    private void loop() {
        while (!closed) {
            List<Job> jobs = new ArrayList<>();
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                jobs.add(first);
                int texts = first.ids().length;
                long deadline = System.nanoTime() + windowNanos;
                while (texts < maxBatch) {
                    long wait = deadline - System.nanoTime();
                    Job next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    jobs.add(next);
                    texts += next.ids().length;
                }
                run(jobs);
            } catch (InterruptedException e) {
                jobs.forEach(j -> j.result().completeExceptionally(e));
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                jobs.forEach(j -> j.result().completeExceptionally(e));
            }
        }
    }

    private void run(List<Job> jobs) {
        jobs.removeIf(j -> j.result().isDone()); // timed out and given up by its request
        List<long[]> rows = new ArrayList<>();
        List<float[][]> outputs = new ArrayList<>();
        List<int[]> owners = new ArrayList<>(); // (job, row in job) of every flattened text
        for (int j = 0; j < jobs.size(); j++) {
            long[][] ids = jobs.get(j).ids();
            outputs.add(new float[ids.length][]);
            for (int i = 0; i < ids.length; i++) {
                rows.add(ids[i]);
                owners.add(new int[] {j, i});
            }
        }
        Integer[] order = new Integer[rows.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> rows.get(i).length));
        for (int start = 0; start < order.length; start += maxBatch) {
            int end = Math.min(order.length, start + maxBatch);
            long[][] chunk = new long[end - start][];
            for (int k = start; k < end; k++) {
                chunk[k - start] = rows.get(order[k]);
            }
            float[][] vectors = runner.embed(pad(chunk), pooling, true);
            batchObserver.accept(chunk.length);
            for (int k = start; k < end; k++) {
                int[] owner = owners.get(order[k]);
                outputs.get(owner[0])[owner[1]] = vectors[k - start];
            }
        }
        for (int j = 0; j < jobs.size(); j++) {
            jobs.get(j).result().complete(outputs.get(j));
        }
    }

    /** Right-padded ids, the attention mask, and zero token types (one segment per text). */
    private EncodedBatch pad(long[][] rows) {
        int longest = 0;
        for (long[] row : rows) {
            longest = Math.max(longest, row.length);
        }
        long[][] ids = new long[rows.length][longest], mask = new long[rows.length][longest], types = new long[rows.length][longest];
        for (int i = 0; i < rows.length; i++) {
            Arrays.fill(ids[i], padId);
            System.arraycopy(rows[i], 0, ids[i], 0, rows[i].length);
            Arrays.fill(mask[i], 0, rows[i].length, 1L);
        }
        return new EncodedBatch(ids, mask, types);
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Job left;
        while ((left = queue.poll()) != null) {
            left.result().completeExceptionally(new IllegalStateException("the server stopped"));
        }
    }
}
