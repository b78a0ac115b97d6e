package org.lowrank4j.adapt.rmm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.ops.Squeeze;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.EigenResult;
import org.lowrank4j.linalg.decomposition.SymmetricEigen;

/**
 * Reversible model merging of LoRA adapters (RMM; Alipour and Mohammadi Amiri 2025, arXiv:2510.14163; spec
 * ../shared/methods/03-rmm-reversible-merging.md). n task adapters on one base are stored as k ≤ n basis adapters plus k
 * coefficients per task and factor, from which each task's adapter is rebuilt on demand ({@link #revert}).
 * <p>
 * Per module and per factor F (𝔅_i = s_i·B_i (out, r) with the task's scaling inside, 𝔄_i = A_i (r, in); ranks zero-padded
 * to the largest), the tasks' vectorised factors are the columns of X_F (D, n); with the Gram G = X_Fᵀ·X_F = Q·Λ·Qᵀ
 * (float64, λ descending):
 * <pre>
 *   C = Q_kᵀ (k, n)      coefficients, orthonormal rows        U = X_F·Q_k (D, k)      the k basis factors
 *   F̂_i = Σ_j C[j, i]·U_j                                       ‖X_F − U·C‖_F² = Σ_{j>k} λ_j
 * </pre>
 * k = n reverts exactly; k = 1 is one merged adapter along the top principal direction. The reverted task i is
 * ΔŴ_i = 𝔅̂_i·𝔄̂_i, written as a PEFT adapter of scaling 1. The factors are never averaged across tasks (their gauges differ).
 *
 * @param tasks    n
 * @param bases    k
 * @param modules  per module path, the two factors' bases
 * @param template the first adapter's config, the reverted adapters' (ranks and α per module replaced)
 */
public record ReversibleMerge(int tasks, int bases, Map<String, ModuleBasis> modules, PeftConfig template) {

    /**
     * One factor's k basis vectors and the tasks' coefficients.
     *
     * @param rows         rows of the factor (out for 𝔅, r for 𝔄)
     * @param cols         columns (r for 𝔅, in for 𝔄)
     * @param basis        k vectors of rows·cols values (row-major factor)
     * @param coefficients k × n
     * @param eigenvalues  all n eigenvalues of the Gram matrix, descending
     */
    public record FactorBasis(int rows, int cols, double[][] basis, double[][] coefficients, double[] eigenvalues) {

        /** Task i's factor rebuilt from the basis (row-major rows·cols). */
        public double[] reconstruct(int task) {
            double[] out = new double[rows * cols];
            for (int j = 0; j < basis.length; j++) {
                double c = coefficients[j][task];
                for (int e = 0; e < out.length; e++) {
                    out[e] += c * basis[j][e];
                }
            }
            return out;
        }

        /** ‖X_F − U·C‖_F² = Σ_{j>k} λ_j: the squared error of all tasks' factors together. */
        public double discardedEnergy() {
            double sum = 0;
            for (int j = basis.length; j < eigenvalues.length; j++) {
                sum += Math.max(0, eigenvalues[j]);
            }
            return sum;
        }
    }

    /**
     * A module's padded rank, shape and the bases of its two factors; {@code taskRanks[i]} is task i's own rank there (0:
     * task i does not adapt the module), which its reverted adapter keeps.
     */
    public record ModuleBasis(int rank, int in, int out, FactorBasis b, FactorBasis a, int[] taskRanks) {
    }

