package org.lowrank4j.compress.methods.basis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;

/**
 * One group of g sites (equal shape m×n) after its decomposition (spec c13 part A, steps 1–4, in our layout).
 * With R Rᵀ = Σ_l G_l (the summed input Grams), the stacked whitened matrix
 * <pre>
 *   M = [W_1 R; W_2 R; …; W_g R]      (g·m × n)  — the spec's (S W_cat)ᵀ with S = Rᵀ
 *   M = U Σ Vᵀ,  U (g·m × q), V (n × q), q = min(g·m, n)
 * </pre>
 * gives at rank k the shared input-side factor {@code B = Σ_k V_kᵀ R⁻¹} (k×n, the paper's basis S⁻¹U_kΣ_k
 * transposed) and per-site factors {@code A_l = U_k[rows of l]} (m×k, the paper's coefficients C_lᵀ), so site l
 * computes y = A_l (B x) + b. Truncation costs exactly Σ_{i>k} σ_i² on the objective Σ_l ‖(W_l − A_l B) R‖_F²,
 * which is the output error on the concatenated calibration inputs of the whole group.
 */
final class SharedGroup {
    private final List<LinearWeight> members;
    private final SvdResult svd;
    private final GroupWhitening whitening;
    private final BasisSharingOptions.SigmaSplit split;

    private SharedGroup(List<LinearWeight> members, SvdResult svd, GroupWhitening whitening, BasisSharingOptions.SigmaSplit split) {
        this.members = members;
        this.svd = svd;
        this.whitening = whitening;
        this.split = split;
    }

    /** Whitens with the summed Gram of the members and decomposes the stacked matrix (float64). */
    static SharedGroup decompose(List<LinearWeight> members, Map<String, LayerStats> stats, BasisSharingOptions options) {
        int m = members.get(0).outFeatures(), n = members.get(0).inFeatures();
        List<DoubleMatrix> grams = members.stream().map(w -> stats.get(w.name()).gram()).toList();
        GroupWhitening whitening = GroupWhitening.of(GroupWhitening.sum(grams), options.whitening(), options.relativeJitter(), name(members));
        DoubleMatrix stacked = DoubleMatrix.zeros(members.size() * m, n);
        for (int l = 0; l < members.size(); l++) {
            stacked.view(l * m, (l + 1) * m, 0, n).assign(Linalg.multiply(members.get(l).weight(), whitening.root()));
        }
        return new SharedGroup(List.copyOf(members), new ExactSvd().decompose(stacked), whitening, options.split());
    }

    List<LinearWeight> members() {
        return members;
    }

    /** Readable group name: the member names joined by " + ". */
    String name() {
        return name(members);
    }

    static String name(List<LinearWeight> members) {
        return members.stream().map(LinearWeight::name).collect(Collectors.joining(" + "));
    }

    String role() {
        return members.get(0).role();
    }

    /** g·m: the rows of the stacked matrix. */
    int stackedRows() {
        return members.size() * members.get(0).outFeatures();
    }

    int inFeatures() {
        return members.get(0).inFeatures();
    }

    /** Singular values of the stacked whitened matrix, descending. */
    double[] spectrum() {
        return svd.s().clone();
    }

    String whiteningRoute() {
        return whitening.route();
    }

    /** Per-member factors at rank k; every returned LowRank holds the same B object. */
    List<LowRank> factorsAt(int k) {
        if (k < 1 || k > svd.rank()) {
            throw new IllegalArgumentException("rank " + k + " is outside [1, " + svd.rank() + "] for group " + name());
        }
        int m = members.get(0).outFeatures(), n = inFeatures();
        boolean balanced = split == BasisSharingOptions.SigmaSplit.BALANCED;
        DoubleMatrix c = DoubleMatrix.zeros(k, n);                  // Σ_k V_kᵀ (or Σ_k^{1/2} V_kᵀ), k×n
        double[] left = new double[k];                              // scale of U's columns: 1 (or Σ^{1/2})
        for (int j = 0; j < k; j++) {
            double sigma = svd.s()[j];
            double right = balanced ? Math.sqrt(sigma) : sigma;
            left[j] = balanced ? Math.sqrt(sigma) : 1;
            for (int i = 0; i < n; i++) {
                c.set(j, i, svd.vt().get(j, i) * right);
            }
        }
        DoubleMatrix shared = whitening.unweight().apply(c);        // k×n, the one basis of the group
        List<LowRank> out = new ArrayList<>();
        for (int l = 0; l < members.size(); l++) {
            DoubleMatrix a = DoubleMatrix.zeros(m, k);              // m×k, private to member l
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < k; j++) {
                    a.set(i, j, svd.u().get(l * m + i, j) * left[j]);
                }
            }
            out.add(new LowRank(a, shared));
        }
        return out;
    }
}
