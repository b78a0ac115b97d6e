package org.lowrank4j.compress.runtime;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.Dictionary;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.DictionaryWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * Puts compression results into a runtime model and takes them out again, so one loaded model serves many runs.
 * The weights the sites hold when the installer is made are the originals that {@link #restore} puts back.
 *
 * <ul>
 *   <li>{@link LowRank} becomes a {@link LowRankWeight} in the model's precision (A → left, B → right). Sites whose
 *       factors are the same {@link DoubleMatrix} object (cross-layer basis sharing) get one shared
 *       {@link Parameter}, as tied weights do. A {@link LowRank#biasShift()} is added to the layer's bias (restored
 *       with the weight); a layer without a bias refuses it.</li>
 *   <li>{@link Dictionary} becomes a {@link DictionaryWeight} (Dᵀ dense, codes sparse); sites whose D is the same object
 *       (a CoSpaDi group) share one Dᵀ {@link Parameter}.</li>
 *   <li>{@link Dense} leaves the original weight in place.</li>
 *   <li>Any other factorization is installed as the dense matrix it stands for (right quality, no runtime saving).</li>
 * </ul>
 */
public final class WeightInstaller {
    private final Map<String, RuntimeSite> sites = new LinkedHashMap<>();
    private final Map<String, WeightFactorization> originals = new LinkedHashMap<>();
    private final Map<String, WeightFactorization> installed = new LinkedHashMap<>();
    private final Map<DoubleMatrix, Parameter> sharedFactors = new IdentityHashMap<>();
    private final Map<String, Tensor> originalBiases = new LinkedHashMap<>(); // copies, for sites whose bias was shifted

    public WeightInstaller(List<RuntimeSite> sites) {
        for (RuntimeSite s : sites) {
            this.sites.put(s.name(), s);
            originals.put(s.name(), s.linear().weight());
        }
    }

    /** Restores the originals, then installs every site of {@code result}. */
    public void install(CompressionResult result) {
        restore();
        for (SiteResult s : result.sites()) {
            install(s.weight().name(), s.factorization());
        }
    }

    /** Installs one site's factorization (the others stay as they are). */
    public void install(String siteName, Factorization f) {
        RuntimeSite site = sites.get(siteName);
        if (site == null) {
            throw new IllegalArgumentException("the model has no site named '" + siteName + "'");
        }
        Linear linear = site.linear();
        WeightFactorization original = originals.get(siteName);
        DoubleMatrix dense = f instanceof LowRank || f instanceof Dictionary ? null : f.toDense();
        int m = linear.outFeatures(), n = linear.inFeatures();
        boolean fits = f instanceof LowRank lr ? lr.a().rows() == m && lr.b().cols() == n
                : f instanceof Dictionary d ? d.codes().columns() == m && d.dictionary().rows() == n : dense.rows() == m && dense.cols() == n;
        if (!fits) {
            throw new IllegalArgumentException(f.describe() + " for " + siteName + " does not stand for a " + m + "x" + n + " weight");
        }
        WeightFactorization weight;
        if (f instanceof LowRank lr) {
            Precision p = original.precision();
            weight = new LowRankWeight(shared(lr.a(), linear.name() + ".A", p), shared(lr.b(), linear.name() + ".B", p));
        } else if (f instanceof Dictionary d) {
            Precision p = original.precision();
            Parameter atoms = sharedFactors.computeIfAbsent(d.dictionary(), k -> new Parameter(linear.name() + ".D", tensor(k.transpose(), p)));
            weight = new DictionaryWeight(atoms, d.codes().indices().clone(), new Parameter(linear.name() + ".C",
                    Tensor.of(p, d.codes().values(), m, d.sparsity())));
        } else if (f instanceof Dense) {
            weight = original;
        } else {
            weight = new DenseWeight(new Parameter(linear.name() + ".weight", tensor(dense, original.precision())));
        }
        linear.setWeight(weight);
        setBiasShift(siteName, linear, f instanceof LowRank lr ? lr.biasShift() : null);
        if (weight == original) {
            installed.remove(siteName);
        } else {
            installed.put(siteName, weight);
        }
    }

    /** Sets the layer's bias to its original plus {@code shift} (or back to the original when {@code shift} is null). */
    private void setBiasShift(String siteName, Linear linear, double[] shift) {
        Tensor saved = originalBiases.get(siteName);
        if (shift == null) {
            if (saved != null) {
                linear.bias().value().copyFrom(saved);
                originalBiases.remove(siteName);
            }
            return;
        }
        if (linear.bias() == null) {
            throw new IllegalArgumentException(siteName + " has no bias to carry the factors' bias shift");
        }
        Tensor bias = linear.bias().value();
        if (saved == null) {
            saved = Tensor.of(bias.precision(), bias.toDoubleArray(), bias.dim(0));
            originalBiases.put(siteName, saved);
        }
        double[] values = saved.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] += shift[i];
        }
        bias.copyFrom(Tensor.of(bias.precision(), values, values.length));
    }

    private Parameter shared(DoubleMatrix factor, String name, Precision precision) {
        return sharedFactors.computeIfAbsent(factor, k -> new Parameter(name, tensor(k, precision)));
    }

    private static Tensor tensor(DoubleMatrix m, Precision precision) {
        return Tensor.of(precision, m.toArray(), m.rows(), m.cols());
    }

    /** Puts every original weight back and forgets what was installed. */
    public void restore() {
        originals.forEach((name, w) -> sites.get(name).linear().setWeight(w));
        originalBiases.forEach((name, b) -> sites.get(name).linear().bias().value().copyFrom(b));
        originalBiases.clear();
        installed.clear();
        sharedFactors.clear();
    }

    /** Runs {@code action} with the original weights in place, then puts the installed ones back. */
    public <T> T withOriginalWeights(java.util.function.Supplier<T> action) {
        installed.keySet().forEach(name -> sites.get(name).linear().setWeight(originals.get(name)));
        Map<String, Tensor> shifted = new LinkedHashMap<>();
        originalBiases.forEach((name, b) -> {
            Tensor bias = sites.get(name).linear().bias().value();
            shifted.put(name, Tensor.of(bias.precision(), bias.toDoubleArray(), bias.dim(0)));
            bias.copyFrom(b);
        });
        try {
            return action.get();
        } finally {
            installed.forEach((name, w) -> sites.get(name).linear().setWeight(w));
            shifted.forEach((name, b) -> sites.get(name).linear().bias().value().copyFrom(b));
        }
    }

    /** Whether any site currently holds something other than its original weight. */
    public boolean isModified() {
        return !installed.isEmpty();
    }
}
