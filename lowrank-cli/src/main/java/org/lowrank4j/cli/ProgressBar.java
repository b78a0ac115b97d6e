package org.lowrank4j.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.lowrank4j.compress.Listener;

/**
 * Draws library progress as a one-line bar on stderr, redrawn at most five times a second, with the elapsed
 * time of the phase. A finished phase keeps its line.
 */
final class ProgressBar implements Listener {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private String phase = "";
    private long phaseStart;
    private long lastDraw;
    /** True while a bar line is drawn without its newline (so an error message can start on a fresh line). */
    private static volatile boolean lineOpen;

    ProgressBar(PrintStream out) {
        this.out = out;
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
        long now = System.nanoTime();
        if (!phase.equals(this.phase)) {
            this.phase = phase;
            phaseStart = now;
            lastDraw = 0;
        }
        boolean finished = total > 0 && done >= total;
        if (!finished && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        int filled = total <= 0 ? 0 : (int) Math.min(WIDTH, WIDTH * done / total);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        String text = String.format(Locale.ROOT, "\r%-24s [%s] %d/%d %5.1fs %s", shorten(phase, 24), bar, done, total,
                (now - phaseStart) / 1e9, shorten(detail, 32));
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

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
