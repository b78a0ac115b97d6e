package org.lowrank4j.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Options that would break the server later are refused when they are given, naming the option. */
class ServeOptionsTest {

    @Test
    void aTimeoutTooLongForANanosecondDeadlineIsRefused() {
        // --timeout 99999999999999 once started a server whose completions failed with a 500 (long overflow) and whose
        // stop died the same way, so that SIGTERM left the process running for good
        assertThatThrownBy(() -> ServeOptions.defaults().withTimeout(Duration.ofSeconds(99_999_999_999_999L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--timeout must be at most 86400 s");
        assertThat(ServeOptions.defaults().withTimeout(ServeOptions.MAX_TIMEOUT).timeout()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void aBatchWindowAsLongAsTheTimeoutIsRefused() {
        // a window of 99999999999999 ms overflowed on the decoding thread, which died and left every request waiting forever
        assertThatThrownBy(() -> ServeOptions.defaults().withBatchWindow(Duration.ofMillis(99_999_999_999_999L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--batch-window-ms must be shorter than --timeout");
        assertThatThrownBy(() -> ServeOptions.defaults().withBatchWindow(Duration.ofSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 60000 ms and 60 s");
        assertThat(ServeOptions.defaults().withBatchWindow(Duration.ofMillis(1500)).batchWindow()).isEqualTo(Duration.ofMillis(1500));
    }
}
