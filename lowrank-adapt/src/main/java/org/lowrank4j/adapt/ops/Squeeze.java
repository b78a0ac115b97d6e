package org.lowrank4j.adapt.ops;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.Cholesky;
import org.lowrank4j.linalg.decomposition.ProductSvd;

/**
 * LoRA-Squeeze (Vulić et al. 2026, arXiv:2602.10993; spec 02-lora-squeeze): the rank-k truncation of each module's
 * update ΔW = s·B·A, computed by {@link ProductSvd} (QR of B and Aᵀ, SVD of the r×r core) without forming the out×in
 * ΔW. With ΔW ≈ U_k Σ_k V_kᵀ and the new scaling s' = α'/k (α'/√k for rsLoRA), the new factors are
 * <pre>
 *   B' = U_k Σ_k^½ / √s'   (out, k)        A' = Σ_k^½ V_kᵀ / √s'   (k, in)        so that s'·B'·A' = U_k Σ_k V_kᵀ
 * </pre>
 * the best rank-k approximation of ΔW (Eckart–Young). α' defaults to the value that keeps s' = s
 * (α·k/r, or α·√(k/r) with rsLoRA). The rank is fixed; or per module the smallest k whose singular values hold a
 * share τ of the energy Σσ²; or chosen across modules to fit a total budget of stored values Σ k·(in + out), keeping
 * the directions with the most σ² per stored value. Modules whose rank differs from the config's r get rank_pattern /
 * alpha_pattern entries.
 *
 * <p>Activation-aware: given each module's input Gram matrix G = XᵀX/n (from {@link SqueezeCalibration}), the squeeze
 * truncates ΔW·L instead, with L·Lᵀ = G + λI (λ = {@value #DAMPING} of G's mean diagonal), and maps the kept directions
 * back through L⁻¹. So it minimises the error of the module's outputs over those inputs, ‖X(ΔW − ΔW')ᵀ‖, rather than
 * ‖ΔW − ΔW'‖ (SVD-LLM's whitening, applied to the factored update: ΔW·L = s·B·(A·L) is still never formed). The
 * singular values, energies and budgets are then those of the outputs.
 *
 * <p>Fisher-weighted: given also the Gram matrix D = E[ddᵀ] of the loss's gradients at the module's outputs, the squeeze
 * truncates Rᵀ·ΔW·L (R·Rᵀ = D + λI, damped the same way) and maps the left vectors back through R⁻ᵀ. Its error
 * ‖Rᵀ(ΔW − ΔW')L‖² = tr(E·G·Eᵀ·D) is K-FAC's estimate of the loss's rise, ½ vec(E)ᵀ(G ⊗ D) vec(E) up to the ½, where an
 * adapter trained to a minimum has no gradient left: output errors in directions the loss does not feel cost nothing.
 * The singular values are then these estimates, in the loss's one unit for every module, so a budget ranks the
 * directions of different modules against each other by what they are worth to the loss.
 */
public final class Squeeze {
    /** Relative damping of the input Gram matrices: GPTQ's 1% of the mean diagonal. */
    public static final double DAMPING = 0.01;

    /**
     * How to choose each module's new rank: exactly one of the three is set.
     *
     * @param rank   a fixed rank (modules already at or below it keep theirs), or 0
     * @param energy the share of Σσ² to keep per module, in (0, 1], or 0
     * @param budget the most stored values Σ k·(in + out) over all modules, or 0
     */
    public record Target(int rank, double energy, long budget) {
        public Target {
            int set = (rank != 0 ? 1 : 0) + (energy != 0 ? 1 : 0) + (budget != 0 ? 1 : 0);
            if (set != 1 || rank < 0 || budget < 0 || energy != 0 && !(energy > 0 && energy <= 1)) {
                throw new IllegalArgumentException("squeeze needs one of: a rank >= 1, an energy share in (0, 1], a budget >= 1 values; got rank "
                        + rank + ", energy " + energy + ", budget " + budget);
            }
        }

        public static Target rank(int rank) {
            if (rank < 1) {
                throw new IllegalArgumentException("--rank must be at least 1, got " + rank);
            }
            return new Target(rank, 0, 0);
        }

        public static Target energy(double share) {
            if (!(share > 0 && share <= 1)) {
                throw new IllegalArgumentException("--energy must be in (0, 1], got " + share);
            }
            return new Target(0, share, 0);
        }

