package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Running out of heap is the user's to fix: one line naming the heap the JVM had and a larger one to give it. (Measured
 * by hand: `LOWRANK_JAVA_OPTS=-Xmx600m bin/lowrank export` of a 200 M-parameter model printed that line, exit code 2.)
 */
class OutOfMemoryMessageTest {

    @Test
    void namesTheHeapItHadAndADoubledOne() {
        String line = UserErrors.outOfMemory(8L << 30);
        assertThat(line).contains("heap of at most 8.6 GB").contains("LOWRANK_JAVA_OPTS=-Xmx16g").doesNotContain("\n");
        assertThat(UserErrors.outOfMemory(600L << 20)).contains("-Xmx2g");
    }
}
