package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bar's estimate of the time left: from the pace since the phase began here, none before it has moved or once done. */
class ProgressBarTest {
    private long now;

    private String draw(ProgressBar bar, ByteArrayOutputStream sink, long seconds, long done, long total) {
        now = seconds * 1_000_000_000L;
        sink.reset();
        bar.update("finetune", done, total, "loss 1.0");
        return sink.toString(StandardCharsets.UTF_8);
    }

    @Test
    void estimatesTheTimeLeftFromThePaceOfThisPhase() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(sink, true, StandardCharsets.UTF_8), () -> now);
        assertThat(draw(bar, sink, 0, 0, 300)).contains("0/300").doesNotContain("eta");
        assertThat(draw(bar, sink, 10, 5, 300)).contains("5/300").contains("eta 9m50s");   // 2 s a step, 295 left
        ProgressBar resumed = new ProgressBar(new PrintStream(sink, true, StandardCharsets.UTF_8), () -> now);
        draw(resumed, sink, 100, 150, 300);                                                   // a resumed run starts at 150
        assertThat(draw(resumed, sink, 110, 160, 300)).contains("eta 2m20s");               // 1 s a step, 140 left
        assertThat(draw(resumed, sink, 440, 300, 300)).contains("300/300").doesNotContain("eta");
        assertThat(ProgressBar.duration(42)).isEqualTo("42s");
        assertThat(ProgressBar.duration(3 * 3600 + 5 * 60 + 9)).isEqualTo("3h05m");
    }
}
