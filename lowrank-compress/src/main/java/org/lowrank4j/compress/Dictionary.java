package org.lowrank4j.compress;

import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.dictionary.SparseCodes;

/**
 * {@code Wᵀ ≈ D C}: a dense dictionary D (n×k, one atom per column, in the layer's input space) and column-sparse codes
 * C (k×m, at most s non-zeros per output neuron), so the layer computes {@code y = Cᵀ (Dᵀ x)} (CoSpaDi, spec c11).
 * Sites of one group may hold the same D object (cross-layer sharing); writers and counts take it once by identity.
 *
 * <p><b>Storage</b> (what a sparse format stores, index cost included, spec c11's pitfall): float32 values for D
 * ({@code 4kn} bytes) and for every code slot ({@code 4ms}), plus the positions of each column's non-zeros, the cheaper
 * of s one-byte (k ≤ 256) or two-byte (k ≤ 65,536) indices and a k-bit mask ({@link #indexBytesPerColumn}).
 * {@link #parameterCount()} is that storage in float32 units (bytes / 4, rounded up), so the project's ratio
 * ("parameters removed") counts the indices as parameters, as the spec's budget does.
 *
 * @param dictionary D, n×k
 * @param codes      C, k×m
 */
public record Dictionary(DoubleMatrix dictionary, SparseCodes codes) implements Factorization {

    public Dictionary {
        if (dictionary.cols() != codes.atoms()) {
            throw new IllegalArgumentException("dictionary " + dictionary.shape() + " has " + dictionary.cols() + " atoms but the codes index "
                    + codes.atoms());
        }
        if (codes.atoms() > 65_536) {
            throw new IllegalArgumentException("a dictionary of " + codes.atoms() + " atoms needs indices wider than 16 bits");
        }
        Linalg.requireFinite("dictionary", dictionary);
    }

    /** k. */
    public int atoms() {
        return dictionary.cols();
    }

    /** s, code slots per output neuron. */
    public int sparsity() {
        return codes.sparsity();
    }

    /** Bytes that locate one column's s non-zeros among k atoms: min(s indices of 1 or 2 bytes, a k-bit mask). */
    public static long indexBytesPerColumn(int atoms, int sparsity) {
        return SparseCodes.indexBytesPerColumn(atoms, sparsity);
    }

    /** Bytes of D alone (float32). */
    public long dictionaryBytes() {
        return 4L * dictionary.rows() * dictionary.cols();
    }

    /** Bytes of the codes alone: float32 values and their index storage. */
    public long codeBytes() {
        long m = codes.columns();
        return 4L * m * codes.sparsity() + m * indexBytesPerColumn(codes.atoms(), codes.sparsity());
    }

    @Override
    public long bytes() {
        return dictionaryBytes() + codeBytes();
    }

    /** Float32 units of {@link #bytes()}, rounded up; a shared D counts in every site here, once in a result. */
    @Override
    public long parameterCount() {
        return (bytes() + 3) / 4;
    }

    /** The codes' float32 units: the part a site adds when its group's D is already counted. */
    public long codeParameterCount() {
        return (codeBytes() + 3) / 4;
    }

    /** W ≈ Cᵀ Dᵀ (m×n). */
    @Override
    public DoubleMatrix toDense() {
        return codes.multiplyLeft(dictionary).transpose().copy();
    }

    @Override
    public String describe() {
        return "dictionary k=" + atoms() + " s=" + sparsity();
    }
}
