package org.lowrank4j.formats.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The weights of a Hugging Face model folder, whichever file holds them: {@code model.safetensors} (or its index and
 * shards), else a PyTorch {@code pytorch_model.bin} ({@link TorchCheckpoint}), as older uploads (OPT's among them) have only.
 */
public final class CheckpointFolder {
    public static final String TORCH_FILE = "pytorch_model.bin", TORCH_INDEX = "pytorch_model.bin.index.json";

    private CheckpointFolder() {
    }

    /** True when the folder holds weights this class opens or names (safetensors, a PyTorch file or a PyTorch index). */
    public static boolean hasWeights(Path folder) {
        return hasSafetensors(folder) || Files.isRegularFile(folder.resolve(TORCH_FILE)) || Files.isRegularFile(folder.resolve(TORCH_INDEX));
    }

    /** True when the folder holds model.safetensors or the index of a sharded one. */
    public static boolean hasSafetensors(Path folder) {
        return Files.isRegularFile(folder.resolve(SafetensorsModel.SINGLE_FILE)) || Files.isRegularFile(folder.resolve(SafetensorsModel.INDEX_FILE));
    }

    /**
     * The folder's weights.
     *
     * @throws IllegalArgumentException naming the folder when it holds none, or only a sharded PyTorch checkpoint
     */
    public static TensorSource open(Path folder) throws IOException {
        if (hasSafetensors(folder)) {
            return SafetensorsModel.open(folder);
        }
        if (Files.isRegularFile(folder.resolve(TORCH_FILE))) {
            return TorchCheckpoint.open(folder.resolve(TORCH_FILE));
        }
        if (Files.isRegularFile(folder.resolve(TORCH_INDEX))) {
            throw new IllegalArgumentException("model folder " + folder + " holds a sharded PyTorch checkpoint (" + TORCH_INDEX + "), which is not"
                    + " read here; convert it once to safetensors, e.g. with transformers: AutoModelForCausalLM.from_pretrained(folder).save_pretrained(out)");
        }
        return SafetensorsModel.open(folder); // its own message names what is missing
    }
}
