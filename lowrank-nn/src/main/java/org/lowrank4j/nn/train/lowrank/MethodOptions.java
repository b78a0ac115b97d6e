package org.lowrank4j.nn.train.lowrank;

/**
 * The {@code KEY=VALUE} options of a training method as the command line gives them ({@code galore:rank=64:gap=200});
 * the CLI adapts its method-spec parser to this. A method reads its keys with their defaults, then
 * {@link #requireAllRead()} rejects any key it did not read.
 */
public interface MethodOptions {
    /** A number option; {@code fallback} when absent. */
    double number(String key, double fallback);

    /** A whole-number option; {@code fallback} when absent. */
    int integer(String key, int fallback);

    /** Fails, naming the key and the keys the method takes, when a key was given that no getter read. */
    void requireAllRead();

    /** No options at all. */
    MethodOptions NONE = new MethodOptions() {
        @Override
        public double number(String key, double fallback) {
            return fallback;
        }

        @Override
        public int integer(String key, int fallback) {
            return fallback;
        }

        @Override
        public void requireAllRead() {
        }
    };
}
