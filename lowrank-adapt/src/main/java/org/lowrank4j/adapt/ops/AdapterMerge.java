package org.lowrank4j.adapt.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Merges a PEFT adapter into a decoder folder: loads the base, attaches the adapter (checked against the base), adds
 * s·B·A into each adapted weight (refusing non-finite results) and writes a new model folder; files of the base
 * folder that are not the weights or the config (tokenizer.json, the card) are copied.
 */
public final class AdapterMerge {
    private AdapterMerge() {
    }

    /** The merged model, in memory. */
    public static LlamaModel merged(Path baseFolder, Path adapterFolder) throws IOException {
        LlamaModel model = LlamaModel.load(baseFolder, Precision.FLOAT32);
        PeftAdapter adapter = PeftFolder.read(adapterFolder);
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
        LlamaModel model = merged(baseFolder, adapterFolder);
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
