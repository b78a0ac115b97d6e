package org.lowrank4j.formats.io;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The contract every reader keeps on any input: it returns, or it throws the project's user error (an
 * {@link IllegalArgumentException} or {@link IOException} whose message is one line that names the file), and it
 * does so in bounded time. Anything else (a NullPointerException, an index out of bounds, an OutOfMemoryError, a
 * parser's own exception, a hang) fails the test with the input's description.
 */
public final class ReaderOutcome {
    /** Longest a single read may take before it counts as a hang. */
    public static final long TIME_LIMIT_SECONDS = 20;

    private static final ExecutorService READER = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "fuzzed-reader");
        thread.setDaemon(true);
        return thread;
    });

    private ReaderOutcome() {
    }

    /** What a read ended with. */
    public enum Kind { LOADED, USER_ERROR }

    /**
     * Runs {@code read} and checks that it loads or fails as a user error whose message contains {@code fileName}.
     *
     * @param input what was fed, for the failure message (a seed, a mutation list)
     */
    public static Kind check(String fileName, Object input, Callable<?> read) {
        Future<?> future = READER.submit(read);
        try {
            future.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
            return Kind.LOADED;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("reading " + fileName + " took over " + TIME_LIMIT_SECONDS + " s (a hang?) on "
                    + input);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            Throwable thrown = e.getCause();
            if (!(thrown instanceof IllegalArgumentException) && !(thrown instanceof IOException)) {
                throw new AssertionError("reading " + fileName + " threw " + thrown + ", not a user error, on "
                        + input, thrown);
            }
            String message = thrown.getMessage();
            if (message == null || message.contains("\n") || message.contains("\r") || message.length() > 2000
                    || !message.contains(fileName)) {
                throw new AssertionError("reading " + fileName + " failed with a message that is not one line of "
                        + "at most 2000 characters naming the file: " + thrown + ", on " + input, thrown);
            }
            return Kind.USER_ERROR;
        }
    }
}
