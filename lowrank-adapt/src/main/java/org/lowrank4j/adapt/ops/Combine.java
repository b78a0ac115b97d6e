package org.lowrank4j.adapt.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;

/**
 * Combines LoRA adapters trained on the same base into one: per module the weighted sum ΔW = Σ_i w_i·s_i·B_i·A_i.
 * <p>
 * {@link #concatenate} writes that sum exactly, as one adapter of rank Σ r_i: the factors are stacked along the rank,
 * B = [c_1^½·B_1 | c_2^½·B_2 | …] (with the sign of c_i on B) and A = [c_1^½·A_1; c_2^½·A_2; …] with c_i = |w_i·s_i|,
 * and α chosen so that the new scaling s is 1; then s·B·A is the weighted sum term by term (up to the float32 rounding
 * of the scaled factors). {@link #svd} then truncates that sum to rank k by {@link Squeeze} (the SVD of the product
 * B·A by {@code ProductSvd}, never forming it), which is the best rank-k approximation of the sum: its Frobenius error
 * is the tail (Σ_{j>k} σ_j²)^½ of the sum's spectrum.
 * <p>
 * The adapters must cover the same modules with the same shapes, and name the same base model when both name one;
 * anything else is refused in one line naming the adapter and the module or tensor.
 */
public final class Combine {

