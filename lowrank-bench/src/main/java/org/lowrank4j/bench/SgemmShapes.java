package org.lowrank4j.bench;

import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_sgemm;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.Linalg;

/**
 * The time of plain sgemm calls on a list of linear-layer shapes {@code y(m, out) = x(m, in)·W(out, in)ᵀ}, the
 * ceiling a runtime's linear layers can reach on them with the same BLAS and threads. Two ways, alternating:
 * <ul>
 *   <li>{@code resident}: cblas_sgemm on native buffers allocated once (what a runtime with its weights and
 *       activations in native memory would pay);</li>
 *   <li>{@code heap}: the runtime's own path, {@link Linalg#backend()} on Java arrays, which copies the operands into
 *       native scratch and the result back on every call.</li>
 * </ul>
 */
final class SgemmShapes {
    /** One product: m rows, in → out. */
    record Shape(int m, int in, int out) {
        long flops() {
            return 2L * m * in * out;
        }
    }

    private final List<Shape> shapes;

    SgemmShapes(List<Shape> shapes) {
        this.shapes = List.copyOf(shapes);
    }

    long flops() {
        return shapes.stream().mapToLong(Shape::flops).sum();
    }

    /** {median seconds of one pass over all shapes resident, the same through the heap path}, over {@code rounds}. */
    double[] time(int rounds) {
        try (Passes passes = passes()) {
            return Stopwatch.alternate(new int[] {rounds, rounds}, passes::resident, passes::heap);
        }
    }

    /** The operands of every shape, allocated once, for callers that interleave passes with their own timings. */
    Passes passes() {
        return new Passes();
    }

    /** One pass over all shapes either way; {@link #close} frees the native buffers. */
    final class Passes implements AutoCloseable {
        private final List<FloatMatrix[]> heap = new ArrayList<>();
        private final List<FloatPointer[]> resident = new ArrayList<>();

        private Passes() {
            Random random = new Random(3);
            for (Shape s : shapes) {
                FloatMatrix x = FloatMatrix.gaussian(s.m(), s.in(), random), w = FloatMatrix.gaussian(s.out(), s.in(), random);
                heap.add(new FloatMatrix[] {x, w, FloatMatrix.zeros(s.m(), s.out())});
                resident.add(new FloatPointer[] {new FloatPointer(x.data()), new FloatPointer(w.data()), new FloatPointer((long) s.m() * s.out())});
            }
        }

        void resident() {
            for (int i = 0; i < shapes.size(); i++) {
                Shape s = shapes.get(i);
                FloatPointer[] p = resident.get(i);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.m(), s.out(), s.in(), 1f, p[0], s.in(), p[1], s.in(), 0f, p[2], s.out());
            }
        }

        void heap() {
            for (FloatMatrix[] h : heap) {
                Linalg.backend().gemm(1, h[0], h[1].transpose(), 0, h[2]);
            }
        }

        @Override
        public void close() {
            resident.forEach(ps -> {
                for (FloatPointer p : ps) {
                    p.close();
                }
            });
        }
    }
}
