package org.lowrank4j.compress.methods.rtn;

import org.lowrank4j.compress.methods.MethodSpec;
import org.lowrank4j.compress.methods.QuantizedBase;

/**
 * Options of round-to-nearest quantization (spec ../shared/methods/q00-quantization-baselines.md: the baseline every
 * quantizing method is measured against): {@code rtn[:bits=4][:group=32][:scheme=asymmetric|symmetric]
 * [:embeddings=fp32|int8|int4][:egroup=N]}.
 *
 * @param storage the weights' and embeddings' storage
 */
public record RtnOptions(QuantizedBase storage) {

    public RtnOptions {
        if (storage == null) {
            throw new IllegalArgumentException("rtn: the storage (bits, group) must be given");
        }
    }

    public static RtnOptions defaults() {
        return new RtnOptions(QuantizedBase.defaults());
    }

    public static RtnOptions from(MethodSpec spec) {
        RtnOptions o = new RtnOptions(QuantizedBase.from(spec, QuantizedBase.defaults()));
        spec.requireAllRead();
        return o;
    }
}
