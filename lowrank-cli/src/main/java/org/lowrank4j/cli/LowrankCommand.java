package org.lowrank4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lowrank} command: one thin class per verb; this is the only layer that prints or exits. */
@Command(name = "lowrank", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Find and exploit low-rank structure in neural networks.",
        subcommands = {DemoCommand.class, PlotLogCommand.class, CompressCommand.class, RecoverCommand.class, EvalCommand.class, InspectCommand.class, CompareCommand.class,
                BenchCommand.class, TrainCommand.class, GenerateCommand.class, PerplexityCommand.class,
                CommandLine.HelpCommand.class})
public final class LowrankCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new LowrankCommand());
        cli.setExecutionExceptionHandler(new UserErrors());
        return cli.execute(args);
    }
}
