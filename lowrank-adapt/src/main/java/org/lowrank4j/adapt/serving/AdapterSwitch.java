package org.lowrank4j.adapt.serving;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Several PEFT LoRA adapters attached side by side to one decoder, none of them merged, with one of them (or none) in
 * use at a time. A server answers requests for any of them from one copy of the base: before each generation it picks
 * the adapter the request names, and the base's weights are never touched. Switching costs nothing, and the adapters
 * cost only their own factors; the price is the branches' two thin products per adapted layer at every token, which a
 * merged copy would not pay.
 *
 * <p>A batch may also serve several adapters at once ({@link #useEach}): each sequence runs its own adapter's branches
 * over the shared base products (the per-row adapters of Punica and S-LoRA).
 *
 * <p>Adapters can be added and removed at any time between generations. Not thread-safe: the model runs one generation
 * at a time, and its owner switches, adds and removes between generations.
 *
 * <pre>{@code
 * CausalLanguageModel decoder = DecoderFolder.loadDecoder(base);
 * AdapterSwitch adapters = AdapterSwitch.attach(decoder, Map.of("moby", mobyFolder, "perl", perlFolder));
 * adapters.use("moby");   // the decoder now runs base + moby's updates
 * adapters.use(null);     // the base alone
 * }</pre>
 */
public final class AdapterSwitch {
    /** What a name may hold: it travels as the {@code model} field of requests and in Prometheus labels. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final LoraModel lora; // null for a model without linear layers of its own: nothing can be attached
    private final Map<String, PeftConfig> adapters = new LinkedHashMap<>(); // the factors live in the layers alone
    private String inUse;
    private List<String> routed; // the sequences' adapters while useEach routes them to several, else null

    private AdapterSwitch(LoraModel lora) {
        this.lora = lora;
    }

    /** A switch over {@code model} with no adapter attached yet: the base alone runs until {@link #add} and {@link #use}. */
    public static AdapterSwitch over(CausalLanguageModel model) {
        return new AdapterSwitch(model.linearSites().isEmpty() ? null : LoraModel.overDecoder(model, 0)); // none: an exported ONNX model, say
    }

    /**
     * Reads each PEFT folder and attaches it to {@code model} under its name; afterwards the base alone is in use.
     *
     * @param folders adapter folders by the name they will be used under, in the order to list them
     * @throws IllegalArgumentException as {@link #add} does, for the first folder that cannot be attached
     */
    public static AdapterSwitch attach(CausalLanguageModel model, Map<String, Path> folders) throws IOException {
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("no adapters to attach");
        }
        AdapterSwitch adapters = over(model);
        for (Map.Entry<String, Path> e : folders.entrySet()) {
            adapters.add(e.getKey(), e.getValue());
        }
        return adapters;
    }

    /**
     * Reads a PEFT folder and attaches it under {@code name}, leaving the adapter in use as it was. A folder that cannot be
     * attached changes nothing.
     *
     * @throws IllegalArgumentException one line naming the adapter and its folder: a name that cannot be used or is taken,
     *                                  a folder that is not a LoRA adapter (a variant's folder, a corrupt file), or an
     *                                  adapter made for another base (naming the tensor whose shape does not fit)
     */
    public void add(String name, Path folder) throws IOException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("adapter name '" + name + "' (for " + folder + ") must be 1-64 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit");
        }
        if (adapters.containsKey(name)) {
            throw new IllegalArgumentException("an adapter named '" + name + "' is already attached; remove it first or choose another name");
        }
        if (lora == null) {
            throw new IllegalArgumentException("adapter '" + name + "' (" + folder + "): the model has no linear layers of its own to adapt (an"
                    + " exported ONNX model runs its weights inside ONNX Runtime); export the source folder with the adapter written in"
                    + " (lowrank export --adapter)");
        }
        PeftAdapter adapter;
        try {
            AdapterVariant variant = VariantFolder.variantOf(folder);
            if (variant != null) {
                throw new IllegalArgumentException(folder + " holds a " + variant.peftType()
                        + " adapter; only LoRA adapters switch per request: merge it into the base (lowrank adapter merge) and use the merged folder");
            }
            adapter = PeftFolder.read(folder); // GPT-2's c_attn, Phi-3's qkv_proj and gate_up_proj go on their parts as it attaches
        } catch (IllegalArgumentException ex) {
            throw named(name, folder, ex);
        }
        try {
            PeftFolder.apply(adapter, lora, name, Precision.FLOAT32); // checks every module before it attaches any
            adapters.put(name, adapter.config());
        } catch (IllegalArgumentException ex) {
            detachPartial(name);
            throw named(name, folder, ex);
        } catch (RuntimeException | Error ex) {
            detachPartial(name);
            throw ex;
        } finally {
            restore(); // layers adapted just now start enabled, and their active sets hold the new adapter: restore the choice
        }
    }

    /** After an attach that failed part way (out of memory, say): detaches what it attached. */
    private void detachPartial(String name) {
        if (lora.adapterNames().contains(name)) {
            lora.remove(name);
        }
    }

    private static IllegalArgumentException named(String name, Path folder, IllegalArgumentException ex) {
        String where = ex.getMessage() != null && ex.getMessage().contains(folder.toString()) ? "" : " (" + folder + ")";
        return new IllegalArgumentException("adapter '" + name + "'" + where + ": " + ex.getMessage(), ex);
    }

    /**
     * Detaches the named adapter; when it was in use, the base alone is in use afterwards.
     *
     * @throws IllegalArgumentException for a name that is not attached
     */
    public void remove(String name) {
        config(name);
        lora.remove(name);
        adapters.remove(name);
        if (routed != null) {
            routed.replaceAll(n -> name.equals(n) ? null : n);
        } else if (name.equals(inUse)) {
            inUse = null;
        }
        restore();
    }

    /** The adapters' names, in the order they were attached. */
    public List<String> names() {
        return new ArrayList<>(adapters.keySet());
    }

    /** The named adapter's config, as its folder held it. */
    public PeftConfig config(String name) {
        PeftConfig config = adapters.get(name);
        if (config == null) {
            throw new IllegalArgumentException("no adapter named '" + name + "' is attached (adapters: " + String.join(", ", adapters.keySet()) + ")");
        }
        return config;
    }

    /**
     * From now on the model runs the base plus the named adapter's updates, or the base alone for null.
     *
     * @throws IllegalArgumentException for a name that was not attached
     */
    public void use(String name) {
        if (name != null) {
            config(name);
        }
        inUse = name;
        routed = null;
        if (lora == null) {
            return;
        }
        lora.route(null);
        if (name == null) {
            lora.setEnabled(false);
        } else {
            lora.setActive(Set.of(name));
            lora.setEnabled(true);
        }
    }

    private void restore() {
        if (routed != null) {
            useEach(new ArrayList<>(routed));
        } else {
            use(inUse);
        }
    }

    /**
     * From now on sequence b of each batch the model runs gets the base plus adapter {@code perSequence.get(b)}, or the
     * base alone for null: one batch serves several adapters, the base's products shared by all its sequences
     * ({@link LoraModel#route}). When every sequence names the same one this is {@link #use}. Until the next {@code use}
     * or {@code useEach}, {@link #inUse} is null and the model must be given batches of exactly that many sequences.
     *
     * @throws IllegalArgumentException for an empty list or a name that was not attached
     */
    public void useEach(List<String> perSequence) {
        if (perSequence.isEmpty()) {
            throw new IllegalArgumentException("no sequences to route to adapters");
        }
        for (String name : perSequence) {
            if (name != null) {
                config(name);
            }
        }
        if (new java.util.HashSet<>(perSequence).size() == 1) {
            use(perSequence.get(0));
            return;
        }
        lora.setEnabled(true);
        lora.route(perSequence.toArray(new String[0]));
        inUse = null;
        routed = new ArrayList<>(perSequence);
    }

    /** The adapter in use, or null for the base alone (and while {@link #useEach} routes sequences to several). */
    public String inUse() {
        return inUse;
    }
}