    /**
     * @param adapters the task adapters (at least one), for the same base: a module they share must have one shape
     * @param bases    k, in 1..n
     * @throws IllegalArgumentException for k outside 1..n, or a module whose shape differs between adapters (naming it)
     */
    public static ReversibleMerge of(List<PeftAdapter> adapters, int bases) {
        int n = adapters.size();
        if (n < 1) {
            throw new IllegalArgumentException("reversible merging needs at least one adapter");
        }
        if (bases < 1 || bases > n) {
            throw new IllegalArgumentException("reversible merging of " + n + " adapters keeps 1.." + n + " basis adapters, got " + bases);
        }
        Set<String> paths = new LinkedHashSet<>();
        adapters.forEach(a -> paths.addAll(a.modules().keySet()));
        Map<String, ModuleBasis> modules = new LinkedHashMap<>();
        for (String path : paths) {
            int rank = 0, in = -1, out = -1;
            for (PeftAdapter a : adapters) {
                LoraFactors f = a.modules().get(path);
                if (f == null) {
                    continue;
                }
                if (in >= 0 && (f.in() != in || f.out() != out)) {
                    throw new IllegalArgumentException("module " + path + " is " + out + "x" + in + " in one adapter and " + f.out() + "x" + f.in()
                            + " in another: the adapters are for different base models");
                }
                in = f.in();
                out = f.out();
                rank = Math.max(rank, f.rank());
            }
            double[][] bColumns = new double[n][], aColumns = new double[n][];
            int[] taskRanks = new int[n];
            for (int t = 0; t < n; t++) {
                PeftAdapter adapter = adapters.get(t);
                LoraFactors f = adapter.modules().get(path);
                bColumns[t] = new double[out * rank];
                aColumns[t] = new double[rank * in];
                if (f == null) {
                    continue; // this task does not adapt the module: zero factors
                }
                taskRanks[t] = f.rank();
                double s = LoraAdapter.scale(f.alpha(), f.rank(), adapter.config().useRslora());
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < f.rank(); j++) {
                        bColumns[t][i * rank + j] = s * f.b()[i * f.rank() + j];
                    }
                }
                for (int j = 0; j < f.rank(); j++) {
                    for (int c = 0; c < in; c++) {
                        aColumns[t][j * in + c] = f.a()[j * in + c];
                    }
                }
            }
            modules.put(path, new ModuleBasis(rank, in, out, basis(bColumns, out, rank, bases), basis(aColumns, rank, in, bases), taskRanks));
        }
        return new ReversibleMerge(n, bases, modules, adapters.get(0).config());
    }

    /** The closed form for one factor: Gram, eigenvectors, coefficients and basis. */
    static FactorBasis basis(double[][] columns, int rows, int cols, int k) {
        int n = columns.length;
        DoubleMatrix gram = DoubleMatrix.zeros(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double dot = 0;
                for (int e = 0; e < columns[i].length; e++) {
                    dot += columns[i][e] * columns[j][e];
                }
                gram.set(i, j, dot);
                gram.set(j, i, dot);
            }
        }
        EigenResult eigen = new SymmetricEigen().decompose(gram);
        double[][] coefficients = new double[k][n];
        double[][] basis = new double[k][columns[0].length];
        for (int j = 0; j < k; j++) {
            for (int t = 0; t < n; t++) {
                double q = eigen.vectors().get(t, j);
                coefficients[j][t] = q;
                for (int e = 0; e < basis[j].length; e++) {
                    basis[j][e] += columns[t][e] * q; // U = X_F Q_k
                }
            }
        }
        return new FactorBasis(rows, cols, basis, coefficients, eigen.values());
    }

    /**
     * Task {@code task}'s adapter rebuilt from the bases, over the modules it adapted and at its own rank there: per module
     * the first r_i columns of 𝔅̂ (out, r) as lora_B and the first r_i rows of 𝔄̂ (r, in) as lora_A (the padding beyond r_i
     * was zero in the task's factors, so nothing of the task is dropped), with scaling 1 (α = r_i, or √r_i under rsLoRA),
     * in the first adapter's config.
     */
    public PeftAdapter revert(int task) {
        if (task < 0 || task >= tasks) {
            throw new IllegalArgumentException("task " + task + " is not one of the " + tasks + " merged adapters (0.." + (tasks - 1) + ")");
        }
        boolean rslora = template.useRslora();
        Map<String, LoraFactors> out = new LinkedHashMap<>();
        modules.forEach((path, m) -> {
            int r = m.taskRanks()[task];
            if (r == 0) {
                return; // the task does not adapt this module
            }
            double[] b = m.b().reconstruct(task), a = m.a().reconstruct(task);
            float[] bOwn = new float[m.out() * r], aOwn = new float[r * m.in()];
            for (int i = 0; i < m.out(); i++) {
                for (int j = 0; j < r; j++) {
                    bOwn[i * r + j] = (float) b[i * m.rank() + j];
                }
            }
            for (int e = 0; e < aOwn.length; e++) {
                aOwn[e] = (float) a[e]; // rows 0..r-1 of the row-major (rank, in) factor
            }
            out.put(path, new LoraFactors(r, m.in(), m.out(), aOwn, bOwn, rslora ? Math.sqrt(r) : r));
        });
        return new PeftAdapter(Squeeze.configFor(template, out), out);
    }

    /** Numbers stored: the k basis factors and the 2·k·n coefficients of every module. */
    public long storedValues() {
        long total = 0;
        for (ModuleBasis m : modules.values()) {
            total += (long) bases * ((long) m.out() * m.rank() + (long) m.rank() * m.in()) + 2L * bases * tasks;
        }
        return total;
    }

    /** Numbers the n adapters hold apart: each task's own rank on the modules it adapts. */
    public long separateValues() {
        long total = 0;
        for (ModuleBasis m : modules.values()) {
            for (int r : m.taskRanks()) {
                total += (long) r * (m.out() + m.in());
            }
        }
        return total;
    }

    /** The share of all factors' energy (Σ λ over every module and factor) that the k bases leave out: 0 at k = n. */
    public double discardedShare() {
        double discarded = 0, total = 0;
        for (ModuleBasis m : modules.values()) {
            for (FactorBasis f : List.of(m.b(), m.a())) {
                discarded += f.discardedEnergy();
                for (double l : f.eigenvalues()) {
                    total += Math.max(0, l);
                }
            }
        }
        return total == 0 ? 0 : discarded / total;
    }

    /** Per module, both factors' discarded energy Σ_{j>k} λ_j (𝔅, then 𝔄). */
    public Map<String, double[]> discardedEnergy() {
        Map<String, double[]> out = new LinkedHashMap<>();
        modules.forEach((path, m) -> out.put(path, new double[] {m.b().discardedEnergy(), m.a().discardedEnergy()}));
        return out;
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** The module paths, in order. */
    public List<String> paths() {
        return new ArrayList<>(modules.keySet());
    }
}
