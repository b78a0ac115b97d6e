package org.lowrank4j.compress;


/**
 * What a long library call tells its caller while it works: progress of each phase, and notes (one line each, such
 * as which statistics were reused). The command line draws the first and prints the second; tests may ignore both.
 */
public interface Listener extends Progress {

    /** One line of information for the user. */
    void note(String line);

    /** Ignores everything. */
    Listener NONE = new Listener() {
        @Override
        public void update(String phase, long done, long total, String detail) {
        }

        @Override
        public void note(String line) {
        }
    };
}
