package org.lowrank4j.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a decomposition worker throws reaches the caller as it was, so the command's handlers can name it in one line. */
class CompressorWorkersTest {
    private static final List<LinearWeight> SITES = List.of(Synthetic.weight(4, 3, 1), Synthetic.weight(5, 3, 2));

    @Test
    void resultsComeBackInSiteOrder() {
        assertThat(Compressor.perSite("test", SITES, w -> w.name(), Progress.NONE)).containsExactly(SITES.get(0).name(), SITES.get(1).name());
    }

    @Test
    void anOutOfMemoryErrorIsRethrownAsItselfAndAnIllegalArgumentAsItself() {
        // an Error wrapped as an IllegalStateException reached the user as an "internal error" with a stack trace
        assertThatThrownBy(() -> Compressor.perSite("test", SITES, w -> {
            throw new OutOfMemoryError("Java heap space");
        }, Progress.NONE)).isExactlyInstanceOf(OutOfMemoryError.class).hasMessage("Java heap space");
        assertThatThrownBy(() -> Compressor.perSite("test", SITES, w -> {
            throw new IllegalArgumentException("site " + w.name() + " is bad");
        }, Progress.NONE)).isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("is bad");
    }
}
