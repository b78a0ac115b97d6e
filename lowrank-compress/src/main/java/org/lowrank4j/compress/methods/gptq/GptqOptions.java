package org.lowrank4j.compress.methods.gptq;

import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.linalg.quant.GptqRounding;

/**
 * Options of GPTQ (Frantar et al., arXiv:2210.17323; the baseline of specs ../shared/methods/c06-eora.md and
 * c12-lq-lora.md): {@code gptq[:bits=4][:group=32][:scheme=…][:damping=0.01][:embeddings=…][:egroup=N]}.
 *
 * @param storage the weights' and embeddings' storage
 * @param damping λ, added to the Gram's diagonal as a fraction of its mean (GPTQ's percdamp, 0.01)
 */
public record GptqOptions(QuantizedBase storage, double damping) {

    public GptqOptions {
        if (storage == null) {
            throw new IllegalArgumentException("gptq: the storage (bits, group) must be given");
        }
        if (!(damping >= 0 && damping <= 1)) {
            throw new IllegalArgumentException("gptq: damping must be in [0, 1] (a fraction of the Gram's mean diagonal), got " + damping);
        }
    }

    public static GptqOptions defaults() {
        return new GptqOptions(QuantizedBase.defaults(), GptqRounding.DEFAULT_RELATIVE_DAMPING);
    }

    public static GptqOptions from(MethodSpec spec) {
        GptqOptions d = defaults();
        GptqOptions o = new GptqOptions(QuantizedBase.from(spec, d.storage()), spec.number("damping", d.damping()));
        spec.requireAllRead();
        return o;
    }
}
