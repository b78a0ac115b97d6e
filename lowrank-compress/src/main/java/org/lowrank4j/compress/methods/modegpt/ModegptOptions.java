package org.lowrank4j.compress.methods.modegpt;

import java.util.Locale;
import org.lowrank4j.compress.methods.MethodSpec;

/**
 * Options of MoDeGPT (Lin et al., "MoDeGPT: Modular Decomposition for Large Language Model Compression", ICLR 2025,
 * arXiv:2408.09632; spec ../shared/methods/c10-modegpt.md): {@code modegpt[:ridge=…,temperature=…,cap=…,allocation=…]}.
 *
 * @param ridge       ridge λ of the MLP leverage scores, relative to mean(diag C_σ) (unofficial code: 1e-2, absolute)
 * @param temperature softmax temperature ε of the Block-Influence allocation (unofficial CLI default 0.15)
 * @param cap         largest sparsity of one block, φ_max (0.8)
 * @param allocation  {@code block-influence} (the paper's) or {@code uniform} (every block at the ratio)
 * @param whitening   relative ridge added to the block input Gram before its root for V·O (unofficial code: 1e-4)
 */
public record ModegptOptions(double ridge, double temperature, double cap, Allocation allocation, double whitening) {
    public static final String NAME = "modegpt";

    /** How sparsity is spread over blocks. */
    public enum Allocation { BLOCK_INFLUENCE, UNIFORM }

    public ModegptOptions {
        if (!(ridge > 0) || !(temperature > 0) || !(cap > 0 && cap <= 1) || !(whitening >= 0)) {
            throw new IllegalArgumentException(NAME + ": ridge and temperature must be positive, cap in (0, 1], whitening >= 0; got ridge=" + ridge
                    + ", temperature=" + temperature + ", cap=" + cap + ", whitening=" + whitening);
        }
    }

    public static ModegptOptions defaults() {
        return new ModegptOptions(1e-2, 0.15, 0.8, Allocation.BLOCK_INFLUENCE, 1e-4);
    }

    /** Whether a method spec names MoDeGPT. */
    public static boolean names(String spec) {
        return spec != null && MethodSpec.parse(spec).name().equals(NAME);
    }

    /** The options of a {@code modegpt:…} spec; unknown keys are refused, naming them. */
    public static ModegptOptions from(String spec) {
        MethodSpec m = MethodSpec.parse(spec);
        ModegptOptions d = defaults();
        ModegptOptions o = new ModegptOptions(m.number("ridge", d.ridge()), m.number("temperature", d.temperature()), m.number("cap", d.cap()),
                m.choice("allocation", Allocation.class, d.allocation()), m.number("whitening", d.whitening()));
        m.requireAllRead();
        return o;
    }

    /** The options as a spec string. */
    public String describe() {
        return String.format(Locale.ROOT, "%s:ridge=%s,temperature=%s,cap=%s,allocation=%s", NAME, ridge, temperature, cap,
                MethodSpec.spelled(allocation));
    }
}
