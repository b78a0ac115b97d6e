package org.lowrank4j.compress.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.compress.tokenize.HfTextTokenizer;
import org.lowrank4j.export.OnnxLanguageModel;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.DecoderTraining;

/**
 * A decoder trained by {@code lowrank train}: {@code config.json} + {@code model.safetensors} (Hugging Face LLaMA
 * naming) and a {@code tokenizer.json}. The tokenizer is byte level: a Hugging Face byte-level BPE with the 256
 * byte symbols as ids 0–255 (id = byte value) and no merges, so Hugging Face tokenizers load it and its ids are
 * those of {@link ByteTokenizer}. Also reads the training and evaluation text.
 */
public final class DecoderFolder {
    public static final String TOKENIZER = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DecoderFolder() {
    }

    /** Loads a model folder written by {@code lowrank train} (float32) and checks its tokenizer. */
    public static LlamaModel loadModel(Path folder) throws IOException {
        requireModelFolder(folder); // refuses an exported ONNX folder too
        HfConfig config = HfConfig.read(folder);
        if (config.architecture() == HfArchitecture.GPT2) {
            throw new IllegalArgumentException("model folder " + folder + " is " + familyName(config) + " (model_type " + config.modelType()
                    + "): generate, perplexity, compress, compare, export and serve run it; this command or method takes LLaMA-family decoder folders so far");
        }
        return LlamaModel.load(folder, Precision.FLOAT32);
    }

    /**
     * Loads a decoder folder of any architecture the runtime has, chosen by config.json's {@code model_type}: GPT-2
     * ({@code gpt2}, Hugging Face's layout with fused Conv1D weights; {@code opt}) or the LLaMA family (what {@code lowrank train}
     * writes), or a folder {@code lowrank export} wrote, run by ONNX Runtime ({@link OnnxLanguageModel}). For what reads the
     * model as a language model only: generation, perplexity and serving.
     */
    public static CausalLanguageModel loadDecoder(Path folder) throws IOException {
        if (OnnxLanguageModel.isExported(folder)) {
            return OnnxLanguageModel.open(folder);
        }
        requireModelFolder(folder);
        if (org.lowrank4j.nn.arch.mamba.MambaConfig.isMambaFolder(folder)) {
            return org.lowrank4j.nn.arch.mamba.MambaModel.load(folder, Precision.FLOAT32); // model_type mamba: a selective state-space model
        }
        if (org.lowrank4j.nn.cskv.CskvFolder.isCskv(folder)) { // shrunk KV caches (CSKV): decode runs the bi-branch cache
            return org.lowrank4j.nn.cskv.CskvFolder.load(folder, Precision.FLOAT32);
        }
        return org.lowrank4j.nn.arch.DenseDecoders.load(folder, Precision.FLOAT32);
    }

    /**
     * Loads a decoder folder for compression (float32): GPT-2, OPT or the LLaMA family, by config.json's {@code model_type}.
     * Both name their sites {@code block N ROLE} and write low-rank folders ({@link CausalLanguageModel#saveFactors}).
     */
    public static CausalLanguageModel loadCompressible(Path folder) throws IOException {
        requireModelFolder(folder); // an exported ONNX folder, which loadDecoder would run, is refused here
        if (org.lowrank4j.nn.cskv.CskvFolder.isCskv(folder)) {
            throw new IllegalArgumentException("--model " + folder + " is a CSKV folder (shrunk KV caches); compress its dense original instead");
        }
        return loadDecoder(folder);
    }

    /**
     * The files that hold a decoder folder's weights, as the loaders read them: the safetensors shards (and their index)
     * or the one {@code model.safetensors}, or else {@code pytorch_model.bin}. For keys that must change when the weights
     * do, and for sizes.
     */
    public static java.util.List<Path> weightFiles(Path folder) throws IOException {
        java.util.List<Path> files = new java.util.ArrayList<>();
        if (!org.lowrank4j.formats.safetensors.CheckpointFolder.hasSafetensors(folder)
                && Files.isRegularFile(folder.resolve(org.lowrank4j.formats.safetensors.CheckpointFolder.TORCH_FILE))) {
            files.add(folder.resolve(org.lowrank4j.formats.safetensors.CheckpointFolder.TORCH_FILE));
            return files;
        }
        if (Files.isRegularFile(folder.resolve(org.lowrank4j.formats.safetensors.SafetensorsModel.INDEX_FILE))) {
            files.add(folder.resolve(org.lowrank4j.formats.safetensors.SafetensorsModel.INDEX_FILE));
        }
        try (org.lowrank4j.formats.safetensors.SafetensorsModel model = org.lowrank4j.formats.safetensors.SafetensorsModel.open(folder, true)) {
            for (org.lowrank4j.formats.safetensors.SafetensorsFile shard : model.shards()) {
                files.add(shard.path());
            }
        }
        return files;
    }

    /** "OPT" or "GPT-2" for a folder of the GPT-2 family, for messages. */
    public static String familyName(HfConfig config) {
        return config.isOpt() ? "OPT" : "GPT-2";
    }

    public static void requireModelFolder(Path folder) {
        DecoderTraining.requireModelFolder(folder);
    }

    /**
     * The tokenizer of a model folder: the byte-level one {@link ByteTokenizer#writeJson} writes is run as
     * {@link ByteTokenizer} (same ids, no native call); any other {@code tokenizer.json} through Hugging Face
     * tokenizers. Its vocabulary must fit the model's.
     */
    public static Tokenizer loadTokenizer(Path folder, int modelVocabulary) throws IOException {
        Path file = folder.resolve(TOKENIZER);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model folder " + folder + " has no " + TOKENIZER + (org.lowrank4j.formats.hf.ByteLevelBpeFiles.present(folder)
                    ? "; it holds vocab.json and merges.txt: write it once with lowrank tokenizer --model " + folder : ""));
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) { // its getMessage() adds the source on a second line
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(file + " is not valid JSON: " + org.lowrank4j.formats.io.MessageText.oneLine(e.getOriginalMessage())
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        JsonNode model = root.path("model");
        JsonNode vocab = model.path("vocab");
        String[] symbols = ByteTokenizer.byteSymbols();
        boolean bytes = "BPE".equals(model.path("type").asText()) && model.path("merges").size() == 0 && vocab.size() == 256;
        for (int b = 0; bytes && b < 256; b++) {
            bytes = vocab.path(symbols[b]).asInt(-1) == b;
        }
        Tokenizer tokenizer = bytes ? new ByteTokenizer() : HfTextTokenizer.load(file);
        if (tokenizer.vocabSize() > modelVocabulary) {
            throw new IllegalArgumentException(file + " has " + tokenizer.vocabSize() + " token ids but the model in " + folder
                    + " only " + modelVocabulary + "; is it the model's own tokenizer?");
        }
        return tokenizer;
    }
}
