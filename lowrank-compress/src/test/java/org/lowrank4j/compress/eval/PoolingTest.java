package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PoolingTest {

    // (batch 2, tokens 3, width 2)
    private static final float[] HIDDEN = {1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10};
    private static final long[][] MASK = {{1, 1, 0}, {1, 1, 1}};

    @Test
    void meanSkipsPadding() {
        float[][] pooled = Pooling.MEAN.pool(HIDDEN, 2, 3, 2, MASK);
        assertThat(pooled[0]).containsExactly(2, 3);
        assertThat(pooled[1]).containsExactly(7, 8);
    }

    @Test
    void clsTakesTheFirstToken() {
        float[][] pooled = Pooling.CLS.pool(HIDDEN, 2, 3, 2, MASK);
        assertThat(pooled[0]).containsExactly(1, 2);
        assertThat(pooled[1]).containsExactly(5, 6);
    }
}
