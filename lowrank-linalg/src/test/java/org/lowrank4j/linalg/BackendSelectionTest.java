package org.lowrank4j.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.lowrank4j.linalg.backend.NativeBackend;

class BackendSelectionTest {

    @Test
    void nativeLoadsHereAndIsTheDefault() {
        assertThat(Linalg.nativeBackend()).as("OpenBLAS must load on the build machine: %s", Linalg.nativeFailure()).isNotNull();
        assertThat(Linalg.backend().name()).isEqualTo("openblas");
    }

    /** From Java 22 products read the Java arrays in place; the surefire run under JDK 25 (pom profile) checks that side. */
    @Test
    void productsReadTheJavaArraysInPlaceFromJava22() {
        NativeBackend nb = Linalg.nativeBackend();
        boolean expected = Runtime.version().feature() >= 22 && !"false".equals(System.getProperty("lowrank.heapBlas"));
        assertThat(nb.readsHeapInPlace()).as("Java %d: %s", Runtime.version().feature(), nb.copiesOperandsBecause()).isEqualTo(expected);
        assertThat(nb.copiesOperandsBecause() == null).isEqualTo(expected);
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
