package org.lowrank4j.compress;

/**
 * Where long work reports how far it is; the CLI draws a bar, library callers may ignore it. Library code
 * never prints. Per-site work runs on several threads and reports from each of them, so an implementation must be
 * safe to call concurrently.
 */
@FunctionalInterface
public interface Progress {

    /** {@code done} of {@code total} units of {@code phase} are finished; {@code detail} may be empty. */
    void update(String phase, long done, long total, String detail);

    Progress NONE = (phase, done, total, detail) -> { };
}
