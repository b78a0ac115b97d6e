package org.lowrank4j.adapt.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * PiSSA initialisation (Meng et al. 2024, arXiv:2404.02948; spec 04, PEFT's {@code init_lora_weights="pissa"}). With the
 * thin SVD W = U S Vᵀ of a target weight (out, in) and the LoRA scaling s,
 * <pre>
 *   A = (S_r / s)^½ V_rᵀ   (r, in)        B = U_r (S_r / s)^½   (out, r)        W_res = W − s·B·A
 * </pre>
 * so that s·B·A = U_r S_r V_rᵀ holds the principal part and the frozen base becomes the residual W_res (whose singular
 * values are σ_{r+1..}). The layer's output is unchanged at step 0: W_res + s·B·A = W, up to float rounding (W_res is
 * computed in float64 from the float-rounded A and B, then rounded once).
 * <p>
 * A trained PiSSA adapter applies to W_res, not to W. PEFT's conversion makes it an ordinary adapter for W:
 * W_res + s·B·A = W + (s·B·A − s·B₀·A₀), the concatenation of the trained factors with the initial ones negated, of
 * rank 2r; {@link #initialize} returns the initial factors for that.
 */
public final class Pissa {
    private Pissa() {
    }

    /**
     * Replaces the weight of every layer {@code targets} selects by its residual and attaches the principal adapter
     * under {@code name}.
     *
     * @return per module, the initial factors A₀, B₀ (for the conversion to an adapter of the original weight)
     * @throws IllegalArgumentException when the targets match nothing, or 2r exceeds a layer's min(in, out) (the
     *                                  converted adapter of rank 2r could not be loaded), or a layer is already adapted
     */
    public static Map<String, LoraFactors> initialize(LoraModel model, String name, TargetModules targets, Function<String, LoraSettings> settings) {
        List<String> paths = model.select(targets);
        model.requireSeparate(paths, "--init pissa");
        for (String path : paths) {
            Linear linear = model.modules().get(path);
            int r = settings.apply(path).rank();
            int limit = Math.min(linear.inFeatures(), linear.outFeatures());
            if (2 * r > limit) {
                throw new IllegalArgumentException("--init pissa with rank " + r + ": " + path + " is " + linear.outFeatures() + "x"
                        + linear.inFeatures() + ", and the adapter written for the original weight has rank 2r = " + 2 * r
                        + " > min(in, out) = " + limit + "; use a rank of at most " + limit / 2);
            }
            if (linear.weight() instanceof LoraWeight) {
                throw new IllegalArgumentException("--init pissa: " + path + " already has an adapter; PiSSA starts from the plain weight");
            }
        }
        Map<String, LoraFactors> initial = new LinkedHashMap<>();
        for (String path : paths) {
            Linear linear = model.modules().get(path);
            LoraSettings s = settings.apply(path);
            WeightFactorization weight = linear.weight();
            LoraAdapter adapter = principal(path, name, weight.toDense(), s);
            linear.setWeight(new DenseWeight(new Parameter(parameterName(weight, path), residual(weight.toDense(), adapter))));
            model.add(path, adapter);
            initial.put(path, new LoraFactors(adapter.rank(), adapter.inFeatures(), adapter.outFeatures(), floats(adapter.a().value()),
                    floats(adapter.b().value()), adapter.alpha()));
        }
        return initial;
    }

    /** The adapter of the top-r singular triplets of {@code w} (out, in), with the scaling divided out. */
    static LoraAdapter principal(String module, String name, Tensor w, LoraSettings settings) {
        int out = w.dim(0), in = w.dim(1), r = settings.rank();
        DoubleMatrix m = DoubleMatrix.zeros(out, in);
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                m.set(i, j, w.get(i * in + j));
            }
        }
        SvdResult svd = Linalg.backend().svd(m);
        double scale = LoraAdapter.scale(settings.alpha(), r, settings.useRslora());
        if (!(scale > 0)) {
            throw new IllegalArgumentException("--init pissa needs a positive lora_alpha (the scaling divides the singular values), got "
                    + settings.alpha());
        }
        DenseMatrix u = svd.u(), vt = svd.vt();
        Tensor a = Tensor.zeros(w.precision(), r, in);
        Tensor b = Tensor.zeros(w.precision(), out, r);
        for (int k = 0; k < r; k++) {
            double root = Math.sqrt(svd.s()[k] / scale);
            for (int j = 0; j < in; j++) {
                a.set(k * in + j, root * vt.get(k, j));
            }
            for (int i = 0; i < out; i++) {
                b.set(i * r + k, u.get(i, k) * root);
            }
        }
        return new LoraAdapter(name, new Parameter(LoraAdapter.parameterName(module, "lora_A", name), a),
                new Parameter(LoraAdapter.parameterName(module, "lora_B", name), b), settings.alpha(), settings.useRslora(), settings.dropout());
    }

    /** W − s·B·A, the product taken in float64 from the stored factors. */
    static Tensor residual(Tensor w, LoraAdapter adapter) {
        int out = w.dim(0), in = w.dim(1), r = adapter.rank();
        Tensor a = adapter.a().value(), b = adapter.b().value();
        double s = adapter.scale();
        Tensor res = Tensor.zeros(w.precision(), out, in);
        double[] row = new double[in];
        for (int i = 0; i < out; i++) {
            java.util.Arrays.fill(row, 0);
            for (int k = 0; k < r; k++) {
                double bik = b.get(i * r + k);
                for (int j = 0; j < in; j++) {
                    row[j] += bik * a.get(k * in + j);
                }
            }
            for (int j = 0; j < in; j++) {
                res.set(i * in + j, w.get(i * in + j) - s * row[j]);
            }
        }
        return res;
    }

    private static String parameterName(WeightFactorization weight, String path) {
        return weight instanceof DenseWeight d ? d.weight().name() : path + ".weight";
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }
}
