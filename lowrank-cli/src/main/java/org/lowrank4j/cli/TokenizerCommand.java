package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.formats.hf.ByteLevelBpeFiles;
import org.lowrank4j.formats.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank tokenizer}: writes the tokenizer.json of a model folder that keeps its byte-level BPE as vocab.json and
 * merges.txt only (GPT-2's and OPT's older uploads), so that every command and transformers.js can read it.
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Write tokenizer.json for a model folder that has only vocab.json and merges.txt (a GPT-2-style byte-level BPE).")
final class TokenizerCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model folder holding vocab.json and merges.txt (and tokenizer_config.json"
            + " or special_tokens_map.json, whose special tokens are kept whole).")
    Path model;

    @Option(names = "--out", description = "File to write (default: tokenizer.json in the model folder, which must not have one).")
    Path out;

    @Option(names = "--force", description = "Replace --out if it exists (never an input).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!ByteLevelBpeFiles.present(model)) {
            throw new IllegalArgumentException("--model " + model + " must be a folder holding " + ByteLevelBpeFiles.VOCAB + " and "
                    + ByteLevelBpeFiles.MERGES);
        }
        Path target = out != null ? out : model.resolve(DecoderFolder.TOKENIZER);
        Inputs.requireOutput("--out", target, force, "--model", model.resolve(ByteLevelBpeFiles.VOCAB), "--model", model.resolve(ByteLevelBpeFiles.MERGES));
        AtomicFiles.writeString(target, ByteLevelBpeFiles.tokenizerJson(model));
        System.out.println("wrote " + target + " from " + model.resolve(ByteLevelBpeFiles.VOCAB) + " and " + ByteLevelBpeFiles.MERGES);
        return 0;
    }
}
