package org.lowrank4j.nn.generate;

import java.util.Arrays;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DictionaryWeight;

/**
 * A projection stored as a sparse dictionary (CoSpaDi) in a checkpoint, {@code <name>} being the {@link Linear}'s name:
 * <ul>
 *   <li>{@code <name>.dictionary_D} F32 [k, in]: Dᵀ, the atoms as rows;</li>
 *   <li>{@code <name>.dictionary_codes} F32 [out, s]: the code values of each output row;</li>
 *   <li>{@code <name>.dictionary_index} U8 [out, s] when k ≤ 256, else U8 [out, s, 2] (little-endian 16-bit): the atom of
 *       each code slot (an unused slot holds atom 0 with value 0).</li>
 * </ul>
 * Loading installs a {@link DictionaryWeight}, which multiplies by the sparse codes without forming W.
 */
public final class DictionaryTensors {
    public static final String DICTIONARY = ".dictionary_D", CODES = ".dictionary_codes", INDEX = ".dictionary_index";

    private DictionaryTensors() {
    }

    /** Whether {@code source} holds any part of a dictionary projection named {@code base}. */
    public static boolean present(TensorSource source, String base) {
        return source.contains(base + DICTIONARY) || source.contains(base + CODES) || source.contains(base + INDEX);
    }

    /** Adds the three tensors of a dictionary {@code linear}; false (nothing added) for any other weight. */
    public static boolean put(SafetensorsWriter writer, String base, Linear linear) {
        if (!(linear.weight() instanceof DictionaryWeight w)) {
            return false;
        }
        int out = w.outFeatures(), s = w.sparsity(), k = w.atoms();
        writer.add(base + DICTIONARY, new long[] {k, w.inFeatures()}, floats(w.dictionary().value()));
        writer.add(base + CODES, new long[] {out, s}, floats(w.values().value()));
        int[] idx = w.indices();
        boolean wide = k > 256;
        byte[] bytes = new byte[idx.length * (wide ? 2 : 1)];
        for (int p = 0; p < idx.length; p++) {
            int atom = Math.max(0, idx[p]);
            if (wide) {
                bytes[2 * p] = (byte) atom;
                bytes[2 * p + 1] = (byte) (atom >>> 8);
            } else {
                bytes[p] = (byte) atom;
            }
        }
        writer.add(base + INDEX, wide ? new long[] {out, s, 2} : new long[] {out, s}, bytes);
        return true;
    }

    /**
     * Installs the dictionary of {@code linear} (named {@code base}) as a {@link DictionaryWeight}.
     *
     * @throws IllegalArgumentException when a part is missing, {@code base.weight} is stored as well, or a shape does not
     *                                  fit the projection (naming the tensor and the file)
     */
    public static void install(TensorSource source, String base, Linear linear) {
        for (String suffix : new String[] {DICTIONARY, CODES, INDEX}) {
            if (!source.contains(base + suffix)) {
                throw new IllegalArgumentException(source.path() + " holds part of the dictionary projection " + base + " but not '" + base + suffix
                        + "' (a dictionary projection needs " + DICTIONARY + ", " + CODES + " and " + INDEX + ")");
            }
        }
        if (source.contains(base + ".weight")) {
            throw new IllegalArgumentException(source.path() + " holds both '" + base + ".weight' and the dictionary '" + base + DICTIONARY
                    + "'; a projection is stored one way only");
        }
        int out = linear.outFeatures(), in = linear.inFeatures();
        long[] d = source.info(base + DICTIONARY).shape(), c = source.info(base + CODES).shape(), ix = source.info(base + INDEX).shape();
        if (d.length != 2 || d[1] != in || d[0] < 1 || d[0] > 65_536) {
            throw new IllegalArgumentException("tensor '" + base + DICTIONARY + "' in " + source.path() + " has shape " + Arrays.toString(d)
                    + " but [k, " + in + "] with 1 ≤ k ≤ 65536 was expected (the " + out + "x" + in + " projection of the config)");
        }
        int k = (int) d[0];
        if (c.length != 2 || c[0] != out || c[1] < 1) {
            throw new IllegalArgumentException("tensor '" + base + CODES + "' in " + source.path() + " has shape " + Arrays.toString(c)
                    + " but [" + out + ", s] was expected");
        }
        int s = (int) c[1];
        long[] expected = k > 256 ? new long[] {out, s, 2} : new long[] {out, s};
        if (!Arrays.equals(ix, expected)) {
            throw new IllegalArgumentException("tensor '" + base + INDEX + "' in " + source.path() + " has shape " + Arrays.toString(ix) + " but "
                    + Arrays.toString(expected) + " was expected for " + k + " atoms");
        }
        float[] raw = source.readFloats(base + INDEX);
        int[] indices = new int[out * s];
        for (int p = 0; p < indices.length; p++) {
            indices[p] = k > 256 ? Math.round(raw[2 * p]) | (Math.round(raw[2 * p + 1]) << 8) : Math.round(raw[p]);
        }
        Precision precision = linear.weight().precision();
        Parameter dictionary = new Parameter(base + ".D", Tensor.zeros(precision, k, in));
        Parameter values = new Parameter(base + ".C", Tensor.zeros(precision, out, s));
        HfCheckpoint.read(source, base + DICTIONARY, dictionary.value());
        HfCheckpoint.read(source, base + CODES, values.value());
        linear.setWeight(new DictionaryWeight(dictionary, indices, values));
    }

    private static float[] floats(Tensor t) {
        double[] v = t.toDoubleArray();
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
