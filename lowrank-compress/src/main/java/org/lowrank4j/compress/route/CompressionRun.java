package org.lowrank4j.compress.route;

import java.nio.file.Path;
import org.lowrank4j.compress.CompressionOutcome;

/** A finished {@link Compression#run}: the outcome, where its record and report went, and the wall time. */
public record CompressionRun(CompressionOutcome outcome, Path record, Path report, double wallSeconds) {
}
