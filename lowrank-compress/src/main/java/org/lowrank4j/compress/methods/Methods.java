package org.lowrank4j.compress.methods;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.lowrank4j.compress.methods.afm.AfmMethod;
import org.lowrank4j.compress.methods.afm.AfmOptions;
import org.lowrank4j.compress.methods.asvd.AsvdMethod;
import org.lowrank4j.compress.methods.asvd.AsvdOptions;
import org.lowrank4j.compress.methods.fwsvd.FwsvdMethod;
import org.lowrank4j.compress.methods.fwsvd.FwsvdOptions;
import org.lowrank4j.compress.methods.lord.LordMethod;
import org.lowrank4j.compress.methods.lord.LordOptions;
import org.lowrank4j.compress.methods.saes.SaesMethod;
import org.lowrank4j.compress.methods.saes.SaesOptions;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.compress.methods.svdllm.SvdLlmMethod;
import org.lowrank4j.compress.methods.svdllm.SvdLlmOptions;
import org.lowrank4j.compress.methods.svdllm.SvdLlmV2Method;
import org.lowrank4j.compress.methods.svdllm.SvdLlmV2Options;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;

/** The single list of compression methods; adding a method adds one line here. */
public final class Methods {
    private Methods() {
    }

    /** Every method with its default options. */
    public static List<CompressionMethod> all() {
        return List.of(new PlainSvdMethod(), new AsvdMethod(AsvdOptions.defaults()), new WhitenedSvdMethod(WhitenedOptions.defaults()),
                new FwsvdMethod(FwsvdOptions.defaults()), new SvdLlmMethod(SvdLlmOptions.defaults()), new SvdLlmV2Method(SvdLlmV2Options.defaults()),
                new SaesMethod(SaesOptions.defaults()), new LordMethod(LordOptions.defaults()), new AfmMethod(AfmOptions.defaults()));
    }

    /** The method with this name (case-insensitive), with default options. */
    public static CompressionMethod byName(String name) {
        return all().stream().filter(m -> m.name().equalsIgnoreCase(name.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown method '" + name + "'; choose one of "
                        + all().stream().map(CompressionMethod::name).collect(Collectors.joining(", "))));
    }

    /** Lower-case names, for help texts. */
    public static String names() {
        return all().stream().map(m -> m.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|"));
    }
}
