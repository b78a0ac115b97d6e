package org.lowrank4j.nn.stream;

import java.util.List;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * FlashSVD's feed-forward (spec c14): {@code down(gelu(up(x)))} (BERT, GPT-2) or {@code down(act(gate(x)) ⊙ up(x))}
 * (LLaMA's silu, Gemma's tanh GELU), each projection a factor pair A·B or dense, evaluated in tiles of {@code rows} tokens × {@code hidden}
 * intermediate channels:
 * <pre>
 *   P = x·Bᵀ for each input projection                  (N, r), once
 *   for each row tile R, intermediate tile H:
 *     T   = act(P[R]·A[H]ᵀ + b[H]) (⊙ the up tile)      (|R|, |H|)  the only full-width piece, one tile at a time
 *     acc += T·B_down[:, H]ᵀ                              (|R|, r_down) rank space of the down projection
 *   y[R] = acc·A_downᵀ + b_down
 * </pre>
 * so the (N, d_ff) hidden state is never stored: the temporaries are the P's, one tile per input projection and one acc.
 */
public final class StreamingMlp {
    private StreamingMlp() {
    }

    /** x (B, T, C) -> (B, T, C), equal to {@code mlp.forward(x)} up to rounding; keeps nothing for a backward pass. */
    public static Tensor forward(GeluMlp mlp, Tensor x, Tiles tiles, TransientMemory memory) {
        return run(List.of(SiteFactors.of(mlp.up())), SiteFactors.of(mlp.down()), x, tiles, memory,
                t -> Kernels.of(t[0]).activationForward(t[0], t[0], mlp.variant()));
    }

    /** x (B, T, C) -> (B, T, C), equal to {@code mlp.forward(x)} up to rounding; keeps nothing for a backward pass. */
    public static Tensor forward(SwiGluMlp mlp, Tensor x, Tiles tiles, TransientMemory memory) {
        return run(List.of(SiteFactors.of(mlp.gate()), SiteFactors.of(mlp.up())), SiteFactors.of(mlp.down()), x, tiles, memory,
                t -> mlp.activation().forward(Kernels.of(t[0]), t[0], t[0], t[1]));
    }

    /** The tiled loop: {@code activation} turns the input projections' tiles into the first one, in place. */
    private static Tensor run(List<SiteFactors> inputs, SiteFactors down, Tensor x, Tiles tiles, TransientMemory memory,
            java.util.function.Consumer<Tensor[]> activation) {
        int channels = x.dim(x.rank() - 1), n = x.size() / channels, hidden = inputs.get(0).outFeatures();
        Tensor y = Tensor.zeros(x.precision(), x.shape());
        DenseMatrix ym = y.matrix(n, down.outFeatures());
        Tensor[] projected = new Tensor[inputs.size()];
        for (int i = 0; i < projected.length; i++) {
            projected[i] = inputs.get(i).project(x, n, memory);
        }
        for (int r0 = 0; r0 < n; r0 += tiles.rows()) {
            int rows = Math.min(tiles.rows(), n - r0);
            DenseMatrix yRows = ym.rowRange(r0, r0 + rows);
            Tensor acc = down.factorised() ? memory.take(rows, down.rank()) : null;
            DenseMatrix accm = acc != null ? acc.matrix() : yRows; // a dense down projection accumulates into y itself
            for (int c0 = 0; c0 < hidden; c0 += tiles.hidden()) {
                int c1 = Math.min(hidden, c0 + tiles.hidden());
                Tensor[] t = new Tensor[inputs.size()];
                for (int i = 0; i < t.length; i++) {
                    SiteFactors in = inputs.get(i);
                    t[i] = memory.take(rows, c1 - c0);
                    in.expand(projected[i].matrix(n, in.rank()).rowRange(r0, r0 + rows), c0, c1, t[i].matrix(), true);
                }
                activation.accept(t);
                down.accumulateInput(t[0].matrix(), c0, c1, accm);
                memory.give(t);
            }
            down.finish(accm, yRows);
            memory.give(acc);
        }
        for (int i = 0; i < projected.length; i++) {
            inputs.get(i).release(projected[i], memory);
        }
        return y;
    }
}
