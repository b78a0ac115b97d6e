package org.lowrank4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code lowrank} command: one thin class per verb; this is the only layer that prints or exits. */
@Command(name = "lowrank", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Find and exploit low-rank structure in neural networks.",
        subcommands = {DemoCommand.class, PlotLogCommand.class, CompressCommand.class, RecoverCommand.class, EvalCommand.class, InspectCommand.class, CompareCommand.class,
                BenchCommand.class, CompleteCommand.class, ButterflyCommand.class, AnncurCommand.class, BayesPruneCommand.class, TensorCommand.class, TrainCommand.class, GenerateCommand.class, IntrinsicCommand.class, PerplexityCommand.class, FinetuneCommand.class, AdapterCommand.class, ServeCommand.class, CskvCommand.class, ExportCommand.class, TokenizerCommand.class,
                CommandLine.HelpCommand.class})
public final class LowrankCommand implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a verb there is nothing to do: the usage goes to stderr and the exit code says it was a mistake. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new LowrankCommand());
        cli.setExecutionExceptionHandler(new UserErrors());
        cli.setParameterExceptionHandler(UserErrors::handleParameterException);
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) { // the model or the data is larger than the heap the JVM was given: the user's to raise
            ProgressBar.endLine(cli.getErr());
            cli.getErr().println(UserErrors.outOfMemory(Runtime.getRuntime().maxMemory()));
            cli.getErr().flush();
            return 2;
        }
    }
}
