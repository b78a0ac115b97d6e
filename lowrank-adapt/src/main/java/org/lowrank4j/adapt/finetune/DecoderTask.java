package org.lowrank4j.adapt.finetune;

import java.io.IOException;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * What every causal-LM fine-tuning run starts from, whatever it trains (LoRA, a variant, every weight): the decoder
 * loaded and checked to read bytes, the window length, the text split into a training head and a held-out tail, and the
 * held-out bytes that are scored before and after.
 *
 * @param model   the decoder, float32
 * @param context tokens per training window
 * @param split   the byte tokens of the text, training head and held-out tail
 * @param heldOut the held-out bytes scored ({@link HeldOut#tokens})
 * @param train   the training windows (seeded order)
 */
record DecoderTask(LlamaModel model, int context, TokenWindows.Split split, int[] heldOut, TokenWindows train) {

    /**
     * @throws IllegalArgumentException for a model that does not read bytes, a context above the model's positions, a text
     *                                  too short for a held-out tail
     */
    static DecoderTask prepare(FineTuneRequest request) throws IOException {
        LlamaModel model = LlamaModel.load(request.model(), Precision.FLOAT32);
        ByteTokenizer tokenizer = new ByteTokenizer();
        if (model.vocabSize() != tokenizer.vocabSize()) {
            throw new IllegalArgumentException("model " + request.model() + " has a vocabulary of " + model.vocabSize()
                    + "; fine-tuning reads text as bytes (256 ids), as models written by lowrank train do");
        }
        int context = request.context() == 0 ? model.defaultWindow() : request.context();
        if (context > model.maxPositions()) {
            throw new IllegalArgumentException("--context " + context + " exceeds the model's " + model.maxPositions() + " positions");
        }
        TokenWindows.Split split = TokenWindows.split(tokenizer.encode(request.text()), request.heldOutFraction());
        int[] heldOut = HeldOut.tokens(request.text(), request.heldOutFraction(), request.evalBytes());
        TokenWindows train = new TokenWindows(split.train(), model.vocabSize(), context, request.seed());
        return new DecoderTask(model, context, split, heldOut, train);
    }

    /**
     * The values of the base model, before any adapter is attached: its parameters plus the weights its quantized layers
     * hold as frozen codes (which are not parameters), so a LoRA run over a quantized folder reports its trainable values
     * against the whole model.
     */
    long baseParameters() {
        long n = model.parameterCount();
        for (Linear linear : ModulePaths.decoder(model).values()) {
            if (linear.weight() instanceof QuantizedWeight q) {
                n += (long) q.inFeatures() * q.outFeatures();
            }
        }
        return n;
    }
}
