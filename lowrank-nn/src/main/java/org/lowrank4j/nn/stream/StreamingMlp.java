package org.lowrank4j.nn.stream;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * FlashSVD's feed-forward (spec c14): {@code down(gelu(up(x)))} with up = A1·B1 and down = A2·B2 (either may be dense)
 * evaluated in tiles of {@code rows} tokens × {@code hidden} intermediate channels:
 * <pre>
 *   P1 = x·B1ᵀ                                   (N, r1), once
 *   for each row tile R, intermediate tile H:
 *     T   = gelu(P1[R]·A1[H]ᵀ + b1[H])           (|R|, |H|)  the only full-width piece, one tile at a time
 *     acc += T·B2[:, H]ᵀ                          (|R|, r2)   rank space of the down projection
 *   y[R] = acc·A2ᵀ + b2
 * </pre>
 * so the (N, d_ff) hidden state is never stored: the temporaries are P1, one T and one acc.
 */
public final class StreamingMlp {
    private StreamingMlp() {
    }

    /** x (B, T, C) -> (B, T, C), equal to {@code mlp.forward(x)} up to rounding; keeps nothing for a backward pass. */
    public static Tensor forward(GeluMlp mlp, Tensor x, Tiles tiles, TransientMemory memory) {
        SiteFactors up = SiteFactors.of(mlp.up()), down = SiteFactors.of(mlp.down());
        int channels = x.dim(x.rank() - 1), n = x.size() / channels, hidden = up.outFeatures();
        Tensor y = Tensor.zeros(x.precision(), x.shape());
        DenseMatrix ym = y.matrix(n, down.outFeatures());
        Tensor p1 = up.project(x, n, memory);
        for (int r0 = 0; r0 < n; r0 += tiles.rows()) {
            int rows = Math.min(tiles.rows(), n - r0);
            DenseMatrix yRows = ym.rowRange(r0, r0 + rows);
            Tensor acc = down.factorised() ? memory.take(rows, down.rank()) : null;
            DenseMatrix accm = acc != null ? acc.matrix() : yRows; // a dense down projection accumulates into y itself
            DenseMatrix pRows = p1.matrix(n, up.rank()).rowRange(r0, r0 + rows);
            for (int c0 = 0; c0 < hidden; c0 += tiles.hidden()) {
                int c1 = Math.min(hidden, c0 + tiles.hidden());
                Tensor t = memory.take(rows, c1 - c0);
                up.expand(pRows, c0, c1, t.matrix(), true);
                Kernels.of(t).geluForward(t, t, mlp.variant());
                down.accumulateInput(t.matrix(), c0, c1, accm);
                memory.give(t);
            }
            down.finish(accm, yRows);
            memory.give(acc);
        }
        up.release(p1, memory);
        return y;
    }
}
