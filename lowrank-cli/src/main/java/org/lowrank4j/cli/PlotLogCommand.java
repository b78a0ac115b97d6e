package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lowrank4j.nn.train.LossPlot;
import org.lowrank4j.nn.train.TrainingLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank plot-log}: the loss curve of a {@code train-log.csv} as a PNG (training and validation loss). */
@Command(name = "plot-log", mixinStandardHelpOptions = true, description = "Draw the loss curve of a train-log.csv as a PNG.")
final class PlotLogCommand implements Callable<Integer> {

    @Option(names = "--log", required = true, description = "train-log.csv written by lowrank train; repeat it to draw several runs "
            + "in one figure, each labelled by its folder's name.")
    java.util.List<Path> logs;

    @Option(names = "--out", required = true, description = "PNG file to write.")
    Path out;

    @Option(names = "--force", description = "Replace the output file if it exists (never an input).")
    boolean force;

    @Option(names = "--title", defaultValue = "training loss", description = "Title (default ${DEFAULT-VALUE}).")
    String title;

    @Override
    public Integer call() throws Exception {
        if (logs.size() > 1) {
            java.util.Map<String, TrainingLog> runs = new java.util.LinkedHashMap<>();
            for (Path log : logs) {
                Path folder = log.toAbsolutePath().getParent();
                runs.put(folder == null ? log.toString() : folder.getFileName().toString(), TrainingLog.read(Inputs.requireFile(log, "--log")));
                Inputs.requireOutput("--out", out, force, "--log", log);
            }
            LossPlot.write(runs, title, out);
            System.out.println("wrote " + out);
            return 0;
        }
        Path log = logs.get(0);
        TrainingLog parsed = TrainingLog.read(Inputs.requireFile(log, "--log"));
        Inputs.requireOutput("--out", out, force, "--log", log);
        LossPlot.write(parsed, title, out);
        System.out.println("wrote " + out);
        return 0;
    }
}
