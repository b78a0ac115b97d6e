package org.lowrank4j.adapt.flora;

import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.variant.HeadLayout;

/**
 * A weight W (out, in) seen as an N-mode tensor whose row-major layout is W's own: the first {@code outModes} modes split
 * the output rows, the rest split the input columns, so that {@code T[o_1, …, o_p, i_1, …, i_q] = W[o, i]} with o and i
 * the row-major indices of (o_1…o_p) and (i_1…i_q). No transposition is needed between T and W.
 * <ul>
 *   <li>matrix: {@code [out, in]} (2 modes; FLoRA's linear case, a LoRA with a full r×r core);</li>
 *   <li>heads of q, k, v: {@code [heads, head_dim, in]} (the output rows split by head);</li>
 *   <li>heads of o: {@code [out, heads, head_dim]} (the input columns split by head).</li>
 * </ul>
 * The spec orders a linear's modes [in, out] and swaps the first two at the end; here modes follow W's layout instead,
 * which gives the same family of updates with the core transposed.
 *
 * @param labels   a name per mode ({@code heads}, {@code head_dim}, {@code in}, {@code out})
 * @param sizes    the size of each mode
 * @param outModes how many leading modes split the output rows
 */
public record WeightView(List<String> labels, int[] sizes, int outModes) {

    public WeightView {
        labels = List.copyOf(labels);
        sizes = sizes.clone();
        if (labels.size() != sizes.length || sizes.length < 2 || outModes < 1 || outModes >= sizes.length) {
            throw new IllegalArgumentException("a FLoRA view needs at least one output and one input mode, got " + labels + " "
                    + Arrays.toString(sizes) + " with " + outModes + " output modes");
        }
        for (int s : sizes) {
            if (s < 1) {
                throw new IllegalArgumentException("a FLoRA view's modes must be >= 1, got " + Arrays.toString(sizes));
            }
        }
    }

    /** {@code [out, in]}. */
    public static WeightView matrix(int out, int in) {
        return new WeightView(List.of("out", "in"), new int[] {out, in}, 1);
    }

    /**
     * The heads view of a {@code out × in} weight: {@code [heads, head_dim, in]}, or {@code [out, heads, head_dim]} when
     * the layout splits the input.
     *
     * @throws IllegalArgumentException naming the module when the split side is not heads·head_dim wide
     */
    public static WeightView heads(String module, int out, int in, HeadLayout layout) {
        int side = layout.input() ? in : out;
        if (side != layout.width()) {
            throw new IllegalArgumentException("view=heads: " + module + "'s " + (layout.input() ? "in" : "out") + " dim " + side
                    + " does not split into " + layout.heads() + " heads" + (side % layout.heads() == 0 ? " of size " + layout.headSize() : "")
                    + "; give heads=N with N dividing it, or use view=matrix");
        }
        return layout.input()
                ? new WeightView(List.of("out", "heads", "head_dim"), new int[] {out, layout.heads(), layout.headSize()}, 1)
                : new WeightView(List.of("heads", "head_dim", "in"), new int[] {layout.heads(), layout.headSize(), in}, 2);
    }

    public int modes() {
        return sizes.length;
    }

    public int size(int mode) {
        return sizes[mode];
    }

    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    /** Π of the output modes' sizes. */
    public int out() {
        return product(0, outModes);
    }

    /** Π of the input modes' sizes. */
    public int in() {
        return product(outModes, sizes.length);
    }

    private int product(int from, int to) {
        int n = 1;
        for (int m = from; m < to; m++) {
            n *= sizes[m];
        }
        return n;
    }

    /** Trainable values at these ranks: Π r_i (core) + Σ size_i·r_i (factors). */
    public long parameterCount(int[] ranks) {
        long core = 1, factors = 0;
        for (int m = 0; m < sizes.length; m++) {
            core *= ranks[m];
            factors += (long) sizes[m] * ranks[m];
        }
        return core + factors;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightView v && v.labels.equals(labels) && Arrays.equals(v.sizes, sizes) && v.outModes == outModes;
    }

    @Override
    public int hashCode() {
        return labels.hashCode() * 31 + Arrays.hashCode(sizes);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int m = 0; m < sizes.length; m++) {
            s.append(m == 0 ? "" : ", ").append(labels.get(m)).append(' ').append(sizes[m]);
        }
        return s.append(']').toString();
    }
}
