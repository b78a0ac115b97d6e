package org.lowrank4j.compress.recover;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.tensor.MatMul;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/**
 * PELA's weight-perturbation regulariser (Guo, Wang, Kankanhalli, CVPR 2024, arXiv:2310.10700; spec
 * ../shared/methods/14-pela.md): it keeps each factorised weight near the original one in the largest entry.
 * For K factor pairs {@code Ŵ_k = A_k B_k} (out, in) and the original weights {@code W_k}:
 * <pre>
 *   E_k = Ŵ_k − W_k,  e_k = E_k[i*, j*] with (i*, j*) = argmax |E_k|   (entry-wise max, not the induced ∞-norm)
 *   R   = weight · (1/K) Σ_k (|e_k| − ε)²          (reference form; it also pushes |e_k| up towards ε)
 *   R   = weight · (1/K) Σ_k max(0, |e_k| − ε)²    (hinge form)
 * </pre>
 * Its sub-gradient touches one entry per pair: with {@code g = weight/K · 2(|e| − ε) sign(e)},
 * {@code ∂R/∂A[i*, :] = g · B[:, j*]ᵀ} and {@code ∂R/∂B[:, j*] = g · A[i*, :]ᵀ}. Forming Ŵ costs {@code out·in·r} per pair
 * and step, which is why the term is off by default.
 */
public final class WeightPerturbation {
    private final List<LowRankWeight> factors;
    private final List<Tensor> originals; // W_k (out, in)
    private final double weight;
    private final double epsilon;
    private final boolean hinge;

    /**
     * @param factors   the student's factor pairs
     * @param originals the original weight (out, in) of each pair, same precision
     */
    public WeightPerturbation(List<LowRankWeight> factors, List<Tensor> originals, double weight, double epsilon, boolean hinge) {
        if (factors.size() != originals.size()) {
            throw new IllegalArgumentException(factors.size() + " factor pairs but " + originals.size() + " original weights");
        }
        for (int k = 0; k < factors.size(); k++) {
            LowRankWeight f = factors.get(k);
            if (!originals.get(k).hasShape(f.outFeatures(), f.inFeatures())) {
                throw new IllegalArgumentException(f.left().name() + ": factors of a " + f.outFeatures() + "x" + f.inFeatures()
                        + " weight, original " + originals.get(k).shapeString());
            }
        }
        this.factors = List.copyOf(factors);
        this.originals = new ArrayList<>(originals);
        this.weight = weight;
        this.epsilon = epsilon;
        this.hinge = hinge;
    }

    /** R at the current factors; adds its sub-gradient into the factors' gradients when {@code withGradient}. */
    public double evaluate(boolean withGradient) {
        if (factors.isEmpty() || weight == 0) {
            return 0;
        }
        double sum = 0, perPair = weight / factors.size();
        for (int k = 0; k < factors.size(); k++) {
            LowRankWeight f = factors.get(k);
            Tensor w = originals.get(k);
            Tensor product = Tensor.zeros(f.precision(), f.outFeatures(), f.inFeatures());
            MatMul.gemm(1, f.left().value().matrix(), f.right().value().matrix(), 0, product.matrix()); // Ŵ = A B
            int worst = 0;
            double e = 0;
            for (int i = 0; i < product.size(); i++) {
                double d = product.get(i) - w.get(i);
                if (Math.abs(d) > Math.abs(e)) {
                    e = d;
                    worst = i;
                }
            }
            double excess = Math.abs(e) - epsilon;
            if (hinge && excess <= 0) {
                continue;
            }
            sum += excess * excess;
            if (withGradient) {
                addGradient(f, worst / f.inFeatures(), worst % f.inFeatures(), perPair * 2 * excess * Math.signum(e));
            }
        }
        return perPair * sum;
    }

    /** ∂A[i, :] += g · B[:, j]ᵀ and ∂B[:, j] += g · A[i, :]ᵀ. */
    private static void addGradient(LowRankWeight f, int i, int j, double g) {
        Tensor a = f.left().value(), b = f.right().value(), da = f.left().gradient(), db = f.right().gradient();
        int r = f.rank(), in = f.inFeatures();
        for (int q = 0; q < r; q++) {
            double aiq = a.get(i * r + q), bqj = b.get(q * in + j);
            da.set(i * r + q, da.get(i * r + q) + g * bqj);
            db.set(q * in + j, db.get(q * in + j) + g * aiq);
        }
    }
}
