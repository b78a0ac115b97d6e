package org.lowrank4j.adapt.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Merges a PEFT adapter into a decoder folder: loads the base, attaches the adapter (checked against the base), adds
 * s·B·A into each adapted weight (refusing non-finite results) and writes a new model folder; files of the base
 * folder that are not the weights or the config (tokenizer.json, the card) are copied.
 */
public final class AdapterMerge {
    private AdapterMerge() {
    }

    /** The merged model, in memory (a LoRA or an adapter-variant folder). */
    public static LlamaModel merged(Path baseFolder, Path adapterFolder) throws IOException {
        if (VariantFolder.variantOf(adapterFolder) != null) { // NOLA, SoRA, …: W0 + ΔW of the variant
            VariantFolder.Stored stored = VariantFolder.read(adapterFolder);
            LlamaModel model = LlamaModel.load(baseFolder, Precision.FLOAT32);
            Map<String, Linear> modules = ModulePaths.decoder(model);
            VariantFolder.apply(stored, modules, Precision.FLOAT32).mergeAndUnload(modules);
            return model;
        }
        return merged(baseFolder, PeftFolder.read(adapterFolder));
    }

    /** The base with {@code adapter}'s update added, in memory. */
    public static LlamaModel merged(Path baseFolder, PeftAdapter adapter) throws IOException {
        LlamaModel model = LlamaModel.load(baseFolder, Precision.FLOAT32);
        LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 0);
        PeftFolder.apply(adapter, lora, "default", Precision.FLOAT32);
        lora.mergeAndUnload("default");
        return model;
    }

    /**
     * Writes the merged model into {@code out} (created; the caller has checked it is no input and may be written).
     *
     * @return the merged model
     */
    public static LlamaModel mergeInto(Path baseFolder, Path adapterFolder, Path out) throws IOException {
        return write(merged(baseFolder, adapterFolder), baseFolder, out);
    }

    /**
     * Undoes a merge: subtracts {@code adapter}'s update s·B·A from each adapted weight of the merged folder and writes
     * the result into {@code out}. A merged folder keeps no trace of the adapter, so the same adapter must be given
     * again; nothing can check that this folder was merged with it (a wrong adapter yields a model that is neither). The
     * result equals the original base up to float32 rounding of (W + ΔW) − ΔW, not bit for bit.
     */
    public static LlamaModel unmergeInto(Path mergedFolder, Path adapterFolder, Path out) throws IOException {
        return write(merged(mergedFolder, negated(PeftFolder.read(adapterFolder))), mergedFolder, out);
    }

    /** The same adapter with −B, so that merging it subtracts the update (exact: negation does not round). */
    static PeftAdapter negated(PeftAdapter adapter) {
        java.util.Map<String, org.lowrank4j.adapt.peft.LoraFactors> modules = new java.util.LinkedHashMap<>();
        adapter.modules().forEach((name, f) -> {
            float[] b = f.b().clone();
            for (int i = 0; i < b.length; i++) {
                b[i] = -b[i];
            }
            modules.put(name, new org.lowrank4j.adapt.peft.LoraFactors(f.rank(), f.in(), f.out(), f.a(), b, f.alpha()));
        });
        return new PeftAdapter(adapter.config(), modules);
    }

    private static LlamaModel write(LlamaModel model, Path baseFolder, Path out) throws IOException {
        Files.createDirectories(out);
        model.save(out);
        try (Stream<Path> files = Files.list(baseFolder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file) && (name.equals("tokenizer.json") || name.equals("tokenizer_config.json")
                        || name.equals("generation_config.json"))) {
                    Files.copy(file, out.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return model;
    }
}
