package org.lowrank4j.compress.check;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.lowrank4j.nn.generate.QuantizedTensors;

/**
 * Checks that the models and tokenizers a command is given together belong together, before any long work starts.
 *
 * <p>A model B <em>derives from</em> a model A when lowrank4j's compression (and recovery) could have made B from A:
 * <ul>
 *   <li>the same graph inputs and outputs (ONNX);</li>
 *   <li>every tensor of A is in B by name with the same type and shape, except a linear site's weight, which B may have
 *       replaced by its low-rank factors ({@code <weight>.lowrank_…}), and a matrix (site weight or embedding table) that
 *       the quantized route replaced by packed codes ({@code <name>.quantized}, MatMulNBits / GatherBlockQuantized), and
 *       an embedding table that {@code --embeddings} replaced by narrow rows ({@code <table>.lowrank_rows});</li>
 *   <li>every tensor of A that neither compression nor recovery writes is equal in B, byte for byte: everything but the
 *       site weights, the factors and the one-dimensional floating-point tensors (biases, which AFM corrects, and norm
 *       parameters, which recovery trains) — so embedding tables, the output head and graph constants.</li>
 * </ul>
 * A tensor of A that B lists as removed with a pruned block ({@link ModelFingerprint#prunedTensors()}) may be missing.
 * Extra tensors in B (new factors, a bias AFM added) are allowed. Each refusal is one line naming both paths and the
 * first tensor that differs.
 */
public final class ModelPairs {

    private ModelPairs() {
    }

    /**
     * Refuses {@code derived} unless it derives from {@code original} (see the class comment).
     *
     * @param originalOption how the command line names the original, e.g. {@code --reference}
     * @param derivedOption  how it names the derived model, e.g. {@code --candidate}
     */
    public static void requireDerived(Path original, String originalOption, Path derived, String derivedOption) throws IOException {
        requireDerived(ModelFingerprint.of(original), originalOption, ModelFingerprint.of(derived), derivedOption);
    }

    /**
     * The weaker check for a candidate another tool wrote: both are ONNX files (or both model folders) with the same graph
     * inputs and outputs, so one runner embeds both; their tensors are not compared.
     */
    public static void requireSameInterface(Path original, String originalOption, Path other, String otherOption) throws IOException {
        requireSameInterface(ModelFingerprint.of(original), originalOption, ModelFingerprint.of(other), otherOption);
    }

    /** {@link #requireSameInterface(Path, String, Path, String)} on fingerprints already taken. */
    public static void requireSameInterface(ModelFingerprint a, String originalOption, ModelFingerprint b, String otherOption) {
        requireInterface(a, b, otherOption + " " + b.source() + " cannot be measured against " + originalOption + " " + a.source() + ": ");
    }

    /** Both ONNX files or both model folders, with the same graph inputs and outputs; {@code pair} starts each message. */
    private static void requireInterface(ModelFingerprint original, ModelFingerprint other, String pair) {
        if (original.folder() != other.folder()) {
            throw new IllegalArgumentException(pair + "one is a decoder model folder and the other an ONNX file");
        }
        if (!original.inputs().equals(other.inputs()) || !original.outputs().equals(other.outputs())) {
            throw new IllegalArgumentException(pair + "its graph inputs " + other.inputs() + " and outputs " + other.outputs()
                    + " differ from " + original.inputs() + " and " + original.outputs());
        }
    }

    /** {@link #requireDerived(Path, String, Path, String)} on fingerprints already taken. */
    public static void requireDerived(ModelFingerprint original, String originalOption, ModelFingerprint derived, String derivedOption) {
        String pair = derivedOption + " " + derived.source() + " is not a compression of " + originalOption + " " + original.source() + ": ";
        requireInterface(original, derived, pair);
        Map<String, ModelFingerprint.Tensor> mine = derived.tensors();
        for (Map.Entry<String, ModelFingerprint.Tensor> e : original.tensors().entrySet()) {
            String name = e.getKey();
            ModelFingerprint.Tensor a = e.getValue(), b = mine.get(name);
            if (b == null) {
                if (original.siteWeights().contains(name) && hasFactorsOf(derived, original.factorPrefix(name))) {
                    continue; // the site was factorised
                }
                if (a.shape().length == 2 && hasLowRankRowsOf(derived, name)) {
                    continue; // --embeddings replaced the table by narrow rows and an expansion (LowRankEmbedding)
                }
                if (derived.prunedTensors().contains(name)) {
                    continue; // block pruning removed it with its block
                }
                if (a.shape().length == 2 && hasQuantizedOf(derived, name)) {
                    continue; // the quantized route replaced it: a site by MatMulNBits codes, a table by GatherBlockQuantized rows
                }
                throw new IllegalArgumentException(pair + "it has no tensor " + name + (original.siteWeights().contains(name)
                        ? " (a linear site's weight) nor factors replacing it" : " (" + a.describe() + ")"));
            }
            if (!a.sameLayout(b)) {
                throw new IllegalArgumentException(pair + "tensor " + name + " is " + b.describe() + " there but " + a.describe()
                        + " in the original");
            }
            if (!original.mayChange(name) && !a.sha256().equals(b.sha256())) {
                throw new IllegalArgumentException(pair + "tensor " + name + " (" + a.describe() + ") holds other values, and compression"
                        + " never changes it; these are different models");
            }
        }
    }

