package org.lowrank4j.adapt.lora;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.weight.WeightFactorization;

/**
 * LoRA adapters over the linear layers of one model, given by module path ({@link ModulePaths}). Adding an adapter
 * swaps a {@link LoraWeight} into each targeted {@link Linear} (through {@link Linear#setWeight}, the runtime's hook
 * for new weight forms); the model's own code runs unchanged. {@link #parameters()} are the adapters' A and B only.
 *
 * <pre>
 *   LoraModel lora = LoraModel.overDecoder(llama, seed);
 *   lora.addAdapter("default", TargetModules.names(List.of("q_proj", "v_proj")), m -> LoraSettings.of(8, 16), random);
 *   lora.freezeOthers();   // the linears without adapters skip their weight gradients
 * </pre>
 */
public final class LoraModel implements Module {
    private final Map<String, Linear> modules;
    private final Map<String, LoraWeight> adapted = new LinkedHashMap<>();
    private final Map<String, WeightFactorization> frozen = new LinkedHashMap<>(); // path -> the weight FrozenWeight wraps
    private final FusedModules fused;
    private final List<String> targetable;                 // the paths adapters are named after (see targetable())
    private final Dropout dropout;

    private LoraModel(Map<String, Linear> modules, FusedModules fused, long dropoutSeed) {
        this.modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
        this.fused = fused;
        java.util.LinkedHashSet<String> paths = new java.util.LinkedHashSet<>();
        for (String path : modules.keySet()) {
            String whole = fused.fusedPathOf(path);
            paths.add(whole == null ? path : whole);
        }
        this.targetable = List.copyOf(paths);
        this.dropout = new Dropout(dropoutSeed);
    }

    /**
     * @param modules     the model's linear layers by module path
     * @param dropoutSeed seed of the adapters' dropout masks
     */
    public static LoraModel over(Map<String, Linear> modules, long dropoutSeed) {
        return over(modules, FusedModules.NONE, dropoutSeed);
    }

