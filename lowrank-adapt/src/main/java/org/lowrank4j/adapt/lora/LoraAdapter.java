package org.lowrank4j.adapt.lora;

import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * One named rank-r update of one linear map, {@code ΔW(out,in) = s·B(out,r)·A(r,in)} (spec 01-lora-peft). Its
 * parameters are named as PEFT names them inside a model, {@code <module>.lora_A.<adapter>.weight} and
 * {@code <module>.lora_B.<adapter>.weight}, which is also what checkpoints store.
 *
 * @param name      the adapter's name ({@code default} unless several are attached)
 * @param a         A (r, in), the down-projection ("lora_A")
 * @param b         B (out, r), the up-projection ("lora_B")
 * @param alpha     lora_alpha
 * @param useRslora scale α/√r instead of α/r
 * @param dropout   probability of zeroing an input entry of the adapter branch while training, in [0, 1)
 */
public record LoraAdapter(String name, Parameter a, Parameter b, double alpha, boolean useRslora, double dropout) {

    public LoraAdapter {
        Tensor av = a.value(), bv = b.value();
        if (av.rank() != 2 || bv.rank() != 2 || av.dim(0) != bv.dim(1) || av.precision() != bv.precision()) {
            throw new IllegalArgumentException("LoRA factors must be A (r, in) and B (out, r) of one precision, got " + a.name() + " "
                    + av.shapeString() + " and " + b.name() + " " + bv.shapeString());
        }
        LoraSettings.check(av.dim(0), alpha, dropout, "LoRA rank r of " + a.name(), "lora_alpha", "lora_dropout");
    }

    /**
     * A fresh adapter as PEFT initialises one: A ~ U(−1/√in, 1/√in) (kaiming-uniform with a = √5), B = 0, so the
     * update is zero at step 0.
     */
    public static LoraAdapter initialized(String module, String name, int in, int out, LoraSettings settings, Precision precision,
            Random random) {
        int r = settings.rank();
        Tensor a = Tensor.zeros(precision, r, in);
        double bound = 1 / Math.sqrt(in);
        for (int i = 0; i < a.size(); i++) {
            a.set(i, (2 * random.nextDouble() - 1) * bound);
        }
        return new LoraAdapter(name, new Parameter(parameterName(module, "lora_A", name), a),
                new Parameter(parameterName(module, "lora_B", name), Tensor.zeros(precision, out, r)), settings.alpha(),
                settings.useRslora(), settings.dropout());
    }

    /** {@code <module>.<factor>.<adapter>.weight}: PEFT's in-model name. */
    public static String parameterName(String module, String factor, String adapter) {
        return module + "." + factor + "." + adapter + ".weight";
    }

    public int rank() {
        return a.value().dim(0);
    }

    public int inFeatures() {
        return a.value().dim(1);
    }

    public int outFeatures() {
        return b.value().dim(0);
    }

    /** s = α/r, or α/√r with rsLoRA. */
    public double scale() {
        return scale(alpha, rank(), useRslora);
    }

    /** The LoRA scaling for a given α and r. */
    public static double scale(double alpha, int rank, boolean useRslora) {
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    public List<Parameter> parameters() {
        return List.of(a, b);
    }
}
