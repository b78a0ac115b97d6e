package org.lowrank4j.compress.recover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The ONNX side of recovery: loads the original encoder (teacher) and the one lowrank4j factorised (student) into the
 * JVM runtime, and writes trained parameters back into a copy of the factorised graph — each {@code <w>.lowrank_first}
 * (in×r) and {@code <w>.lowrank_second} (r×out) initializer, or a quantized site's float branch {@code <w>.branch_first}
 * and {@code <w>.branch_second} (the MatMulNBits codes stay as they are: EoRA's and LQ-LoRA's setting of a frozen
 * quantized base), and the LayerNorm weights and biases when they were trained — keeping every other byte of the graph
 * and each initializer's element type. The result is the same graph
 * with new values, so ONNX Runtime and langchain4j load it exactly as they load the compressed model.
 */
public final class OnnxRecovery {
    static final String FIRST = ".lowrank_first", SECOND = ".lowrank_second";
    static final String BRANCH_FIRST = ".branch_first", BRANCH_SECOND = ".branch_second";

    /**
     * Teacher and student, and what write-back needs.
     *
     * @param initializers for each student parameter name, the initializer it was read from
     * @param blocks       which teacher block each student block is distilled against (a block-pruned student has fewer)
     */
    public record Models(Path original, Path compressed, BertModel teacher, BertModel student, OnnxModel compressedGraph,
            Map<String, String> initializers, BlockMap blocks) {
    }

    private OnnxRecovery() {
    }

    /**
     * Loads both encoders.
     *
     * @throws IllegalArgumentException when a file is missing, both are the same file, the compressed model has no
     *                                  lowrank4j factors, or either is not a BERT-family encoder
     */
    public static Models load(Path original, Path compressed, Precision precision) throws IOException {
        requireFile(original, "original model");
        requireFile(compressed, "compressed model");
        if (Files.isSameFile(original, compressed)) {
            throw new IllegalArgumentException("the original and the compressed model are the same file " + compressed);
        }
        OnnxModel graph = OnnxModel.read(compressed);
        requireFactorised(graph, compressed);
        BertModel teacher = BertOnnx.load(original, precision);
        BertOnnx.Loaded student = BertOnnx.loadWithSources(graph, precision);
        tieSharedFactors(student.model(), student.initializers());
        BlockMap blocks = BlockMap.of(graph, compressed, student.model().blocks().size(), teacher.blocks().size());
        return new Models(original, compressed, teacher, student.model(), graph, student.initializers(), blocks);
    }

    /**
     * Factors read from one initializer (Basis Sharing's shared basis: several MatMuls read the same
     * {@code .lowrank_first}) become one {@link Parameter} of every site that reads it, so training updates the shared
     * factor once with the gradients of all its sites and write-back stores one value.
     */
    static void tieSharedFactors(BertModel student, Map<String, String> initializers) {
        Map<String, Parameter> seen = new java.util.HashMap<>();
        for (int l = 0; l < student.blocks().size(); l++) {
            for (org.lowrank4j.nn.layers.Linear linear : student.linears(l)) {
                if (linear.weight() instanceof org.lowrank4j.nn.weight.LowRankWeight f) {
                    Parameter left = seen.computeIfAbsent(initializers.getOrDefault(f.left().name(), f.left().name()), k -> f.left());
                    Parameter right = seen.computeIfAbsent(initializers.getOrDefault(f.right().name(), f.right().name()), k -> f.right());
                    if (left != f.left() || right != f.right()) {
                        linear.setWeight(new org.lowrank4j.nn.weight.LowRankWeight(left, right));
                    }
                }
            }
        }
    }

    /**
     * Refuses a graph with nothing to train: no {@code .lowrank_first}/{@code .lowrank_second} factors and no low-rank
     * branch ({@code .branch_first}/{@code .branch_second}) beside quantized weights.
     */
    public static void requireFactorised(OnnxModel graph, Path file) {
        boolean factorised = graph.initializerNames().stream().anyMatch(n -> n.endsWith(FIRST))
                && graph.initializerNames().stream().anyMatch(n -> n.endsWith(SECOND));
        boolean branched = graph.initializerNames().stream().anyMatch(n -> n.endsWith(BRANCH_FIRST))
                && graph.initializerNames().stream().anyMatch(n -> n.endsWith(BRANCH_SECOND));
        boolean branchCodes = graph.initializerNames().stream().anyMatch(n -> n.endsWith(BRANCH_FIRST)
                && graph.initializer(n).getDataType() == org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType.UINT8_VALUE);
        if (branchCodes) {
            throw new IllegalArgumentException(file + " stores its low-rank branches in codes (branch=int8 or int4), and recovery trains float32 "
                    + "branches; recover the model written without the branch option instead");
        }
        if (!factorised && !branched) {
            throw new IllegalArgumentException(file + " was not compressed by lowrank4j: it has no " + FIRST + "/" + SECOND + " factors and no "
                    + "low-rank branch beside quantized weights to recover (compress it first with lowrank compress; quantized methods need a "
                    + "branch: eora, svdquant)");
        }
    }

    /**
     * Writes the compressed graph with the values of {@code trained} to {@code out}, atomically.
     *
     * @param trained low-rank factors ({@code ….A} (out, r), {@code ….B} (r, in)) and 1-D LayerNorm parameters of the student
     * @throws IllegalArgumentException when {@code out} is one of the input files, a value is not finite, or a parameter
     *                                  did not come from the graph
     */
    public static void write(Models models, List<Parameter> trained, Path out) throws IOException {
        for (Path input : List.of(models.original(), models.compressed())) {
            if (out.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize())
                    || Files.exists(out) && Files.isSameFile(out, input)) {
                throw new IllegalArgumentException("the output " + out + " is an input model; write the recovered model to another path");
            }
        }
        OnnxModel graph = models.compressedGraph();
        for (Parameter p : trained) {
            String name = models.initializers().get(p.name());
            if (name == null) {
                throw new IllegalArgumentException("parameter " + p.name() + " was not read from " + models.compressed());
            }
            Tensor v = p.value();
            float[] values;
            if (v.rank() == 2 && (p.name().endsWith(".A") || p.name().endsWith(".B"))) {
                values = transpose(v); // A (out, r) -> r×out; B (r, in) -> in×r
            } else if (v.rank() == 1) {
                values = new float[v.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) v.get(i);
                }
            } else {
                throw new IllegalArgumentException("cannot write " + p + " back: only low-rank factors and norm parameters are written");
            }
            for (float f : values) {
                if (!Float.isFinite(f)) {
                    throw new IllegalArgumentException("parameter " + p.name() + " holds a non-finite value; nothing was written");
                }
            }
            long[] dims = graph.initializerShape(name);
            graph.putInitializer(name, dims, values, DataType.forNumber(graph.initializerType(name)));
        }
        graph.write(out);
    }

    /** The row-major transpose of a (rows, cols) tensor, as floats. */
    static float[] transpose(Tensor m) {
        int rows = m.dim(0), cols = m.dim(1);
        float[] t = new float[m.size()];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = (float) m.get(i * cols + j);
            }
        }
        return t;
    }

    private static void requireFile(Path file, String what) {
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " " + file + " does not exist or is not a file");
        }
    }
}
