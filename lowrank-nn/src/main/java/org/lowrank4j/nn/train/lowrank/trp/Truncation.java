package org.lowrank4j.nn.train.lowrank.trp;

import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;

/** TRP's projection of one matrix: the energy rule, the rank-k truncation and the truncated nuclear sub-gradient. */
public final class Truncation {
    private Truncation() {
    }

    /** The smallest k with Σ_{i≤k} σ_i² ≥ e·Σ_i σ_i² (σ sorted descending); 0 for a zero matrix. */
    public static int energyRank(double[] sigma, double energy) {
        double total = 0;
        for (double s : sigma) {
            total += s * s;
        }
        if (!(total > 0)) {
            return 0;
        }
        double kept = 0;
        for (int k = 0; k < sigma.length; k++) {
            kept += sigma[k] * sigma[k];
            if (kept >= energy * total * (1 - 1e-12)) {
                return k + 1;
            }
        }
        return sigma.length;
    }

    /**
     * Replaces {@code w} (m×n) by its rank-k truncation U_k·diag(σ_k)·V_kᵀ, k from the energy rule, and adds
     * {@code nuclear}·U_k·V_kᵀ into {@code gradient} (nothing when {@code gradient} is null or {@code nuclear} is 0).
     *
     * @return k
     */
    public static int project(Tensor w, double energy, Tensor gradient, double nuclear) {
        int m = w.dim(0), n = w.dim(1);
        SvdResult svd = new ExactSvd().decompose(w.matrix(m, n));
        int k = energyRank(svd.s(), energy);
        Tensor us = Tensor.zeros(w.precision(), m, Math.max(k, 1));
        Tensor u = Tensor.zeros(w.precision(), m, Math.max(k, 1));
        Tensor vt = Tensor.zeros(w.precision(), Math.max(k, 1), n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                u.set(i * k + j, svd.u().get(i, j));
                us.set(i * k + j, svd.u().get(i, j) * svd.s()[j]);
            }
        }
        for (int j = 0; j < k; j++) {
            for (int c = 0; c < n; c++) {
                vt.set(j * n + c, svd.vt().get(j, c));
            }
        }
        if (k == 0) {
            w.fill(0);
        } else {
            MatMul.gemm(1, us.matrix(m, k), vt.matrix(k, n), 0, w.matrix(m, n));
            if (gradient != null && nuclear > 0) {
                MatMul.gemm(nuclear, u.matrix(m, k), vt.matrix(k, n), 1, gradient.matrix(m, n));
            }
        }
        return k;
    }
}
