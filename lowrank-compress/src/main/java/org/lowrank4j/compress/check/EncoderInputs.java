package org.lowrank4j.compress.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.train.TextFiles;

/**
 * The inputs of compressing an ONNX encoder, checked together before anything is printed or computed: the model is a
 * regular file, the method and allocation exist, the tokenizer and calibration text a data-driven method needs are
 * given (without --calib, the vendored mix of registers is read), the tokenizer loads and fits the model's token embedding, and the calibration text reads as UTF-8 text. Each
 * failure is one {@link IllegalArgumentException} line naming the option.
 */
public final class EncoderInputs {

    private EncoderInputs() {
    }

    /**
     * @param tokenizer may be null (then the method must be plain SVD with a per-site allocation)
     * @param calib     may be null: then the calibration is the vendored {@link TextCorpus#mix()}
     */
    public static void check(Path model, Path tokenizer, Path calib, String method, String allocation) throws IOException {
        TextFiles.requireRegularFile(model, "--model");
        boolean shared = Methods.isCrossLayer(method);
        String label = Methods.label(method); // an unknown method or option fails here
        boolean bySensitivity = SensitivityAllocator.isSensitivity(allocation);
        if (!bySensitivity) {
            Allocators.byName(allocation);
        }
        boolean needsData = shared || (Methods.isQuantized(method) ? !Methods.quantizedByName(method).requirements().isEmpty()
                : !Methods.byName(method).requirements().isEmpty());
        if ((needsData || bySensitivity) && tokenizer == null) {
            throw new IllegalArgumentException(!needsData
                    ? "--allocation sensitivity needs --tokenizer: it measures the embeddings of calibration sentences"
                    : "--method " + label + " needs --tokenizer to read its calibration text (or use --method svd)");
        }
        if (tokenizer != null) {
            TextFiles.requireRegularFile(tokenizer, "--tokenizer");
            try (HfTokenizer tok = HfTokenizer.load(tokenizer)) {
                ModelPairs.requireTokenizerFits(tokenizer, tok.vocabularySize(), model);
            }
        }
        if (calib != null) {
            if (!Files.exists(calib)) {
                throw new IllegalArgumentException("--calib " + calib + " does not exist; give a .txt file or a folder of .txt files");
            }
            TextCorpus.lines(calib); // reads every file as the calibration will: UTF-8, not binary, not empty, bounded
        }
    }
}