        /** At most {@code values} stored values (A and B of every module together), ranks chosen across modules. */
        public static Target budget(long values) {
            if (values < 1) {
                throw new IllegalArgumentException("--budget must be at least 1 value, got " + values);
            }
            return new Target(0, 0, values);
        }
    }

    /**
     * One module's result.
     *
     * @param fromRank     the rank before
     * @param toRank       the rank after
     * @param singular     all singular values of ΔW (at most the old rank)
     * @param keptEnergy   Σ_{i≤k} σ_i² / Σ σ_i²
     */
    public record ModuleReport(int fromRank, int toRank, double[] singular, double keptEnergy) {
    }

    /** The squeezed adapter and, per module, what was kept. */
    public record Result(PeftAdapter adapter, Map<String, ModuleReport> modules) {
        /** Σ over modules of the kept σ², over Σ of all σ² (1 when every update is zero): the share of the energy kept. */
        public double keptEnergy() {
            double kept = 0, total = 0;
            for (ModuleReport m : modules.values()) {
                for (int i = 0; i < m.singular().length; i++) {
                    double v = m.singular()[i] * m.singular()[i];
                    total += v;
                    if (i < m.toRank()) {
                        kept += v;
                    }
                }
            }
            return total == 0 ? 1 : kept / total;
        }
    }

    private Squeeze() {
    }

    /**
     * @throws IllegalArgumentException when a budget is below one rank per module (the message gives that minimum)
     */
    public static Result apply(PeftAdapter adapter, Target target) {
        return apply(adapter, target, null);
    }

    /**
     * @param inputGram per module path, the Gram matrix of its inputs (in × in), for the activation-aware squeeze; null
     *                  for the plain one
     * @throws IllegalArgumentException when a budget is below one rank per module (the message gives that minimum), or a
     *                                  module has no Gram matrix or one of another size
     */
    public static Result apply(PeftAdapter adapter, Target target, Map<String, DoubleMatrix> inputGram) {
        return apply(adapter, target, inputGram, null);
    }

