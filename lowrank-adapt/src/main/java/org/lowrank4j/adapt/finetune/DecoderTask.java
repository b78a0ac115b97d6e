package org.lowrank4j.adapt.finetune;

import java.io.IOException;
import java.util.Locale;
import org.lowrank4j.adapt.ops.SqueezeCalibration;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * What every causal-LM fine-tuning run starts from, whatever it trains (LoRA, a variant, every weight): the decoder
 * loaded and checked against its tokenizer, the window length, the text split into a training head and a held-out tail,
 * and the held-out tokens that are scored before and after.
 *
 * @param model        the decoder, float32: the LLaMA family, or OPT (the GPT-2 family's layout whose layers carry PEFT's names)
 * @param context      tokens per training window
 * @param split        the tokens of the text, training head and held-out tail
 * @param heldOut      the held-out tokens scored ({@link HeldOut#tokens} for bytes)
 * @param heldOutBytes the UTF-8 length of the held-out text those tokens encode, for bits per byte
 * @param train        the training windows (seeded order)
 * @param bytes        true when the tokenizer reads bytes (perplexity per token is then per byte)
 */
record DecoderTask(CausalLanguageModel model, int context, TokenWindows.Split split, int[] heldOut, long heldOutBytes, TokenWindows train, boolean bytes) {

    /**
     * @throws IllegalArgumentException for a model whose vocabulary does not fit the tokenizer, a context above the model's
     *                                  positions, a text too short for a held-out tail
     */
    static DecoderTask prepare(FineTuneRequest request) throws IOException {
        CausalLanguageModel model = DenseDecoders.load(request.model(), Precision.FLOAT32);
        Tokenizer tokenizer = request.tokenizer() == null ? new ByteTokenizer() : request.tokenizer();
        boolean bytes = tokenizer instanceof ByteTokenizer;
        if (bytes && model.vocabSize() != tokenizer.vocabSize()) {
            throw new IllegalArgumentException("model " + request.model() + " has a vocabulary of " + model.vocabSize()
                    + " but its tokenizer reads bytes (256 ids), as models written by lowrank train do; is the folder's tokenizer.json its own?");
        }
        if (tokenizer.vocabSize() > model.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer of " + request.model() + " has " + tokenizer.vocabSize() + " token ids but the model only "
                    + model.vocabSize());
        }
        int context = request.context() == 0 ? model.defaultWindow() : request.context();
        if (context > model.maxPositions()) {
            throw new IllegalArgumentException("--context " + context + " exceeds the model's " + model.maxPositions() + " positions");
        }
        // a byte model holds out the text's last bytes; any other the same share of its last characters
        TokenWindows.Split split = SqueezeCalibration.split(request.text(), request.heldOutFraction(), tokenizer);
        HeldOut.Part heldOut = HeldOut.part(request.text(), request.heldOutFraction(), request.evalBytes(), tokenizer);
        TokenWindows train = new TokenWindows(split.train(), model.vocabSize(), context, request.seed());
        train.requireBatchFits("--batch", request.batch(), "the training part of " + request.dataName());
        return new DecoderTask(model, context, split, heldOut.tokens(), heldOut.bytes(), train, bytes);
    }

    /**
     * {@link #prepare} for a method built on the LLaMA family's layers ({@code what}, e.g. "--adapter butterfly"): a folder
     * of another family is refused from its config, before anything is loaded.
     *
     * @throws IllegalArgumentException naming the folder and its model type for any other family
     */
    static DecoderTask prepareLlama(FineTuneRequest request, String what) throws IOException {
        HfConfig config = HfConfig.read(request.model());
        if (config.architecture() != HfArchitecture.LLAMA) {
            throw new IllegalArgumentException(what + " takes LLaMA-family decoder folders; " + request.model() + " is model_type "
                    + config.modelType() + " (LoRA and --adapter full train it)");
        }
        return prepare(request);
    }

    /** The model of a task {@link #prepareLlama} made. */
    LlamaModel llama() {
        return (LlamaModel) model;
    }

    /** Writes the (trained) model as a dense folder of its family into {@code out}. */
    void saveModel(java.nio.file.Path out) throws IOException {
        DenseDecoders.save(model, out);
    }

    /** The held-out perplexity of {@code decoder} (this task's model, or another) over windows of {@code window} tokens. */
    PerplexityResult score(CausalLanguageModel decoder, int window) {
        return Perplexity.evaluate(decoder, heldOut, window, heldOutBytes);
    }

    /**
     * Writes the tokenizer beside a decoder folder this task's run wrote: the byte tokenizer, or the model folder's own
     * tokenizer.json copied (atomically).
     */
    void writeTokenizer(java.nio.file.Path modelFolder, java.nio.file.Path out) throws IOException {
        if (bytes) {
            ByteTokenizer.writeJson(out);
            return;
        }
        org.lowrank4j.formats.io.AtomicFiles.write(out.resolve("tokenizer.json"),
                stream -> java.nio.file.Files.copy(modelFolder.resolve("tokenizer.json"), stream));
    }

    /** What the held-out part is, for progress lines: "12,345 held-out bytes" (and its tokens when they are not bytes). */
    String heldOutDescription() {
        return bytes ? String.format(Locale.ROOT, "%,d held-out bytes", heldOutBytes)
                : String.format(Locale.ROOT, "%,d held-out bytes, %,d tokens", heldOutBytes, heldOut.length);
    }

    /**
     * The values of the base model, before any adapter is attached: its parameters plus the weights its quantized layers
     * hold as frozen codes (which are not parameters), so a LoRA run over a quantized folder reports its trainable values
     * against the whole model.
     */
    long baseParameters() {
        long n = model.parameterCount();
        for (Linear linear : model.linearSites().values()) {
            if (linear.weight() instanceof QuantizedWeight q) {
                n += (long) q.inFeatures() * q.outFeatures();
            }
        }
        return n;
    }
}
