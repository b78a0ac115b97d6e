package org.lowrank4j.adapt.classify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.nn.train.TrainingLog;

/** The CSV log of a classifier run (one row a step, appended at checkpoints), the folder written at each checkpoint, and the caller's listener. */
final class ClassifierLog implements FineTuneListener {
    /** Writes the adapter folder as it stands. */
    interface FolderWriter {
        void write() throws IOException;
    }

    private final Path file;
    private final String header;
    private final FineTuneListener next;
    private final FolderWriter folder;
    private final List<String> pending = new ArrayList<>();
    private double lastLoss = Double.NaN;

    ClassifierLog(Path file, String header, FineTuneListener next, FolderWriter folder) {
        this.file = file;
        this.header = header;
        this.next = next;
        this.folder = folder;
    }

    double lastLoss() {
        return lastLoss;
    }

    /** Keeps the header and the rows of steps up to {@code step} (a resumed run rewrites the rest). */
    void truncateFrom(long step) throws IOException {
        TrainingLog.keepRowsThrough(file, header, step);
    }

    @Override
    public void onPhase(String phase, String detail) {
        next.onPhase(phase, detail);
    }

    @Override
    public void onStep(StepReport r) {
        lastLoss = r.loss();
        pending.add(String.format(Locale.ROOT, "%d,%.6f,%.6g,%.6g,%.2f", r.step() + 1, r.loss(), r.learningRate(), r.gradientNorm(),
                r.tokensPerSecond()));
        next.onStep(r);
    }

    @Override
    public void onCheckpoint(long completedSteps, Path checkpoint) {
        close();
        try {
            folder.write();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the adapter folder beside " + checkpoint, e);
        }
        next.onCheckpoint(completedSteps, checkpoint);
    }

    void close() {
        if (pending.isEmpty()) {
            return;
        }
        try {
            Files.writeString(file, String.join("\n", pending) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        pending.clear();
    }
}
