package org.lowrank4j.algorithms.tensor;

import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A tensor in Tucker form X̂ = G ×_0 U_0 ×_1 U_1 … ×_{N−1} U_{N−1}: a core G of shape R_0 × … × R_{N−1} and factor
 * matrices U_n of shape I_n × R_n (orthonormal columns when produced by {@link Hosvd} or {@link TuckerHooi}).
 */
public record TuckerTensor(DenseTensor core, List<DoubleMatrix> factors) {

    public TuckerTensor {
        factors = List.copyOf(factors);
        if (factors.size() != core.order()) {
            throw new IllegalArgumentException("a core of order " + core.order() + " needs " + core.order() + " factors, got " + factors.size());
        }
        for (int n = 0; n < factors.size(); n++) {
            if (factors.get(n).cols() != core.size(n)) {
                throw new IllegalArgumentException("factor " + n + " is " + factors.get(n).shape() + " but the core has " + core.size(n) + " in mode " + n);
            }
        }
    }

    /** The full tensor. */
    public DenseTensor reconstruct() {
        DenseTensor t = core;
        for (int n = 0; n < factors.size(); n++) {
            t = t.modeProduct(n, factors.get(n));
        }
        return t;
    }

    /** Core entries plus factor entries. */
    public long parameterCount() {
        long count = core.count();
        for (DoubleMatrix f : factors) {
            count += f.size();
        }
        return count;
    }
}
