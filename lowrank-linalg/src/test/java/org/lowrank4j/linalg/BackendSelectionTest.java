package org.lowrank4j.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {

    @Test
    void nativeLoadsHereAndIsTheDefault() {
        assertThat(Linalg.nativeBackend()).as("OpenBLAS must load on the build machine: %s", Linalg.nativeFailure()).isNotNull();
        assertThat(Linalg.backend().name()).isEqualTo("openblas");
    }

    @Test
    void fallsBackToJavaAndSaysWhy() {
        List<String> messages = new ArrayList<>();
        Logger logger = Logger.getLogger(Linalg.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                messages.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            LinalgBackend chosen = Linalg.nativeOrJava(null, "UnsatisfiedLinkError: no jniopenblas_full in java.library.path");
            assertThat(chosen.name()).isEqualTo("java");
            assertThat(messages).singleElement().asString().contains("UnsatisfiedLinkError").contains("plain-Java");
        } finally {
            logger.removeHandler(capture);
        }
    }
}
