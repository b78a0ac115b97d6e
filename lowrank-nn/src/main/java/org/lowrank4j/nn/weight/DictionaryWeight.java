package org.lowrank4j.nn.weight;

import java.util.List;
import org.lowrank4j.linalg.dictionary.SparseCodes;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A weight stored as a dense dictionary and column-sparse codes (CoSpaDi, spec c11): {@code W(out,in) = Cᵀ(out,k)·Dᵀ(k,in)}
 * where Dᵀ is dense and row o of Cᵀ holds s non-zeros, at atoms {@code indices[o·s + t]} (-1 for an unused slot) with the
 * trainable {@link #values()} {@code (out, s)}. Applied without forming W: {@code h = x·D} (a GEMM, N×in·k), then
 * {@code y[·,o] = Σ_t values[o,t]·h[·, indices[o,t]]} (N·out·s multiply-adds instead of N·out·k). The support is fixed
 * (not a parameter); sites of one group may share the {@link #dictionary()} parameter.
 *
 * <p>Backward: {@code dvalues[o,t] += Σ_N dy[·,o]·h[·,indices[o,t]]}, {@code dh[·,i] = Σ_{(o,t): indices = i} dy[·,o]·values[o,t]},
 * {@code dDᵀ += dhᵀ·x}, {@code dx = dh·Dᵀ}. Like {@link LowRankWeight} it reuses the latest forward's h when backward
 * gets the same input.
 */
public final class DictionaryWeight implements WeightFactorization {
    private final Parameter dictionary; // Dᵀ (k, in)
    private final int[] indices;        // (out, s), atoms in [0, k) or -1
    private final Parameter values;     // (out, s)
    private final int sparsity;

    private Tensor lastInput;
    private Tensor lastProjection;

    /**
     * @param dictionary Dᵀ (k, in)
     * @param indices    out·s atom indices in [0, k), -1 for an unused slot (kept, not copied)
     * @param values     (out, s), same precision as the dictionary
     */
    public DictionaryWeight(Parameter dictionary, int[] indices, Parameter values) {
        Tensor d = dictionary.value(), v = values.value();
        if (d.rank() != 2 || v.rank() != 2 || d.precision() != v.precision()) {
            throw new IllegalArgumentException("a dictionary weight needs Dᵀ (k, in) and code values (out, s) of one precision, got "
                    + dictionary.name() + " " + d.shapeString() + " and " + values.name() + " " + v.shapeString());
        }
        if (indices.length != v.size()) {
            throw new IllegalArgumentException(values.name() + " has shape " + v.shapeString() + " but " + indices.length + " indices were given");
        }
        int k = d.dim(0);
        for (int p = 0; p < indices.length; p++) {
            if (indices[p] < -1 || indices[p] >= k) {
                throw new IllegalArgumentException("code index " + indices[p] + " at slot " + p + " of " + values.name() + " is not an atom of "
                        + dictionary.name() + " (" + k + " atoms)");
            }
        }
        this.dictionary = dictionary;
        this.indices = indices;
        this.values = values;
        this.sparsity = v.dim(1);
    }

    /** Dᵀ (k, in). */
    public Parameter dictionary() {
        return dictionary;
    }

    /** The code values (out, s). */
    public Parameter values() {
        return values;
    }

    /** Atom of each code slot, (out, s) flattened, -1 when unused (do not modify). */
    public int[] indices() {
        return indices;
    }

    public int atoms() {
        return dictionary.value().dim(0);
    }

    public int sparsity() {
        return sparsity;
    }

    /**
     * Float32 units of this weight as a sparse format stores it (the count CoSpaDi's budget uses): Dᵀ, plus the code values
     * and their index storage ({@link SparseCodes#indexBytesPerColumn}) in bytes / 4, rounded up.
     */
    public long storedUnits() {
        long out = outFeatures();
        long codeBytes = 4L * out * sparsity + out * SparseCodes.indexBytesPerColumn(atoms(), sparsity);
        return (long) atoms() * inFeatures() + (codeBytes + 3) / 4;
    }

    @Override
    public int inFeatures() {
        return dictionary.value().dim(1);
    }

    @Override
    public int outFeatures() {
        return values.value().dim(0);
    }

    @Override
    public Precision precision() {
        return dictionary.value().precision();
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(dictionary.name(), x);
        Tensor h = project(x); // (N, k)
        lastInput = x;
        lastProjection = h;
        int rows = x.size() / inFeatures(), k = atoms(), out = outFeatures();
        Tensor y = Tensor.zeros(precision(), outputShape(x));
        double[] hv = h.toDoubleArray(), cv = values.value().toDoubleArray();
        double[] yv = new double[rows * out];
        for (int n = 0; n < rows; n++) {
            int hRow = n * k, yRow = n * out;
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int t = 0; t < sparsity; t++) {
                    int atom = indices[o * sparsity + t];
                    if (atom >= 0) {
                        sum += cv[o * sparsity + t] * hv[hRow + atom];
                    }
                }
                yv[yRow + o] = sum;
            }
        }
        y.copyFrom(Tensor.of(precision(), yv, y.shape()));
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Tensor x) {
        Tensor h = x == lastInput ? lastProjection : project(x);
        lastInput = null;
        lastProjection = null;
        int rows = x.size() / inFeatures(), k = atoms(), out = outFeatures();
        double[] hv = h.toDoubleArray(), cv = values.value().toDoubleArray(), dyv = dy.toDoubleArray();
        double[] dc = new double[out * sparsity];
        double[] dh = new double[rows * k];
        for (int n = 0; n < rows; n++) {
            int hRow = n * k, yRow = n * out;
            for (int o = 0; o < out; o++) {
                double g = dyv[yRow + o];
                if (g == 0) {
                    continue;
                }
                for (int t = 0; t < sparsity; t++) {
                    int atom = indices[o * sparsity + t];
                    if (atom >= 0) {
                        dc[o * sparsity + t] += g * hv[hRow + atom];   // dvalues[o,t] += dy[n,o] h[n,atom]
                        dh[hRow + atom] += g * cv[o * sparsity + t];   // dh[n,atom] += dy[n,o] values[o,t]
                    }
                }
            }
        }
        Tensor grad = values.gradient();
        for (int p = 0; p < dc.length; p++) {
            grad.set(p, grad.get(p) + dc[p]);
        }
        Tensor dhT = Tensor.of(precision(), dh, rows, k);
        MatMul.addTransposedTimes(dictionary.gradient(), dhT, x.reshape(rows, inFeatures())); // dDᵀ(k,in) += dhᵀ x
        Tensor dx = x.zerosLike();
        MatMul.times(dx, dhT, dictionary.value(), 0);                                           // dx(N,in) = dh Dᵀ
        return dx;
    }

    private Tensor project(Tensor x) {
        Tensor h = Tensor.zeros(precision(), x.size() / inFeatures(), atoms());
        MatMul.timesTransposed(h, x, dictionary.value(), 0); // h = x D = x (Dᵀ)ᵀ
        return h;
    }

    @Override
    public Tensor toDense() {
        int k = atoms(), in = inFeatures(), out = outFeatures();
        double[] d = dictionary.value().toDoubleArray(), cv = values.value().toDoubleArray();
        double[] w = new double[out * in];
        for (int o = 0; o < out; o++) {
            for (int t = 0; t < sparsity; t++) {
                int atom = indices[o * sparsity + t];
                if (atom >= 0) {
                    double c = cv[o * sparsity + t];
                    for (int j = 0; j < in; j++) {
                        w[o * in + j] += c * d[atom * in + j];
                    }
                }
            }
        }
        assert k == dictionary.value().dim(0);
        return Tensor.of(precision(), w, out, in);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(dictionary, values);
    }
}
