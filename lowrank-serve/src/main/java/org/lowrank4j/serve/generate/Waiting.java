package org.lowrank4j.serve.generate;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.lowrank4j.serve.ApiError;

/**
 * One completion request from the moment it is queued: the decoding thread posts its text deltas and its end here, and
 * the request's own thread takes them and writes them to its client, so a slow client never holds up the batch.
 */
final class Waiting {
    final DecoderModel.Request request;
    final int[] prompt;
    final long deadline; // System.nanoTime() past which it is answered with an error
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>(); // String deltas, then a Completion or a Throwable
    private volatile boolean abandoned;

    Waiting(DecoderModel.Request request, int[] prompt, long deadline) {
        this.request = request;
        this.prompt = prompt;
        this.deadline = deadline;
    }

    /** True once the request's thread has given up on it (its client went away): decoding it further is wasted. */
    boolean abandoned() {
        return abandoned;
    }

    void delta(String text) {
        if (!text.isEmpty()) {
            events.add(text);
        }
    }

    void done(DecoderModel.Completion completion) {
        events.add(completion);
    }

    void failed(Throwable error) {
        events.add(error);
    }

    /**
     * On the request's thread: hands each delta to {@code onDelta} until the completion comes. When nothing has come by
     * the deadline, {@code giveUpIfQueued} runs: it throws the 503 when the request never started; otherwise the decoding
     * thread has it and ends it with a 504 at its next token.
     */
    DecoderModel.Completion await(Consumer<String> onDelta, Runnable giveUpIfQueued) {
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Object event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (event == null) {
                    giveUpIfQueued.run();
                    event = events.take();
                }
                if (event instanceof String delta) {
                    if (onDelta != null) {
                        onDelta.accept(delta);
                    }
                } else if (event instanceof DecoderModel.Completion completion) {
                    return completion;
                } else if (event instanceof RuntimeException e) {
                    throw e;
                } else {
                    throw (Error) event;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandoned = true;
            throw new ApiError(503, "interrupted", "the server was interrupted");
        } catch (RuntimeException | Error e) {
            abandoned = true; // a client that hung up while streaming, or an error: nothing more will be read
            throw e;
        }
    }
}