    /**
     * @param inputGram    per module path, the Gram matrix of its inputs (in × in), or null for the plain squeeze
     * @param gradientGram with {@code inputGram}, per module the Gram matrix of the loss's gradients at its outputs
     *                     (out × out) for the Fisher-weighted squeeze; or null
     * @throws IllegalArgumentException as {@link #apply(PeftAdapter, Target, Map)}, or when gradient Gram matrices come
     *                                  without input ones
     */
    public static Result apply(PeftAdapter adapter, Target target, Map<String, DoubleMatrix> inputGram, Map<String, DoubleMatrix> gradientGram) {
        if (gradientGram != null && inputGram == null) {
            throw new IllegalArgumentException("the Fisher-weighted squeeze needs the input Gram matrices as well as the gradient ones");
        }
        PeftConfig config = adapter.config();
        boolean rslora = config.useRslora();
        Map<String, SvdResult> spectra = new LinkedHashMap<>();
        Map<String, DoubleMatrix> inputWhiteners = new LinkedHashMap<>();    // L, right of ΔW
        Map<String, DoubleMatrix> gradientWhiteners = new LinkedHashMap<>(); // R, left of ΔW
        ProductSvd svd = new ProductSvd();
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            double s = LoraAdapter.scale(f.alpha(), f.rank(), rslora);
            int limit = Math.min(f.rank(), Math.min(f.in(), f.out()));
            DoubleMatrix a = matrix(f.a(), f.rank(), f.in());
            if (inputGram != null) {
                DoubleMatrix l = whitener(e.getKey(), inputGram.get(e.getKey()), f.in(), "input");
                inputWhiteners.put(e.getKey(), l);
                a = Linalg.multiply(a, l); // ΔW·L = s·B·(A·L)
            }
            DoubleMatrix b = matrix(f.b(), f.out(), f.rank());
            if (gradientGram != null) {
                DoubleMatrix r = whitener(e.getKey(), gradientGram.get(e.getKey()), f.out(), "output-gradient");
                gradientWhiteners.put(e.getKey(), r);
                b = Linalg.multiply(r.transpose(), b); // Rᵀ·ΔW·L = s·(Rᵀ·B)·(A·L)
            }
            spectra.put(e.getKey(), svd.decompose(b, a, s, limit));
        }
        Map<String, Integer> ranks = target.budget() > 0 ? budgetRanks(adapter.modules(), spectra, target.budget()) : null;
        Map<String, LoraFactors> out = new LinkedHashMap<>();
        Map<String, ModuleReport> reports = new LinkedHashMap<>();
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            SvdResult full = spectra.get(e.getKey());
            double[] sigma = full.s();
            int k = ranks != null ? ranks.get(e.getKey())
                    : target.rank() > 0 ? Math.min(target.rank(), sigma.length) : energyRank(sigma, target.energy());
            k = Math.max(1, k);
            SvdResult kept = weightedBack(full, k, gradientWhiteners.get(e.getKey()), inputWhiteners.get(e.getKey()), f, svd);
            out.put(e.getKey(), factors(kept, k, f, rslora));
            reports.put(e.getKey(), new ModuleReport(f.rank(), k, sigma, energy(sigma, k)));
        }
        return new Result(new PeftAdapter(configFor(config, out), out), reports);
    }

    /**
     * The rank-k factors of a kept update given as a thin SVD, balanced (B' = U_k Σ^½ / √s', A' = Σ^½ V_kᵀ / √s'), with α'
     * chosen so that s' equals the old scaling s: α·k/r, or α·√(k/r) with rsLoRA.
     */
    static LoraFactors factors(SvdResult kept, int k, LoraFactors f, boolean rslora) {
        double alpha = rslora ? f.alpha() * Math.sqrt((double) k / f.rank()) : f.alpha() * k / f.rank();
        double newScale = LoraAdapter.scale(alpha, k, rslora);
        DenseMatrix u = kept.u(), vt = kept.vt();
        double[] keptSigma = kept.s();
        float[] b = new float[f.out() * k];
        float[] a = new float[k * f.in()];
        for (int j = 0; j < k; j++) {
            double factor = Math.sqrt(keptSigma[j] / newScale);
            for (int i = 0; i < f.out(); i++) {
                b[i * k + j] = (float) (u.get(i, j) * factor);      // B' = U_k Σ^½ / √s'
            }
            for (int i = 0; i < f.in(); i++) {
                a[j * f.in() + i] = (float) (vt.get(j, i) * factor); // A' = Σ^½ V_kᵀ / √s'
            }
        }
        return new LoraFactors(k, f.in(), f.out(), a, b, alpha);
    }

    /**
     * The kept rank-k update as a thin SVD of its own. Unweighted, that is the first k triplets of {@code full}. Weighted,
     * the kept directions go back through R⁻ᵀ (left) and L⁻¹ (right), which leaves them neither orthonormal nor of
     * comparable scale (the gradients' Gram matrix is tiny, so R⁻ᵀ is huge); the update (R⁻ᵀU_kΣ_k)(V_kᵀL⁻¹) is then
     * refactored by {@link ProductSvd}, so that B' and A' come out balanced as after a plain squeeze, and tuning on
     * from them takes steps of the usual size.
     */
    static SvdResult weightedBack(SvdResult full, int k, DoubleMatrix r, DoubleMatrix l, LoraFactors f, ProductSvd svd) {
        if (r == null && l == null) {
            return full;
        }
        DenseMatrix u = full.u(), vt = full.vt();
        DoubleMatrix left = DoubleMatrix.zeros(f.out(), k);   // U_k Σ_k
        DoubleMatrix right = DoubleMatrix.zeros(f.in(), k);   // V_k
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < f.out(); i++) {
                left.set(i, j, u.get(i, j) * full.s()[j]);
            }
            for (int i = 0; i < f.in(); i++) {
                right.set(i, j, vt.get(j, i));
            }
        }
        if (r != null) {
            left = Linalg.backend().solveTriangular(r, true, true, left);   // R⁻ᵀ·U_k Σ_k
        }
        if (l != null) {
            right = Linalg.backend().solveTriangular(l, true, true, right); // L⁻ᵀ·V_k, the transpose of V_kᵀ·L⁻¹
        }
        return svd.decompose(left, right.transpose().compact(), 1, k);
    }

    /** L with L·Lᵀ = G + λI for one module's input (or output-gradient) Gram matrix G. */
    static DoubleMatrix whitener(String module, DoubleMatrix gram, int in, String what) {
        if (gram == null || gram.rows() != in || gram.cols() != in) {
            throw new IllegalArgumentException(module + ": the calibrated squeeze needs its " + in + "x" + in + " " + what + " Gram matrix, got "
                    + (gram == null ? "none" : gram.rows() + "x" + gram.cols()));
        }
        double meanDiag = 0;
        for (int i = 0; i < in; i++) {
            meanDiag += gram.get(i, i) / in;
        }
        if (!(meanDiag > 0) || !Double.isFinite(meanDiag)) {
            throw new IllegalArgumentException(module + ": its " + what + " Gram matrix has mean diagonal " + meanDiag
                    + "; calibrate on text that reaches this module");
        }
        DoubleMatrix damped = gram.copy();
        for (int i = 0; i < in; i++) {
            damped.set(i, i, damped.get(i, i) + DAMPING * meanDiag);
        }
        return new Cholesky().decompose(damped).lower();
    }

    /**
     * Ranks for a total of at most {@code budget} stored values: every module keeps its first direction, then the
     * directions are taken in order of σ² / (in + out), the energy a stored value buys, while they fit. Within a module σ
     * falls, so this keeps each module's leading directions; it is the greedy solution of the knapsack of kept energy.
     */
    static Map<String, Integer> budgetRanks(Map<String, LoraFactors> modules, Map<String, SvdResult> spectra, long budget) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        long used = 0;
        PriorityQueue<Direction> next = new PriorityQueue<>(Comparator.comparingDouble(Direction::worth).reversed());
        for (Map.Entry<String, LoraFactors> e : modules.entrySet()) {
            LoraFactors f = e.getValue();
            used += f.in() + f.out();
            ranks.put(e.getKey(), 1);
            double[] sigma = spectra.get(e.getKey()).s();
            if (sigma.length > 1) {
                next.add(new Direction(e.getKey(), 1, sigma[1] * sigma[1] / (f.in() + f.out())));
            }
        }
        if (used > budget) {
            throw new IllegalArgumentException("--budget " + budget + " is below one rank per module: the " + modules.size()
                    + " modules need at least " + used + " values");
        }
        while (!next.isEmpty()) {
            Direction top = next.poll();
            String module = top.module();
            LoraFactors f = modules.get(module);
            if (used + f.in() + f.out() > budget) {
                continue; // a module of another shape may still fit
            }
            used += f.in() + f.out();
            int j = top.index();
            ranks.put(module, j + 1);
            double[] sigma = spectra.get(module).s();
            if (j + 1 < sigma.length) {
                next.add(new Direction(module, j + 1, sigma[j + 1] * sigma[j + 1] / (f.in() + f.out())));
            }
        }
        return ranks;
    }

    /** The singular direction {@code index} of a module and the energy per stored value it would keep. */
    private record Direction(String module, int index, double worth) {
    }

    /** The config of the squeezed factors: the most common rank as r, the others as exact rank/alpha patterns. */
    public static PeftConfig configFor(PeftConfig config, Map<String, LoraFactors> modules) {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (LoraFactors f : modules.values()) {
            counts.merge(f.rank(), 1, Integer::sum);
        }
        int common = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        LoraFactors sample = modules.values().stream().filter(f -> f.rank() == common).findFirst().orElseThrow();
        PeftConfig base = config.withRankAndAlpha(common, sample.alpha());
        Map<String, Integer> ranks = new LinkedHashMap<>();
        Map<String, Double> alphas = new LinkedHashMap<>();
        for (Map.Entry<String, LoraFactors> e : modules.entrySet()) {
            String exact = e.getKey().replace(".", "\\."); // matches this one path under PEFT's pattern rule
            if (e.getValue().rank() != common) {
                ranks.put(exact, e.getValue().rank());
            }
            if (e.getValue().alpha() != sample.alpha()) {
                alphas.put(exact, e.getValue().alpha());
            }
        }
        return ranks.isEmpty() && alphas.isEmpty() ? base : base.withPatterns(ranks, alphas);
    }

    /** The smallest k whose σ_1..σ_k hold at least {@code share} of Σσ². */
    static int energyRank(double[] sigma, double share) {
        double total = 0;
        for (double v : sigma) {
            total += v * v;
        }
        if (total == 0) {
            return 1;
        }
        double kept = 0;
        for (int k = 0; k < sigma.length; k++) {
            kept += sigma[k] * sigma[k];
            if (kept >= share * total * (1 - 1e-12)) {
                return k + 1;
            }
        }
        return sigma.length;
    }

    static double energy(double[] sigma, int k) {
        double total = 0, kept = 0;
        for (int i = 0; i < sigma.length; i++) {
            total += sigma[i] * sigma[i];
            if (i < k) {
                kept += sigma[i] * sigma[i];
            }
        }
        return total == 0 ? 1 : kept / total;
    }

    static DoubleMatrix matrix(float[] values, int rows, int cols) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return DoubleMatrix.wrap(d, rows, cols);
    }
}
