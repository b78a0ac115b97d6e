package org.lowrank4j.compress.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class DecoderPerplexityTest {

    @Test
    void unigramBaselineIsTheEntropyOfTheByteDistribution() {
        // two symbols, equally frequent: ln 2 nats per token
        assertThat(DecoderPerplexity.unigramNatsPerToken(new int[] {1, 2, 1, 2}, 256)).isCloseTo(Math.log(2), Offset.offset(1e-12));
        assertThat(DecoderPerplexity.unigramNatsPerToken(new int[] {7, 7, 7}, 256)).isZero();
    }
}
