package org.lowrank4j.nn.arch;

import java.io.IOException;
import java.nio.file.Path;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.gpt2.Gpt2Blocks;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.arch.llama.LlamaBlocks;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.tensor.Precision;

/**
 * A decoder folder of either transformer family, chosen by its config's {@code model_type}: the GPT-2 family (GPT-2,
 * OPT) or the LLaMA family, for the code that reads or writes both (adapter merges, fine-tuning, export, blockwise work).
 */
public final class DenseDecoders {
    private DenseDecoders() {
    }

    /** The folder's model, as {@link Gpt2Model#load} or {@link LlamaModel#load} reads it. */
    public static CausalLanguageModel load(Path folder, Precision precision) throws IOException {
        return HfConfig.read(folder).architecture() == HfArchitecture.GPT2 ? Gpt2Model.load(folder, precision)
                : LlamaModel.load(folder, precision);
    }

    /** The folder opened for reading one block at a time, as {@link Gpt2Blocks#open} or {@link LlamaBlocks#open} opens it. */
    public static DecoderBlocks openBlocks(Path folder, Precision precision) throws IOException {
        HfConfig config = HfConfig.read(folder);
        return switch (config.architecture()) {
            case GPT2 -> Gpt2Blocks.open(folder, precision);
            case LLAMA -> LlamaBlocks.open(folder, precision);
            default -> throw new IllegalArgumentException("--blockwise reads LLaMA- and GPT-2-family decoder folders; " + folder + " is "
                    + config.architecture() + " (model_type " + config.modelType() + ")");
        };
    }

    /** Writes {@code model} (one {@link #load} gave) as a dense folder of its family, in Hugging Face's layout. */
    public static void save(CausalLanguageModel model, Path folder) throws IOException {
        if (model instanceof Gpt2Model gpt2) {
            gpt2.save(folder);
        } else if (model instanceof LlamaModel llama) {
            llama.save(folder);
        } else {
            throw new IllegalArgumentException("a " + model.getClass().getSimpleName() + " is not written as a dense decoder folder here");
        }
    }
}
