package org.lowrank4j.compress.methods;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.methods.afm.AfmMethod;
import org.lowrank4j.compress.methods.afm.AfmOptions;
import org.lowrank4j.compress.methods.asvd.AsvdMethod;
import org.lowrank4j.compress.methods.asvd.AsvdOptions;
import org.lowrank4j.compress.methods.basis.BasisSharing;
import org.lowrank4j.compress.methods.cospadi.CospadiMethod;
import org.lowrank4j.compress.methods.eora.EoraMethod;
import org.lowrank4j.compress.methods.eora.EoraOptions;
import org.lowrank4j.compress.methods.gptq.GptqMethod;
import org.lowrank4j.compress.methods.gptq.GptqOptions;
import org.lowrank4j.compress.methods.lqlora.LqLoraMethod;
import org.lowrank4j.compress.methods.lqlora.LqLoraOptions;
import org.lowrank4j.compress.methods.rtn.RtnMethod;
import org.lowrank4j.compress.methods.rtn.RtnOptions;
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
import org.lowrank4j.compress.methods.svdquant.SvdQuantMethod;
import org.lowrank4j.compress.methods.svdquant.SvdQuantOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedOptions;
import org.lowrank4j.compress.methods.whitened.WhitenedSvdMethod;

/**
 * The single list of compression methods; adding a method adds one line here. A method is named on the command line
 * as {@code NAME[:KEY=VALUE…]} ({@link MethodSpec}); its options record reads the keys.
 */
public final class Methods {
    private static final Map<String, Function<MethodSpec, CompressionMethod>> FACTORIES = new LinkedHashMap<>();
    private static final Map<String, Function<MethodSpec, CrossLayerMethod>> CROSS_LAYER = new LinkedHashMap<>();
    private static final Map<String, Function<MethodSpec, QuantizedMethod>> QUANTIZED = new LinkedHashMap<>();

    static {
        FACTORIES.put("svd", s -> {
            s.requireAllRead();
            return new PlainSvdMethod();
        });
        FACTORIES.put("asvd", s -> new AsvdMethod(AsvdOptions.from(s)));
        FACTORIES.put("whitened", s -> new WhitenedSvdMethod(WhitenedOptions.from(s)));
        FACTORIES.put("fwsvd", s -> new FwsvdMethod(FwsvdOptions.from(s)));
        FACTORIES.put("svd-llm", s -> new SvdLlmMethod(SvdLlmOptions.from(s)));
        FACTORIES.put("svd-llm-v2", s -> new SvdLlmV2Method(SvdLlmV2Options.from(s)));
        FACTORIES.put("saes", s -> new SaesMethod(SaesOptions.from(s)));
        FACTORIES.put("lord", s -> new LordMethod(LordOptions.from(s)));
        FACTORIES.put("afm", s -> new AfmMethod(AfmOptions.from(s)));
        CROSS_LAYER.put(BasisSharing.NAME, s -> BasisSharing.from(s));
        CROSS_LAYER.put(CospadiMethod.NAME, CospadiMethod::from);
        QUANTIZED.put("rtn", s -> new RtnMethod(RtnOptions.from(s)));
        QUANTIZED.put("gptq", s -> new GptqMethod(GptqOptions.from(s)));
        QUANTIZED.put("eora", s -> new EoraMethod(EoraOptions.from(s)));
        QUANTIZED.put("lq-lora", s -> new LqLoraMethod(LqLoraOptions.from(s)));
        QUANTIZED.put("svdquant", s -> new SvdQuantMethod(SvdQuantOptions.from(s)));
    }

    private Methods() {
    }

    /** Every per-site method with its default options. */
    public static List<CompressionMethod> all() {
        return FACTORIES.keySet().stream().map(Methods::byName).toList();
    }

    /**
     * The method a spec names, {@code NAME[:KEY=VALUE…]} (name case-insensitive), configured with its options; with
     * options, the method's {@link CompressionMethod#name()} is the spec ({@link MethodSpec#label()}), so reports and
     * caches tell configurations apart.
     *
     * @throws IllegalArgumentException for an unknown name, an unknown option key, or a bad value
     */
    public static CompressionMethod byName(String spec) {
        MethodSpec parsed = MethodSpec.parse(spec);
        Function<MethodSpec, CompressionMethod> factory = FACTORIES.get(parsed.name());
        if (factory == null) {
            if (QUANTIZED.containsKey(parsed.name())) {
                throw new IllegalArgumentException("method '" + parsed.name() + "' quantizes; this path takes the low-rank methods "
                        + String.join(", ", FACTORIES.keySet()));
            }
            throw new IllegalArgumentException(CROSS_LAYER.containsKey(parsed.name())
                    ? "method '" + parsed.name() + "' works across layers, not site by site; this path takes the per-site methods "
                    + String.join(", ", FACTORIES.keySet())
                    : "unknown method '" + parsed.name() + "'; choose one of " + String.join(", ", allNames()));
        }
        CompressionMethod method = factory.apply(parsed);
        return parsed.hasOptions() ? new Labelled(parsed.label(), method) : method;
    }

