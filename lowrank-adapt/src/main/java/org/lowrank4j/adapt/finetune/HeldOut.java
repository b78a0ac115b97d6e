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
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TokenWindows;

/**
 * The held-out part of a fine-tuning text and its perplexity: the same bytes {@link FineTuning} scores, so an adapter
 * changed afterwards (squeezed, combined) is measured on exactly the text its run was measured on.
 */
public final class HeldOut {
    private HeldOut() {
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
        if (maxBytes <= 0) {
            return text;
        }
        long bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }

    /** Perplexity per byte of the decoder folder, with the adapter folder (LoRA or a variant) attached when it is not null. */
    public static PerplexityResult perplexity(Path model, Path adapter, int[] tokens) throws IOException {
        LlamaModel decoder = LlamaModel.load(model, Precision.FLOAT32);
        if (adapter != null && VariantFolder.variantOf(adapter) != null) {
            VariantFolder.apply(VariantFolder.read(adapter), ModulePaths.decoder(decoder), Precision.FLOAT32);
        } else if (adapter != null) {
            LoraModel lora = LoraModel.over(ModulePaths.decoder(decoder), 0);
            PeftFolder.apply(PeftFolder.read(adapter), lora, "default", Precision.FLOAT32);
        }
        return perplexity(decoder, tokens, adapter != null ? adapter : model);
    }

    /** The same windows scored by any decoder, loaded already ({@code source} names it in an error). */
    public static PerplexityResult perplexity(CausalLanguageModel decoder, int[] tokens, Path source) {
        return Perplexity.evaluate(decoder, tokens, decoder.defaultWindow(), tokens.length).requireFinite(source);
    }
}