    /** One adapter and its weight in the sum, with a label for messages (its folder). */
    public record Term(String label, PeftAdapter adapter, double weight) {
        public Term {
            Objects.requireNonNull(adapter);
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("the weight of adapter " + label + " must be a finite number, got " + weight);
            }
        }
    }

    private Combine() {
    }

    /** The exact weighted sum as one adapter of rank Σ r_i per module. */
    public static PeftAdapter concatenate(List<Term> terms) {
        PeftAdapter sum = stacked(terms);
        for (Map.Entry<String, LoraFactors> e : sum.modules().entrySet()) {
            LoraFactors f = e.getValue();
            if (f.rank() > Math.min(f.in(), f.out())) {
                throw new IllegalArgumentException("the summed rank " + f.rank() + " of " + e.getKey() + " is above min(in, out) = "
                        + Math.min(f.in(), f.out()) + ", which PEFT cannot load: give a target rank (the SVD of the sum)");
            }
        }
        return sum;
    }

    private static PeftAdapter stacked(List<Term> terms) {
        check(terms);
        PeftAdapter first = terms.get(0).adapter();
        boolean rslora = first.config().useRslora();
        Map<String, LoraFactors> out = new LinkedHashMap<>();
        for (String module : first.modules().keySet()) {
            LoraFactors f0 = first.modules().get(module);
            int in = f0.in(), outDim = f0.out();
            int rank = 0;
            for (Term t : terms) {
                rank += t.adapter().modules().get(module).rank();
            }
            float[] a = new float[rank * in];
            float[] b = new float[outDim * rank];
            int offset = 0;
            for (Term t : terms) {
                LoraFactors f = t.adapter().modules().get(module);
                double c = t.weight() * LoraAdapter.scale(f.alpha(), f.rank(), t.adapter().config().useRslora());
                double root = Math.sqrt(Math.abs(c));
                double sign = Math.signum(c);
                for (int j = 0; j < f.rank(); j++) {
                    for (int i = 0; i < in; i++) {
                        a[(offset + j) * in + i] = (float) (root * f.a()[j * in + i]);
                    }
                    for (int i = 0; i < outDim; i++) {
                        b[i * rank + offset + j] = (float) (sign * root * f.b()[i * f.rank() + j]);
                    }
                }
                offset += f.rank();
            }
            double alpha = rslora ? Math.sqrt(rank) : rank; // the scaling α/r (α/√r) is then 1
            requireFloatUpdate(module, rank, in, outDim, a, b, terms);
            out.put(module, new LoraFactors(rank, in, outDim, a, b, alpha));
        }
        return new PeftAdapter(Squeeze.configFor(first.config(), out), out);
    }

    /**
     * Refuses a sum whose update B·A (scaling 1) has entries float32 cannot hold, as huge weights give (1e40 stored finite
     * factors of 1e20 whose product overflows when the adapter is merged or run). The cheap bound rank·max|B|·max|A| is
     * tried first; only when it is too large is the product formed, one row at a time.
     */
    private static void requireFloatUpdate(String module, int rank, int in, int out, float[] a, float[] b, List<Term> terms) {
        double maxA = 0, maxB = 0;
        for (float v : a) {
            maxA = Math.max(maxA, Math.abs((double) v)); // NaN stays out of max: it is caught as non-finite below
        }
        for (float v : b) {
            maxB = Math.max(maxB, Math.abs((double) v));
        }
        boolean finiteFactors = org.lowrank4j.formats.io.FiniteValues.firstDamaged(a) < 0 && org.lowrank4j.formats.io.FiniteValues.firstDamaged(b) < 0;
        if (finiteFactors && rank * maxA * maxB <= Float.MAX_VALUE) {
            return;
        }
        double largest = finiteFactors ? 0 : Double.POSITIVE_INFINITY;
        for (int i = 0; i < out && Double.isFinite(largest); i++) {
            for (int j = 0; j < in; j++) {
                double sum = 0;
                for (int k = 0; k < rank; k++) {
                    sum += (double) b[i * rank + k] * a[k * in + j];
                }
                largest = Math.max(largest, Math.abs(sum));
            }
        }
        if (!(largest <= Float.MAX_VALUE)) {
            StringBuilder weights = new StringBuilder();
            for (Term t : terms) {
                weights.append(weights.length() == 0 ? "" : ", ").append(t.label()).append(':').append(t.weight());
            }
            throw new IllegalArgumentException("the weighted sum's update of " + module + " is not finite in float32 (|ΔW| up to "
                    + String.format(java.util.Locale.ROOT, "%.3g", largest) + "): the weights " + weights + " are too large; give smaller weights");
        }
    }

    /** The weighted sum truncated to rank k per module (modules whose summed rank is at most k keep it). */
    public static Squeeze.Result svd(List<Term> terms, int rank) {
        return Squeeze.apply(stacked(terms), Squeeze.Target.rank(rank));
    }

    /** Refuses adapters that do not fit together, in one line. */
    static void check(List<Term> terms) {
        if (terms.size() < 2) {
            throw new IllegalArgumentException("combine needs at least two adapters, got " + terms.size());
        }
        Term first = terms.get(0);
        PeftConfig c0 = first.adapter().config();
        for (Term t : terms.subList(1, terms.size())) {
            PeftConfig c = t.adapter().config();
            if (!blank(c0.baseModel()) && !blank(c.baseModel()) && !c0.baseModel().equals(c.baseModel())) {
                throw new IllegalArgumentException("adapter " + t.label() + " is for base model " + c.baseModel() + " but " + first.label()
                        + " is for " + c0.baseModel() + ": only adapters of the same base can be combined");
            }
            List<String> missing = new ArrayList<>(first.adapter().modules().keySet());
            missing.removeAll(t.adapter().modules().keySet());
            List<String> extra = new ArrayList<>(t.adapter().modules().keySet());
            extra.removeAll(first.adapter().modules().keySet());
            if (!missing.isEmpty() || !extra.isEmpty()) {
                throw new IllegalArgumentException("adapters " + first.label() + " and " + t.label() + " adapt different modules ("
                        + (missing.isEmpty() ? "" : "only " + first.label() + " has " + missing.get(0))
                        + (missing.isEmpty() || extra.isEmpty() ? "" : "; ")
                        + (extra.isEmpty() ? "" : "only " + t.label() + " has " + extra.get(0)) + "): their target modules differ");
            }
            for (Map.Entry<String, LoraFactors> e : first.adapter().modules().entrySet()) {
                LoraFactors f0 = e.getValue(), f = t.adapter().modules().get(e.getKey());
                if (f0.in() != f.in() || f0.out() != f.out()) {
                    throw new IllegalArgumentException("adapter " + t.label() + ": " + org.lowrank4j.adapt.peft.PeftFolder.key(e.getKey(), "lora_B")
                            + " is for a " + f.out() + "x" + f.in() + " weight but " + first.label() + " has " + f0.out() + "x" + f0.in()
                            + ": the adapters were made for different bases");
                }
            }
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
