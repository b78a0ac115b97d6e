package org.lowrank4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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
            Throwable cause = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
            String message = cause instanceof FileSystemException f ? describe(f) : cause.getMessage();
            cli.getErr().println(command + ": " + message);
            return 2;
        }
        cli.getErr().println(command + ": internal error, please report it with the command you ran");
        e.printStackTrace(cli.getErr());
        return 1;
    }

    /**
     * One line for a failed file operation, whose own message is often the bare path: what went wrong with which file, and
     * what to do. A staging file ({@code .NAME.lowrank-PID-RANDOM.tmp}, see AtomicFiles) is shown as the output it stands for.
     */
    static String describe(FileSystemException e) {
        String file = shown(e.getFile()), reason = e.getReason();
        String because = reason == null || reason.isBlank() ? "" : " (" + reason.strip() + ")";
        if (e instanceof NoSuchFileException) {
            return "cannot open or create " + file + ": no such file or folder" + because
                    + "; check the path, and for an output that its folder exists and accepts new files";
        }
        if (e instanceof AccessDeniedException) {
            return "cannot open or create " + file + ": permission denied" + because + "; choose a path you can read, or write for an output";
        }
        if (e instanceof NotDirectoryException) {
            return file + " is not a folder" + because + "; name a folder there";
        }
        if (e instanceof FileAlreadyExistsException) {
            return file + " already exists" + because + "; choose another name or remove it";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return file + " is a folder that is not empty" + because + "; choose another name or empty it";
        }
        String other = e.getOtherFile() == null ? "" : " and " + shown(e.getOtherFile());
        return "file operation on " + file + other + " failed" + (because.isEmpty() ? " (" + e.getClass().getSimpleName() + ")" : because);
    }

    private static final java.util.regex.Pattern STAGED = java.util.regex.Pattern.compile("\\.(.+)\\.lowrank-\\d+-[0-9a-fA-F]+\\.(tmp|old)");

    private static String shown(String file) {
        if (file == null) {
            return "a file";
        }
        java.nio.file.Path path = java.nio.file.Path.of(file);
        java.util.regex.Matcher m = path.getFileName() == null ? null : STAGED.matcher(path.getFileName().toString());
        return m != null && m.matches() ? path.resolveSibling(m.group(1)).toString() : file;
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
