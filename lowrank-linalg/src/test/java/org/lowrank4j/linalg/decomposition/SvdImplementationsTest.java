package org.lowrank4j.linalg.decomposition;

import org.junit.jupiter.api.Nested;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.TestMatrices;

/** Runs {@link SvdContract} against every implementation on every backend. */
class SvdImplementationsTest {

    @Nested
    class ExactNative extends SvdContract {
        @Override
        protected Svd svd() {
            return new ExactSvd(TestMatrices.nativeBackend());
        }
    }

    @Nested
    class ExactJava extends SvdContract {
        @Override
        protected Svd svd() {
            return new ExactSvd(Linalg.javaBackend());
        }
    }

    @Nested
    class RandomizedNative extends SvdContract {
        @Override
        protected Svd svd() {
            return new RandomizedSvd(TestMatrices.nativeBackend(), 10, 2, 7);
        }
    }

    @Nested
    class RandomizedJava extends SvdContract {
        @Override
        protected Svd svd() {
            return new RandomizedSvd(Linalg.javaBackend(), 10, 2, 7);
        }
    }
}