    /**
     * @param fused the checkpoint modules that {@code modules} holds as several projections (GPT-2's c_attn, Phi-3's):
     *              targets name them, an adapter on one gives its parts one shared A and a row block of B each, and
     *              {@link org.lowrank4j.adapt.peft.PeftFolder} writes and reads it under the fused module's path
     */
    public static LoraModel over(Map<String, Linear> modules, FusedModules fused, long dropoutSeed) {
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("the model has no linear layers to adapt");
        }
        return new LoraModel(modules, fused, dropoutSeed);
    }

    /** A decoder's projections under their checkpoint module paths, fused modules as its checkpoint fuses them. */
    public static LoraModel overDecoder(org.lowrank4j.nn.generate.CausalLanguageModel model, long dropoutSeed) {
        return over(ModulePaths.layers(model), FusedModules.of(model), dropoutSeed);
    }

    /** The checkpoint modules held as several projections here (none for most models). */
    public FusedModules fused() {
        return fused;
    }

    /** Every linear layer by path, adapted or not. */
    public Map<String, Linear> modules() {
        return modules;
    }

    /** The layers that carry adapters, by path. */
    public Map<String, LoraWeight> adaptedLayers() {
        return Collections.unmodifiableMap(adapted);
    }

    public Dropout dropout() {
        return dropout;
    }

    /**
     * Adds a fresh adapter (A kaiming-uniform, B zero) to every module {@code targets} selects, with per-module
     * settings (rank_pattern / alpha_pattern).
     *
     * @return the adapted paths
     * @throws IllegalArgumentException when the targets match no linear layer of the model (naming some that exist),
     *                                  or a rank exceeds min(in, out) of a layer
     */
    public List<String> addAdapter(String name, TargetModules targets, Function<String, LoraSettings> settings, Random random) {
        List<String> paths = select(targets);
        for (String path : paths) {
            int in = inFeatures(path), out = outFeatures(path);
            LoraSettings s = settings.apply(path);
            int limit = Math.min(in, out);
            if (s.rank() > limit) {
                throw new IllegalArgumentException("rank " + s.rank() + " for " + path + " is above min(in, out) = " + limit + " of its "
                        + out + "x" + in + " weight");
            }
        }
        for (String path : paths) {
            add(path, LoraAdapter.initialized(path, name, inFeatures(path), outFeatures(path), settings.apply(path),
                    partsOf(path).get(0).weight().precision(), random));
        }
        return paths;
    }

    /** The inputs of the projections a {@link #targetable} path covers (a fused module's parts share them). */
    public int inFeatures(String path) {
        return partsOf(path).get(0).inFeatures();
    }

    /** The outputs of the projections a {@link #targetable} path covers, together. */
    public int outFeatures(String path) {
        return partsOf(path).stream().mapToInt(Linear::outFeatures).sum();
    }

    /** Whether {@code path} is a layer or a fused module of this model. */
    public boolean has(String path) {
        return modules.containsKey(path) || fused.parts().containsKey(path);
    }

    /**
     * Refuses adapters on fused modules for {@code work} that treats each projection's adapter on its own (a calibrated
     * or distilled squeeze), which would break the shared A apart.
     *
     * @throws IllegalArgumentException naming the fused module and what to use instead
     */
    public void requireNoFusedAdapters(String work) {
        String whole = firstFused(adapted.keySet().stream().map(fused::fusedPathOf).toList());
        if (whole != null) {
            throw fusedRefusal(work, whole);
        }
    }

    /** As {@link #requireNoFusedAdapters}, for an adapter before it is attached (so the model stays untouched). */
    public void requireNoFusedModules(org.lowrank4j.adapt.peft.PeftAdapter adapter, String work) {
        String whole = firstFused(adapter.modules().keySet());
        if (whole != null) {
            throw fusedRefusal(work, whole);
        }
    }

    /** The first of {@code paths} that is a fused module, or null. */
    private String firstFused(java.util.Collection<String> paths) {
        return paths.stream().filter(p -> p != null && fused.parts().containsKey(p)).findFirst().orElse(null);
    }

    private IllegalArgumentException fusedRefusal(String work, String whole) {
        return new IllegalArgumentException(work + " treats each projection's adapter on its own, and " + whole + " fuses "
                + partsOf(whole).size() + " projections in its checkpoint; squeeze it without calibration (adapter squeeze without"
                + " --model, or finetune --squeeze-weighting none)");
    }

    /**
     * Refuses fused modules among {@code paths} for a start that reads each target's own weight ({@code init}, e.g.
     * {@code --init pissa}).
     */
    public void requireSeparate(List<String> paths, String init) {
        String path = firstFused(paths);
        if (path != null) {
            throw new IllegalArgumentException(init + " starts from each target's own weight, and " + path + " fuses " + partsOf(path).size()
                    + " projections in its checkpoint; use --init lora there, or target modules the checkpoint keeps apart");
        }
    }

    /** How many modules, as a checkpoint names them, carry adapters (a fused module once, however many parts it has). */
    public int adaptedModules() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String path : adapted.keySet()) {
            String whole = fused.fusedPathOf(path);
            out.add(whole == null ? path : whole);
        }
        return out.size();
    }

    /** The projections a targetable path covers: the layer itself, or a fused module's parts in row order. */
    public List<Linear> partsOf(String path) {
        List<Linear> parts = fused.parts().get(path);
        if (parts != null) {
            return parts;
        }
        Linear linear = modules.get(path);
        if (linear == null) {
            throw new IllegalArgumentException("the model has no linear layer " + path + " (e.g. " + examples() + ")");
        }
        return List.of(linear);
    }

    /**
     * Refuses a list of target names of which some match a layer and others none (a misspelt name would otherwise leave its
     * layers out in silence; a list of which none matches is refused by {@link #select}).
     *
     * @param option the option the names came from, for the message (e.g. "--targets")
     */
    public void requireEachTargetMatches(List<String> names, String option) {
        List<String> unmatched = new ArrayList<>();
        for (String name : names) {
            TargetModules one = TargetModules.names(List.of(name));
            if (targetable().stream().noneMatch(one)) {
                unmatched.add(name);
            }
        }
        if (!unmatched.isEmpty() && unmatched.size() < names.size()) {
            throw new IllegalArgumentException(option + " " + String.join(", ", unmatched) + (unmatched.size() == 1 ? " matches" : " match")
                    + " none of the model's linear layers (e.g. " + examples() + "); correct or drop " + (unmatched.size() == 1 ? "it" : "them"));
        }
    }

    /**
     * The module paths adapters are named after, in layer order: every layer's path, but a fused checkpoint module's path
     * (GPT-2's {@code attn.c_attn}) in place of its parts'.
     */
    public List<String> targetable() {
        return targetable;
    }

    /** The {@link #targetable} paths {@code targets} selects, refusing a selection of none. */
    public List<String> select(Predicate<String> targets) {
        List<String> paths = new ArrayList<>();
        for (String path : targetable()) {
            if (targets.test(path)) {
                paths.add(path);
            }
        }
        if (paths.isEmpty()) {
            String what = targets instanceof TargetModules t ? t.describe() : "the given targets";
            throw new IllegalArgumentException("target modules " + what + " match none of the model's " + modules.size()
                    + " linear layers (e.g. " + examples() + ")");
        }
        return paths;
    }

    private String examples() {
        List<String> some = new ArrayList<>();
        for (String path : targetable()) {
            String last = path.substring(path.lastIndexOf('.') + 1);
            if (some.size() < 7 && some.stream().noneMatch(p -> p.endsWith("." + last))) {
                some.add(path);
            }
        }
        return String.join(", ", some);
    }

    /**
     * Attaches a ready adapter (loaded from a file, say) to the layer at {@code path}, or to a fused module's parts: they
     * share its A (one parameter) and each takes its block of B's rows, named after the part.
     */
    public void add(String path, LoraAdapter adapter) {
        List<Linear> parts = fused.parts().get(path);
        if (parts == null) {
            attach(path, adapter);
            return;
        }
        int first = 0, rank = adapter.rank();
        org.lowrank4j.nn.tensor.Tensor b = adapter.b().value();
        for (Linear part : parts) {
            org.lowrank4j.nn.tensor.Tensor block = org.lowrank4j.nn.tensor.Tensor.zeros(b.precision(), part.outFeatures(), rank);
            block.matrix(part.outFeatures(), rank).assign(b.matrix(b.dim(0), rank).rowRange(first, first + part.outFeatures()));
            attach(part.name(), new LoraAdapter(adapter.name(), adapter.a(), new Parameter(LoraAdapter.parameterName(part.name(), "lora_B",
                    adapter.name()), block), adapter.alpha(), adapter.useRslora(), adapter.dropout()));
            first += part.outFeatures();
        }
    }

    private void attach(String path, LoraAdapter adapter) {
        Linear linear = modules.get(path);
        if (linear == null) {
            throw new IllegalArgumentException("the model has no linear layer " + path + " (e.g. " + examples() + ")");
        }
        LoraWeight weight = adapted.get(path);
        if (weight == null) {
            WeightFactorization current = linear.weight();
            if (current instanceof FrozenWeight f) {
                current = f.base();
                frozen.remove(path);
            }
            String whole = fused.fusedPathOf(path);
            weight = new LoraWeight(path, current, dropout, whole == null ? path : whole); // a fused module's parts drop the same inputs
            linear.setWeight(weight);
            adapted.put(path, weight);
        }
        weight.addAdapter(adapter);
    }

    /**
     * Removes the named adapter from every layer that has it (unmerging first where it is merged); the layers stay
     * wrapped, so {@link #add} can attach a replacement.
     *
     * @throws IllegalArgumentException when no layer has it
     */
    public void remove(String name) {
        adapter(name); // refuses an unknown name
        for (LoraWeight w : adapted.values()) {
            if (w.adapter(name) != null) {
                w.removeAdapter(name);
            }
        }
    }

    /** The adapter names present anywhere, in order of first appearance. */
    public List<String> adapterNames() {
        List<String> names = new ArrayList<>();
        for (LoraWeight w : adapted.values()) {
            for (String n : w.adapters().keySet()) {
                if (!names.contains(n)) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    /** The named adapter of each layer that has it, by path. */
    public Map<String, LoraAdapter> adapter(String name) {
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraWeight> e : adapted.entrySet()) {
            LoraAdapter a = e.getValue().adapter(name);
            if (a != null) {
                out.put(e.getKey(), a);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no layer has an adapter named " + name + " (adapters: " + adapterNames() + ")");
        }
        return out;
    }

    /** Only the named adapters run and train, in every layer (a layer runs those of them it has). */
    public void setActive(Set<String> names) {
        for (LoraWeight w : adapted.values()) {
            Set<String> here = new java.util.LinkedHashSet<>(names);
            here.retainAll(w.adapters().keySet());
            w.setActive(here);
        }
    }

    /** Turns every adapter branch off (the base model alone) or back on. */
    public void setEnabled(boolean enabled) {
        for (LoraWeight w : adapted.values()) {
            w.setEnabled(enabled);
        }
    }

    /**
     * Sequence b of each later batch runs the base plus adapter {@code perSequence[b]} (null: the base alone), in every
     * layer that has that adapter ({@link LoraWeight#route}); null returns to the active adapters. Inference only.
     *
     * @throws IllegalArgumentException for a name that no layer has
     * @throws IllegalStateException    while an adapter is merged (no layer changes then)
     */
    public void route(String[] perSequence) {
        if (perSequence != null) {
            for (String name : new java.util.HashSet<>(java.util.Arrays.asList(perSequence))) { // each name once: a server routes every step
                if (name != null) {
                    adapter(name); // refuses an unknown name
                }
            }
            for (LoraWeight w : adapted.values()) {
                if (!w.mergedAdapters().isEmpty()) {
                    throw new IllegalStateException(w.module() + ": adapters " + w.mergedAdapters() + " are merged into the base;"
                            + " unmerge before routing sequences to adapters");
                }
            }
        }
        for (LoraWeight w : adapted.values()) {
            w.route(perSequence);
        }
    }

    /** Dropout masks on (training) or off (evaluation). */
    public void setTraining(boolean training) {
        dropout.setTraining(training);
    }

    /**
     * Merges the named adapter into every layer that has it; when one layer's merged weight is not finite, the layers
     * merged so far are unmerged again and the exception names the layer.
     */
    public void merge(String name) {
        Map<String, LoraAdapter> layers = adapter(name);
        List<LoraWeight> done = new ArrayList<>();
        try {
            for (String path : layers.keySet()) {
                LoraWeight w = adapted.get(path);
                if (!w.mergedAdapters().contains(name)) {
                    w.merge(name);
                    done.add(w);
                }
            }
        } catch (IllegalArgumentException e) {
            for (LoraWeight w : done) {
                w.unmerge();
            }
            throw e;
        }
    }

    /** Every layer back to its original weight, every adapter running as a branch. */
    public void unmerge() {
        for (LoraWeight w : adapted.values()) {
            w.unmerge();
        }
    }

    /**
     * PEFT's merge_and_unload: merges the named adapter and puts plain weights back into the linears (dense where a
     * layer had an adapter merged, the original weight elsewhere); this object is of no further use.
     */
    public void mergeAndUnload(String name) {
        merge(name);
        for (Map.Entry<String, LoraWeight> e : adapted.entrySet()) {
            modules.get(e.getKey()).setWeight(e.getValue().mergedBase());
        }
        adapted.clear();
        unfreeze();
    }

    /** Removes every adapter, putting the original weights back. */
    public void unload() {
        for (Map.Entry<String, LoraWeight> e : adapted.entrySet()) {
            modules.get(e.getKey()).setWeight(e.getValue().base());
        }
        adapted.clear();
        unfreeze();
    }

    /**
     * Wraps every linear layer without an adapter in a {@link FrozenWeight}, so backward passes skip its weight gradient
     * (a LoRA step then costs about two thirds of a full one); {@link #unfreeze} undoes it.
     */
    public void freezeOthers() {
        for (Map.Entry<String, Linear> e : modules.entrySet()) {
            WeightFactorization w = e.getValue().weight();
            if (!adapted.containsKey(e.getKey()) && !(w instanceof FrozenWeight)) {
                frozen.put(e.getKey(), w);
                e.getValue().setWeight(new FrozenWeight(w));
            }
        }
    }

    public void unfreeze() {
        for (Map.Entry<String, WeightFactorization> e : frozen.entrySet()) {
            modules.get(e.getKey()).setWeight(e.getValue());
        }
        frozen.clear();
    }

    /** The A and B of every active, unmerged adapter, in layer order; a fused module's shared A once. */
    @Override
    public List<Parameter> parameters() {
        java.util.Set<Parameter> out = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<Parameter> ordered = new ArrayList<>();
        for (LoraWeight w : adapted.values()) {
            for (Parameter p : w.parameters()) {
                if (out.add(p)) {
                    ordered.add(p);
                }
            }
        }
        return ordered;
    }
}