    /**
     * Whether {@code model} holds the packed codes that a quantized route writes for tensor {@code name}: {@code
     * <name>.quantized…} in ONNX files, {@code <module>.qweight} for {@code <module>.weight} in decoder folders.
     */
    private static boolean hasQuantizedOf(ModelFingerprint model, String name) {
        if (name.endsWith(".weight")
                && model.tensors().containsKey(name.substring(0, name.length() - ".weight".length()) + QuantizedTensors.CODES)) {
            return true;
        }
        String prefix = name + QUANTIZED_SUFFIX;
        return model.tensors().keySet().stream().anyMatch(n -> n.startsWith(prefix));
    }

    /** Whether {@code model} holds the narrow rows that {@code --embeddings} writes for table {@code name}. */
    private static boolean hasLowRankRowsOf(ModelFingerprint model, String name) {
        String prefix = name + LOW_RANK_ROWS_SUFFIX;
        return model.tensors().keySet().stream().anyMatch(n -> n.startsWith(prefix));
    }

    /** The suffix of the narrow table that replaces a word-embedding table ({@code LowRankEmbedding}). */
    static final String LOW_RANK_ROWS_SUFFIX = ".lowrank_rows";

    /** The suffix of the codes tensor that replaces a quantized site weight or embedding table ({@code QuantizedRewrite}). */
    static final String QUANTIZED_SUFFIX = ".quantized";

    private static boolean hasFactorsOf(ModelFingerprint model, String prefix) {
        return model.tensors().keySet().stream().anyMatch(n -> n.startsWith(prefix) && model.isFactor(n));
    }

    /**
     * Refuses a model that already holds lowrank4j factors, where the dense original is needed (the teacher of
     * recovery).
     */
    public static void requireDense(ModelFingerprint model, String option) {
        String factor = model.firstFactor();
        if (factor != null) {
            throw new IllegalArgumentException(option + " " + model.source() + " is already compressed (it holds low-rank factors such as "
                    + factor + "); give the dense model it was compressed from");
        }
    }

    /**
     * The checks of {@code recover}: the original is dense and the compressed model derives from it.
     */
    public static void requireRecoverable(Path original, Path compressed) throws IOException {
        ModelFingerprint teacher = ModelFingerprint.of(original);
        requireDense(teacher, "--original");
        requireDerived(teacher, "--original", ModelFingerprint.of(compressed), "--compressed");
    }

    /**
     * Refuses a tokenizer whose vocabulary does not fit the model's token embedding: more ids than rows (ids the model
     * cannot look up), or far fewer (another model's tokenizer, such as a byte-level one given to a word-piece encoder).
     * A table padded up to a multiple of 64 rows, by less than 1024, is accepted. Nothing is checked when the model's
     * embedding cannot be found.
     *
     * @param vocabulary one more than the largest id the tokenizer produces
     */
    public static void requireTokenizerFits(Path tokenizer, int vocabulary, ModelFingerprint model) {
        requireTokenizerFits(tokenizer, vocabulary, model.embeddingRows(), model.source());
    }

    /** {@link #requireTokenizerFits(Path, int, ModelFingerprint)} reading only the model's shapes. */
    public static void requireTokenizerFits(Path tokenizer, int vocabulary, Path model) throws IOException {
        requireTokenizerFits(tokenizer, vocabulary, ModelFingerprint.embeddingRows(model), model);
    }

    private static void requireTokenizerFits(Path tokenizer, int vocabulary, long rows, Object model) {
        if (rows < 0 || rows == vocabulary) {
            return;
        }
        boolean padded = rows > vocabulary && rows % 64 == 0 && rows - vocabulary < 1024;
        if (!padded) {
            throw new IllegalArgumentException("tokenizer " + tokenizer + " does not match model " + model + ": it has " + vocabulary
                    + " token ids but the model's token embedding has " + rows + " rows; use the tokenizer.json that came with the model");
        }
    }

}
