package org.lowrank4j.adapt;

import static org.assertj.core.api.Assertions.assertThat;

/** What the bad-input tests ask of a refusal: an {@link IllegalArgumentException} whose message is one line. */
public final class Refusals {
    private Refusals() {
    }

    /** Checks {@code t} is such a refusal and returns its message. */
    public static String oneLine(Throwable t) {
        assertThat(t).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.getMessage()).doesNotContain("\n");
        return t.getMessage();
    }
}
