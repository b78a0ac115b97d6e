package org.lowrank4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.lowrank4j.nn.train.TrainingDivergedException;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * Turns the exceptions a user can cause (bad paths, bad options, unreadable files) into one line on stderr and
 * exit code 2; anything else is a bug and keeps its stack trace (exit code 1).
 */
final class UserErrors implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
        ProgressBar.endLine(cli.getErr());
        String command = cli.getCommandSpec().qualifiedName(" "); // "lowrank adapter squeeze", not just "squeeze"
        if (e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof ArithmeticException || e instanceof TrainingDivergedException) {
            String message = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause().getMessage() : e.getMessage();
            cli.getErr().println(command + ": " + message);
            return 2;
        }
        cli.getErr().println(command + ": internal error, please report it with the command you ran");
        e.printStackTrace(cli.getErr());
        return 1;
    }

    /** The one line for a run that ran out of heap, naming the heap it had and how to give it more. */
    static String outOfMemory(long maxHeapBytes) {
        return String.format(java.util.Locale.ROOT, "lowrank: ran out of memory with a heap of at most %.1f GB; give the JVM more, e.g."
                + " LOWRANK_JAVA_OPTS=-Xmx%dg bin/lowrank … (bin/lowrank starts it with -Xmx8g), or use --blockwise where the command has it",
                maxHeapBytes / 1e9, Math.max(2, 2 * (int) Math.ceil(maxHeapBytes / (double) (1L << 30))));
    }

    /**
     * A command line picocli cannot parse (an unknown option, a missing value, a value of the wrong type): one line naming
     * the option and pointing to the help, exit code 2, instead of picocli's message followed by the whole usage.
     */
    static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        String command = cli.getCommandSpec().qualifiedName(" ");
        String message = e.getMessage() == null ? "cannot parse the command line" : e.getMessage().lines().findFirst().orElse("").strip();
        cli.getErr().println(command + ": " + message + " (see " + command + " --help)");
        cli.getErr().flush();
        return 2;
    }
}
