package org.lowrank4j.adapt.lora;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.SwiGluMlp;

/**
 * Checkpoint modules that the runtime keeps as several projections, and which PEFT names adapters after: GPT-2's
 * {@code attn.c_attn} (q, k, v side by side) and Phi-3's {@code self_attn.qkv_proj} and {@code mlp.gate_up_proj}. A LoRA
 * update s·B·A on such a module is, row block by row block, the update s·B_part·A of each part: an adapter on the fused
 * module attaches to its parts as one shared lora_A and lora_B's rows in order ({@link LoraModel}, and
 * {@link org.lowrank4j.adapt.peft.PeftFolder#apply}), which computes exactly the same outputs and merges into exactly the
 * same weights; {@link #fuse} joins the parts' factors back into the module PEFT names.
 *
 * <p>{@link #parts} gives the runtime's projections of each fused module path, in the order of their rows in it.
 */
public final class FusedModules {
    /** No fused modules: every projection is its own checkpoint module. */
    public static final FusedModules NONE = new FusedModules(Map.of());

    private final Map<String, List<Linear>> parts;
    private final Map<String, String> fusedOf = new HashMap<>(); // a part's path -> its fused module's path

    private FusedModules(Map<String, List<Linear>> parts) {
        this.parts = parts;
        parts.forEach((fused, into) -> into.forEach(part -> fusedOf.put(part.name(), fused)));
    }

    /** The fused modules of {@code model}'s checkpoint layout (none for most families). */
    public static FusedModules of(CausalLanguageModel model) {
        Map<String, List<Linear>> parts = new LinkedHashMap<>();
        if (model instanceof Gpt2Model gpt2 && !gpt2.isOpt()) { // GPT-2's own layout; OPT keeps them apart
            for (int i = 0; i < gpt2.config().numHiddenLayers(); i++) {
                Attention a = gpt2.block(i).attention();
                parts.put("transformer.h." + i + ".attn.c_attn", List.of(a.query(), a.key(), a.value()));
            }
        } else if (model instanceof LlamaModel llama && LlamaModel.fusesProjections(llama.config())) { // Phi-3
            for (int i = 0; i < llama.config().numHiddenLayers(); i++) {
                Attention a = llama.block(i).attention();
                SwiGluMlp mlp = (SwiGluMlp) llama.block(i).mlp();
                parts.put("model.layers." + i + ".self_attn.qkv_proj", List.of(a.query(), a.key(), a.value()));
                parts.put("model.layers." + i + ".mlp.gate_up_proj", List.of(mlp.gate(), mlp.up()));
            }
        }
        return new FusedModules(Collections.unmodifiableMap(parts));
    }

    /** The runtime's projections of each fused module path, in the order of their rows in it. */
    public Map<String, List<Linear>> parts() {
        return parts;
    }

    public boolean isEmpty() {
        return parts.isEmpty();
    }

    /** The fused module path a projection is part of, or null. */
    public String fusedPathOf(String partPath) {
        return fusedOf.get(partPath);
    }

    /**
     * Factors by module path with each fused module's parts one module again, with
     * their shared lora_A and their lora_B's rows stacked in order. The parts of one module must share one A and one α
     * (an adapter trained on the fused module does).
     *
     * @throws IllegalArgumentException when only some parts of a fused module have factors, or their A, rank or α differ
     */
    public Map<String, LoraFactors> fuse(Map<String, LoraFactors> perPart) {
        Map<String, LoraFactors> modules = new LinkedHashMap<>();
        for (Map.Entry<String, LoraFactors> e : perPart.entrySet()) {
            String fused = fusedPathOf(e.getKey());
            if (fused == null) {
                modules.put(e.getKey(), e.getValue());
            } else if (!modules.containsKey(fused)) {
                modules.put(fused, joined(fused, perPart));
            }
        }
        return modules;
    }

    private LoraFactors joined(String fused, Map<String, LoraFactors> perPart) {
        List<Linear> into = parts.get(fused);
        if (!into.stream().allMatch(p -> perPart.containsKey(p.name()))) {
            throw new IllegalArgumentException(fused + " fuses " + into.stream().map(Linear::name).toList() + " but the adapter has factors for "
                    + into.stream().map(Linear::name).filter(perPart::containsKey).toList() + " only: PEFT cannot name part of a fused module");
        }
        LoraFactors first = perPart.get(into.get(0).name());
        int rows = into.stream().mapToInt(Linear::outFeatures).sum();
        float[] b = new float[rows * first.rank()];
        int at = 0;
        for (Linear part : into) {
            LoraFactors f = perPart.get(part.name());
            if (f.rank() != first.rank() || f.alpha() != first.alpha() || !java.util.Arrays.equals(f.a(), first.a())) {
                throw new IllegalArgumentException("the parts of " + fused + " carry different lora_A factors (or ranks, or lora_alpha), which one"
                        + " module's adapter cannot hold");
            }
            System.arraycopy(f.b(), 0, b, at, f.b().length);
            at += f.b().length;
        }
        return new LoraFactors(first.rank(), first.in(), rows, first.a(), b, first.alpha());
    }

    /** Rows [first, first + rows) of a lora_B (out, rank) stored row-major: one part's block of a fused module's B. */
    public static float[] rowBlock(float[] b, int first, int rows, int rank) {
        return java.util.Arrays.copyOfRange(b, first * rank, (first + rows) * rank);
    }
}
