package org.lowrank4j.adapt.lora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.adapt.ops.Combine;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * How a LoRA run's trainable part starts ({@link AdapterInit}) and how it is written as a PEFT adapter of the original
 * weights — shared by the decoder and the classifier fine-tunings:
 * <ul>
 *   <li>{@code lora}: A random, B = 0; written as trained;</li>
 *   <li>{@code pissa}: the adapter holds the top-r singular triplets of W and the frozen base becomes the residual; written
 *       as PEFT converts PiSSA, the trained factors concatenated with the initial ones negated (rank 2r);</li>
 *   <li>{@code svfit}: each target's weight is replaced by an {@link SvFitWeight} whose r singular values train; written
 *       as the rank-r change U·diag(θ − σ)·Vᵀ with α = r.</li>
 * </ul>
 * Every other linear is frozen.
 */
public final class LoraStart {
    private final AdapterInit init;
    private final LoraModel lora;
    private final Map<String, LoraFactors> initial;       // PiSSA's factors at step 0
    private final Map<String, SvFitWeight> singular;     // SVFit's layers
    private final List<String> targets;

    private LoraStart(AdapterInit init, LoraModel lora, Map<String, LoraFactors> initial, Map<String, SvFitWeight> singular, List<String> targets) {
        this.init = init;
        this.targets = List.copyOf(targets);
        this.lora = lora;
        this.initial = initial;
        this.singular = singular;
    }

    /**
     * Attaches the start {@code init} to {@code lora}'s target modules and freezes the rest.
     *
     * @throws IllegalArgumentException for targets that match no module or a rank above a module's dimensions
     */
    public static LoraStart attach(LoraModel lora, AdapterInit init, List<String> targetNames, LoraSettings settings, long seed) {
        lora.requireEachTargetMatches(targetNames, "--targets");
        TargetModules targets = TargetModules.names(targetNames);
        Map<String, LoraFactors> initial = null;
        Map<String, SvFitWeight> singular = new LinkedHashMap<>();
        List<String> svfitPaths = null;
        if (init == AdapterInit.SVFIT) {
            svfitPaths = lora.select(targets); // refuses targets that match nothing
            lora.requireSeparate(svfitPaths, "--init svfit");
        } else if (init == AdapterInit.PISSA) { // Pissa refuses fused modules itself
            initial = Pissa.initialize(lora, "default", targets, m -> settings);
        } else {
            lora.addAdapter("default", targets, m -> settings, new Random(seed));
        }
        lora.freezeOthers();
        if (init == AdapterInit.SVFIT) {
            for (String path : svfitPaths) {
                Linear linear = lora.modules().get(path);
                WeightFactorization w = linear.weight();
                if (w instanceof FrozenWeight f) {
                    w = f.base();
                }
                SvFitWeight fit = SvFitWeight.of(path, w, settings.rank(), 0);
                linear.setWeight(fit);
                singular.put(path, fit);
            }
        }
        return new LoraStart(init, lora, initial, singular, targetNames);
    }

    public AdapterInit init() {
        return init;
    }

    /** Trainable values outside LoRA's A and B (SVFit's singular values). */
    public List<Parameter> extraParameters() {
        List<Parameter> extra = new ArrayList<>();
        singular.values().forEach(s -> extra.addAll(s.parameters()));
        return extra;
    }

    /** Modules that train, as the checkpoint names them (a fused module once). */
    public int layers() {
        return init == AdapterInit.SVFIT ? singular.size() : lora.adaptedModules();
    }

    /**
     * Whether the adapters must be on for the model to compute the base model: PiSSA's residual plus its principal adapter
     * is W at step 0 (to float rounding); SVFit's layers are W without any adapter; plain LoRA adds zero either way.
     */
    public boolean adaptersAreBase() {
        return init == AdapterInit.PISSA;
    }

    /**
     * The adapter of the original weights as it stands.
     *
     * @param config the config of the adapter written (rank, α, targets, task type, base)
     */
    public PeftAdapter written(PeftConfig config) {
        if (init == AdapterInit.SVFIT) {
            Map<String, LoraFactors> modules = new LinkedHashMap<>();
            singular.forEach((path, w) -> modules.put(path, w.asLoraFactors()));
            int r = config.rank();
            PeftConfig scaleOne = PeftConfig.lora(new LoraSettings(r, r, 0, false), targets, config.baseModel(),
                    config.taskType());
            return new PeftAdapter(scaleOne, modules);
        }
        PeftAdapter trained = PeftFolder.capture(lora, "default", config);
        if (initial == null) {
            return trained;
        }
        return Combine.concatenate(List.of(new Combine.Term("trained", trained, 1), new Combine.Term("initial", new PeftAdapter(config, initial), -1)));
    }
}