    /** Every cross-layer method with its default options. */
    public static List<CrossLayerMethod> allCrossLayer() {
        return CROSS_LAYER.keySet().stream().map(Methods::crossLayerByName).toList();
    }

    /** Whether a spec names a cross-layer method ({@link CrossLayerMethod}); false for per-site and unknown names. */
    public static boolean isCrossLayer(String spec) {
        return CROSS_LAYER.containsKey(MethodSpec.parse(spec).name());
    }

    /**
     * The cross-layer method a spec names, configured with its options.
     *
     * @throws IllegalArgumentException for a name that is not a cross-layer method, or a bad option
     */
    public static CrossLayerMethod crossLayerByName(String spec) {
        MethodSpec parsed = MethodSpec.parse(spec);
        Function<MethodSpec, CrossLayerMethod> factory = CROSS_LAYER.get(parsed.name());
        if (factory == null) {
            throw new IllegalArgumentException("'" + parsed.name() + "' is not a cross-layer method; those are " + String.join(", ", CROSS_LAYER.keySet()));
        }
        return factory.apply(parsed);
    }

    /**
     * The name the rows and caches of a spec carry ({@code asvd:alpha=1}, {@code basis-sharing:group=3}): the spec with
     * the name lower-cased, for per-site and cross-layer methods alike.
     *
     * @throws IllegalArgumentException for an unknown method or a bad option, as {@link #byName} does
     */
    public static String label(String spec) {
        return isCrossLayer(spec) ? crossLayerByName(spec).name() : isQuantized(spec) ? quantizedByName(spec).name() : byName(spec).name();
    }

    /** Whether a spec names a quantizing method ({@link QuantizedMethod}); false for other and unknown names. */
    public static boolean isQuantized(String spec) {
        return QUANTIZED.containsKey(MethodSpec.parse(spec).name());
    }

    /** Every quantizing method with its default options. */
    public static List<QuantizedMethod> allQuantized() {
        return QUANTIZED.keySet().stream().map(Methods::quantizedByName).toList();
    }

    /**
     * The quantizing method a spec names, configured with its options (named by the spec when it has options).
     *
     * @throws IllegalArgumentException for a name that is not a quantizing method, an unknown key, or a bad value
     */
    public static QuantizedMethod quantizedByName(String spec) {
        MethodSpec parsed = MethodSpec.parse(spec);
        Function<MethodSpec, QuantizedMethod> factory = QUANTIZED.get(parsed.name());
        if (factory == null) {
            throw new IllegalArgumentException("'" + parsed.name() + "' is not a quantizing method; those are " + String.join(", ", QUANTIZED.keySet()));
        }
        QuantizedMethod method = factory.apply(parsed);
        return parsed.hasOptions() ? new LabelledQuantized(parsed.label(), method) : method;
    }

    /** Lower-case names of every method, per-site and cross-layer, for help texts. */
    public static String names() {
        return String.join("|", allNames());
    }

    private static List<String> allNames() {
        List<String> names = new java.util.ArrayList<>(FACTORIES.keySet());
        names.addAll(CROSS_LAYER.keySet());
        names.addAll(QUANTIZED.keySet());
        return names;
    }

    /** A configured method under its spec's label; everything else is the method's own. */
    private record Labelled(String name, CompressionMethod method) implements CompressionMethod {
        @Override
        public Set<Requirement> requirements() {
            return method.requirements();
        }

        @Override
        public PreparedSite prepare(LinearWeight weight, LayerStats stats) {
            return method.prepare(weight, stats);
        }
    }

    /** A configured quantizing method under its spec's label. */
    private record LabelledQuantized(String name, QuantizedMethod method) implements QuantizedMethod {
        @Override
        public Set<CompressionMethod.Requirement> requirements() {
            return method.requirements();
        }

        @Override
        public QuantizedBase storage() {
            return method.storage();
        }

        @Override
        public int fixedRank() {
            return method.fixedRank();
        }

        @Override
        public int rankWithoutBudget() {
            return method.rankWithoutBudget();
        }

        @Override
        public QuantizedSite prepare(LinearWeight weight, LayerStats stats) {
            return method.prepare(weight, stats);
        }
    }
}
