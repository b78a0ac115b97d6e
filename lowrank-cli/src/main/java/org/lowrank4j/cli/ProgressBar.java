package org.lowrank4j.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.lowrank4j.compress.Listener;

/**
 * Draws library progress as a one-line bar on stderr, redrawn at most five times a second, with the elapsed
 * time of the phase and, once it has moved, an estimate of the time left (from its pace since the phase began here, so
 * a resumed run is not credited with the steps done before). A finished phase keeps its line.
 */
final class ProgressBar implements Listener {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final java.util.function.LongSupplier clock; // nanoseconds
    private String phase = "";
    private long phaseStart;
    private long phaseFirstDone;
    private long lastDraw;
    /** True while a bar line is drawn without its newline (so an error message can start on a fresh line). */
    private static volatile boolean lineOpen;

    ProgressBar(PrintStream out) {
        this(out, System::nanoTime);
    }

    /** With the clock given (tests). */
    ProgressBar(PrintStream out, java.util.function.LongSupplier clock) {
        this.out = out;
        this.clock = clock;
    }

    static ProgressBar stderr() {
        return new ProgressBar(System.err);
    }

    /** The bar on stderr, with notes printed there as lines of their own. */
    static Listener stderrListener() {
        return stderr();
    }

    /** A note ends any half-drawn bar and takes a line of its own. */
    @Override
    public synchronized void note(String line) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println(line);
        out.flush();
    }

    @Override
    public synchronized void update(String phase, long done, long total, String detail) {
        long now = clock.getAsLong();
        if (!phase.equals(this.phase)) {
            this.phase = phase;
            phaseStart = now;
            phaseFirstDone = done;
            lastDraw = Long.MIN_VALUE;
        }
        boolean finished = total > 0 && done >= total;
        if (!finished && lastDraw != Long.MIN_VALUE && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        int filled = total <= 0 ? 0 : (int) Math.min(WIDTH, WIDTH * done / total);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        double elapsed = (now - phaseStart) / 1e9;
        String eta = "";
        if (!finished && total > 0 && done > phaseFirstDone && elapsed > 0) {
            eta = " eta " + duration(elapsed / (done - phaseFirstDone) * (total - done));
        }
        String text = String.format(Locale.ROOT, "\r%-24s [%s] %d/%d %5.1fs%s %s", shorten(phase, 24), bar, done, total, elapsed, eta,
                shorten(detail, 32));
        out.print(text + " ".repeat(Math.max(0, 100 - text.length())));
        lineOpen = !finished;
        if (finished) {
            out.println();
        }
        out.flush();
    }

    /** Ends a half-drawn bar line, so that what is printed next starts at the left margin. */
    static void endLine(java.io.PrintWriter err) {
        if (lineOpen) {
            err.println();
            lineOpen = false;
        }
    }

    /** 42s, 3m07s, 1h05m. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
