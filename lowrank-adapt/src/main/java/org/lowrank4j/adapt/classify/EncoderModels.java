package org.lowrank4j.adapt.classify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.arch.bert.BertSafetensors;
import org.lowrank4j.nn.tensor.Precision;

/** Loads a BERT-family encoder from an ONNX file (weights from its initializers) or a safetensors + config.json folder. */
public final class EncoderModels {
    private EncoderModels() {
    }

    /** @throws IllegalArgumentException when the path is neither, or the model is not a BERT-family encoder */
    public static BertModel load(Path model, Precision precision) throws IOException {
        if (model == null || !Files.exists(model)) {
            throw new IllegalArgumentException("--model " + model + " does not exist (give an ONNX encoder such as model.onnx, or a folder "
                    + "with config.json and model.safetensors)");
        }
        return Files.isDirectory(model) ? BertSafetensors.load(model, precision) : BertOnnx.load(model, precision);
    }
}
