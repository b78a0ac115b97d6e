package org.lowrank4j.nn.train.lowrank;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.TrainingMemory;

/**
 * The SVD-free form of GaLore (Modoranu et al., "SVD-Free Low-Rank Adaptive Gradient Optimization for Large Language
 * Models", arXiv:2505.17967; the DCT-GaLore variant): instead of an SVD, every {@code gap} steps the basis is the r
 * columns of the fixed orthonormal DCT matrix Q ({@link DctBasis}, N = min(m, n)) that carry the most of the gradient.
 * On the right (m ≥ n): S = G·Q, column scores ‖S[:, j]‖₁, basis Q[:, I]ᵀ (r×n); on the left: S = Qᵀ·G, row scores
 * ‖S[i, :]‖₁, basis Q[:, I] (m×r). Only the r chosen indices are stored per matrix ({@code lowrank.index.<name>});
 * one Q per size is shared by all matrices and counted once in {@link #stateBytes()}. The Adam part is GaLore's
 * ({@link ProjectedAdam}); moments are kept as they are when the indices change (the paper's default), or, with
 * {@code rotate=1}, follow their columns: a column chosen again keeps its moments, a new one starts from zero.
 */
public final class DctGaLore extends ProjectedAdam {
    public static final String METHOD = "galore-dct";

    private final Map<Integer, Tensor> dct = new HashMap<>();
    private final Map<Slot, Tensor> indices = new HashMap<>();

    public DctGaLore(List<Parameter> parameters, AdamW.Settings settings, ProjectionSettings projection, Predicate<Parameter> projected) {
        super(METHOD, parameters, settings, projection, projected);
        for (Slot s : slots()) {
            Precision precision = s.parameter.value().precision();
            int size = Math.min(s.rows, s.cols);
            dct.computeIfAbsent(size, n -> DctBasis.matrix(n, precision));
            Tensor index = Tensor.zeros(precision, s.rank);
            for (int k = 0; k < s.rank; k++) {
                index.set(k, k);
            }
            indices.put(s, index);
        }
    }

    /** The chosen DCT column indices of a projected matrix (in score order). */
    public int[] indices(Parameter p) {
        for (Map.Entry<Slot, Tensor> e : indices.entrySet()) {
            if (e.getKey().parameter == p) {
                Tensor t = e.getValue();
                return IntStream.range(0, t.size()).map(k -> (int) t.get(k)).toArray();
            }
        }
        throw new IllegalArgumentException(METHOD + ": parameter '" + p.name() + "' is not projected");
    }

    @Override
    protected void chooseBasis(Slot s, Tensor gradient) {
        int size = Math.min(s.rows, s.cols);
        Tensor q = dct.get(size);
        Tensor scores = Tensor.zeros(Precision.FLOAT64, size);
        Tensor spectrum = Tensor.zeros(gradient.precision(), s.rows, s.cols);
        if (s.right) {
            MatMul.gemm(1, gradient.matrix(s.rows, s.cols), q.matrix(size, size), 0, spectrum.matrix(s.rows, s.cols));
            for (int i = 0; i < s.rows; i++) {
                for (int j = 0; j < s.cols; j++) {
                    scores.set(j, scores.get(j) + Math.abs(spectrum.get(i * s.cols + j)));
                }
            }
        } else {
            MatMul.gemm(1, q.matrix(size, size).transpose(), gradient.matrix(s.rows, s.cols), 0, spectrum.matrix(s.rows, s.cols));
            for (int i = 0; i < s.rows; i++) {
                double sum = 0;
                for (int j = 0; j < s.cols; j++) {
                    sum += Math.abs(spectrum.get(i * s.cols + j));
                }
                scores.set(i, sum);
            }
        }
        int[] top = topIndices(scores, s.rank);
        Tensor index = indices.get(s);
        for (int k = 0; k < top.length; k++) {
            index.set(k, top[k]);
        }
    }

    /** The {@code count} indices of the largest scores, largest first (ties: lower index first). */
    static int[] topIndices(Tensor scores, int count) {
        return IntStream.range(0, scores.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -scores.get(j)).thenComparingInt(j -> j))
                .limit(count).mapToInt(Integer::intValue).toArray();
    }

    /** Q[:, I]ᵀ (r×n) on the right, Q[:, I] (m×r) on the left, gathered from the shared Q (a temporary, not state). */
    @Override
    protected Tensor basis(Slot s) {
        int size = Math.min(s.rows, s.cols);
        Tensor q = dct.get(size);
        Tensor index = indices.get(s);
        Tensor b = Tensor.zeros(q.precision(), s.basisShape());
        for (int k = 0; k < s.rank; k++) {
            int column = (int) index.get(k);
            for (int i = 0; i < size; i++) {
                double v = q.get(i * size + column);
                if (s.right) {
                    b.set(k * s.cols + i, v);
                } else {
                    b.set(i * s.rank + k, v);
                }
            }
        }
        return b;
    }

    @Override
    protected Map<String, Tensor> slotState(Slot s) {
        return Map.of("lowrank.index." + s.name(), indices.get(s));
    }

    /** The state tensors plus one DCT matrix per distinct size (rebuilt, so not in the checkpoint, but held in memory). */
    @Override
    public long stateBytes() {
        long bytes = super.stateBytes();
        for (Tensor q : dct.values()) {
            bytes += TrainingMemory.bytes(q);
        }
        return bytes;
    }
}
