package org.lowrank4j.algorithms.tensor;

import java.util.List;
import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A tensor in CP (CANDECOMP/PARAFAC) form X̂ = Σ_r λ_r a_r^(0) ∘ … ∘ a_r^(N−1): weights λ (R) and factor matrices
 * A^(n) of shape I_n × R.
 */
public record CpTensor(double[] weights, List<DoubleMatrix> factors) {

    public CpTensor {
        weights = weights.clone();
        factors = List.copyOf(factors);
        for (DoubleMatrix f : factors) {
            if (f.cols() != weights.length) {
                throw new IllegalArgumentException("CP factor " + f.shape() + " disagrees with " + weights.length + " weights");
            }
        }
    }

    public int rank() {
        return weights.length;
    }

    /** The full tensor. */
    public DenseTensor reconstruct() {
        int[] shape = new int[factors.size()];
        for (int n = 0; n < shape.length; n++) {
            shape[n] = factors.get(n).rows();
        }
        DenseTensor t = DenseTensor.zeros(shape);
        double[] data = t.data();
        int[] idx = new int[shape.length];
        for (int e = 0; e < data.length; e++) {
            int rest = e;
            for (int n = 0; n < shape.length; n++) {
                idx[n] = rest % shape[n];
                rest /= shape[n];
            }
            double sum = 0;
            for (int r = 0; r < weights.length; r++) {
                double p = weights[r];
                for (int n = 0; n < shape.length; n++) {
                    p *= factors.get(n).get(idx[n], r);
                }
                sum += p;
            }
            data[e] = sum;
        }
        return t;
    }

    /** Σ_n I_n·R + R. */
    public long parameterCount() {
        long count = weights.length;
        for (DoubleMatrix f : factors) {
            count += f.size();
        }
        return count;
    }
}
