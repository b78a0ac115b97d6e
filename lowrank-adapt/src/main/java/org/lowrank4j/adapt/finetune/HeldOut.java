package org.lowrank4j.adapt.finetune;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * The held-out part of a fine-tuning text and its perplexity: the same bytes {@link FineTuning} scores, so an adapter
 * changed afterwards (squeezed, combined) is measured on exactly the text its run was measured on.
 */
public final class HeldOut {
    private HeldOut() {
    }

    /** The held-out tokens and the UTF-8 length of the text they encode (for bits per byte). */
    public record Part(int[] tokens, long bytes) {
    }

    /**
     * The held-out part of {@code text} as {@code tokenizer} reads it (null: bytes): for bytes, {@link #tokens}; for any
     * other tokenizer the text's last characters (share {@code fraction}), cut to at most {@code evalBytes} bytes (0: all).
     */
    public static Part part(String text, double fraction, long evalBytes, Tokenizer tokenizer) {
        if (tokenizer == null || tokenizer instanceof ByteTokenizer) {
            int[] tokens = tokens(text, fraction, evalBytes);
            return new Part(tokens, tokens.length);
        }
        String tail = firstBytes(text.substring(TokenWindows.textCut(text, fraction)), evalBytes);
        int[] tokens = tokenizer.encode(tail);
        if (tokens.length < 2) {
            throw new IllegalArgumentException("the held-out tail has " + tokens.length + " tokens; give more text or a larger held-out share");
        }
        return new Part(tokens, tail.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    /** The byte tokens of the text's tail ({@code fraction} of it), cut to the first {@code evalBytes} (0: all). */
    public static int[] tokens(String text, double fraction, long evalBytes) {
        int[] all = new ByteTokenizer().encode(text);
        int[] tail = TokenWindows.split(all, fraction).validation();
        if (evalBytes > 0 && tail.length > evalBytes) {
            tail = Arrays.copyOf(tail, (int) evalBytes);
        }
        if (tail.length < 2) {
            throw new IllegalArgumentException("the held-out tail has " + tail.length + " bytes; give more text or a larger held-out share");
        }
        return tail;
    }

    /** The longest start of {@code text} whose UTF-8 encoding has at most {@code maxBytes} bytes (0: all of it); whole characters. */
    static String firstBytes(String text, long maxBytes) {
        return maxBytes <= 0 ? text : org.lowrank4j.nn.train.TextFolder.firstBytes(text, maxBytes);
    }

    /** {@link #perplexity(Path, Path, Part)} of byte tokens ({@link #tokens}): perplexity per byte. */
    public static PerplexityResult perplexity(Path model, Path adapter, int[] byteTokens) throws IOException {
        return perplexity(model, adapter, new Part(byteTokens, byteTokens.length));
    }

    /** Held-out perplexity of the decoder folder, with the adapter folder (LoRA or a variant) attached when it is not null. */
    public static PerplexityResult perplexity(Path model, Path adapter, Part part) throws IOException {
        LlamaModel decoder = LlamaModel.load(model, Precision.FLOAT32);
        if (adapter != null && VariantFolder.variantOf(adapter) != null) {
            VariantFolder.apply(VariantFolder.read(adapter), ModulePaths.decoder(decoder), Precision.FLOAT32);
        } else if (adapter != null) {
            LoraModel lora = LoraModel.overDecoder(decoder, 0);
            PeftFolder.apply(PeftFolder.read(adapter), lora, "default", Precision.FLOAT32);
        }
        return perplexity(decoder, part, adapter != null ? adapter : model);
    }

    /** The same windows scored by any decoder, loaded already ({@code source} names it in an error). */
    public static PerplexityResult perplexity(CausalLanguageModel decoder, Part part, Path source) {
        return Perplexity.evaluate(decoder, part.tokens(), decoder.defaultWindow(), part.bytes()).requireFinite(source);
    }
}
