package org.lowrank4j.compress.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.lowrank4j.formats.onnx.OnnxTensors;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.OperatorSetIdProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorShapeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TypeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ValueInfoProto;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Tiny random BERT encoders written as ONNX graphs the way Hugging Face exports them (node names
 * {@code /encoder/layer.L/attention/self/query/MatMul}, MatMul + bias Add, LayerNormalization, erf GELU, additive
 * key mask), so that ONNX Runtime, {@link org.lowrank4j.formats.onnx.LinearSites} and
 * {@link org.lowrank4j.nn.arch.bert.BertOnnx} read them like a real export. The vocabulary is the real MiniLM
 * tokenizer's (30522 ids), so its tokenizer.json drives the model; everything else is small.
 */
final class TinyBertOnnx {
    /**
     * 30522 ids (the MiniLM tokenizer), C = 32, 2 blocks, 2 heads, MLP 64, 128 positions, 2 token types; the norm
     * epsilon is 1e-12 as a float, as ONNX stores it.
     */
    static final BertConfig CONFIG = new BertConfig(30522, 32, 2, 2, 64, 128, 2, (float) 1e-12, MlpActivation.GELU_ERF);

    private TinyBertOnnx() {
    }

    /** A random encoder: matrices ~ N(0, 0.25²) (tables N(0, 0.5²)), biases ~ N(0, 0.05²), norm weights ~ 1 + N(0, 0.05²). */
    static BertModel random(long seed) {
        BertModel model = BertModel.zeros(CONFIG, Precision.FLOAT32);
        Random random = new Random(seed);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean table = p.name().startsWith("embeddings") && v.rank() == 2;
            boolean normWeight = p.name().contains("norm") && p.name().endsWith(".weight");
            for (int i = 0; i < v.size(); i++) {
                double g = random.nextGaussian();
                v.set(i, table ? 0.5 * g : v.rank() == 2 ? 0.25 * g : normWeight ? 1 + 0.05 * g : 0.05 * g);
            }
        }
        return model;
    }

    /** Writes the model (dense projections) as ONNX to {@code file}. */
    static Path write(BertModel model, Path file) throws IOException {
        Files.write(file, graph(model).toByteArray());
        return file;
    }

    static ModelProto graph(BertModel model) {
        BertConfig c = model.config();
        int width = c.hiddenSize(), heads = c.heads(), d = c.headSize();
        Builder g = new Builder();
        g.graph.setName("tiny-bert")
                .addInput(info("input_ids", DataType.INT64, "batch", "sequence"))
                .addInput(info("attention_mask", DataType.INT64, "batch", "sequence"))
                .addInput(info("token_type_ids", DataType.INT64, "batch", "sequence"))
                .addOutput(info("last_hidden_state", DataType.FLOAT, "batch", "sequence", String.valueOf(width)));

        // embeddings: word + type + position (positions 0..T-1 sliced from a constant range), LayerNorm
        String word = g.weight("embeddings.word_embeddings.weight", model.embedding().token().value());
        String type = g.weight("embeddings.token_type_embeddings.weight", model.embedding().type().value());
        String position = g.weight("embeddings.position_embeddings.weight", model.embedding().position().value());
        long[] range = new long[c.maxPositions()];
        for (int i = 0; i < range.length; i++) {
            range[i] = i;
        }
        g.ints("position_ids_range", new long[] {1, range.length}, range);
        g.ints("const_1", new long[] {1}, 1);
        g.ints("const_2", new long[] {1}, 2);
        g.ints("const_0", new long[] {1}, 0);
        g.ints("axes_12", new long[] {2}, 1, 2);
        g.ints("head_shape", new long[] {4}, 0, 0, heads, d);
        g.ints("merge_shape", new long[] {3}, 0, 0, width);
        g.scalar("one", 1f);
        g.scalar("mask_value", -10000f);
        g.scalar("head_scale", (float) Math.sqrt(d));
        g.scalar("sqrt2", (float) Math.sqrt(2));
        g.scalar("half", 0.5f);
        g.node("/embeddings/word_embeddings/Gather", "Gather", List.of(word, "input_ids"), "word_embedded");
        g.node("/embeddings/token_type_embeddings/Gather", "Gather", List.of(type, "token_type_ids"), "type_embedded");
        g.node("/embeddings/Shape", "Shape", List.of("input_ids"), "input_shape");
        g.node("/embeddings/Slice", "Slice", List.of("input_shape", "const_1", "const_2"), "sequence_length");
        g.node("/embeddings/Slice_1", "Slice", List.of("position_ids_range", "const_0", "sequence_length", "const_1"), "position_ids");
        g.node("/embeddings/position_embeddings/Gather", "Gather", List.of(position, "position_ids"), "position_embedded");
        g.node("/embeddings/Add", "Add", List.of("word_embedded", "type_embedded"), "embedded_1");
        g.node("/embeddings/Add_1", "Add", List.of("embedded_1", "position_embedded"), "embedded");
        String hidden = g.layerNorm("/embeddings/LayerNorm", "embedded", model.embeddingNorm(), c.layerNormEps());

        // additive key mask (B, 1, 1, T): 0 for real tokens, -10000 for padding
        g.node("/extended_mask/Unsqueeze", "Unsqueeze", List.of("attention_mask", "axes_12"), "mask_unsqueezed");
        g.node("/extended_mask/Cast", "Cast", List.of("mask_unsqueezed"), "mask_float", intAttribute("to", DataType.FLOAT_VALUE));
        g.node("/extended_mask/Sub", "Sub", List.of("one", "mask_float"), "mask_inverted");
        g.node("/extended_mask/Mul", "Mul", List.of("mask_inverted", "mask_value"), "mask_bias");

        for (int l = 0; l < c.layers(); l++) {
            String p = "/encoder/layer." + l;
            List<Linear> linears = model.linears(l);
            String q = g.linear(p + "/attention/self/query", hidden, linears.get(0));
            String k = g.linear(p + "/attention/self/key", hidden, linears.get(1));
            String v = g.linear(p + "/attention/self/value", hidden, linears.get(2));
            g.node(p + "/attention/self/Reshape", "Reshape", List.of(q, "head_shape"), p + "/q_heads");
            g.node(p + "/attention/self/Transpose", "Transpose", List.of(p + "/q_heads"), p + "/q_t", ints("perm", 0, 2, 1, 3));
            g.node(p + "/attention/self/Reshape_1", "Reshape", List.of(k, "head_shape"), p + "/k_heads");
            g.node(p + "/attention/self/Transpose_1", "Transpose", List.of(p + "/k_heads"), p + "/k_t", ints("perm", 0, 2, 3, 1));
            g.node(p + "/attention/self/Reshape_2", "Reshape", List.of(v, "head_shape"), p + "/v_heads");
            g.node(p + "/attention/self/Transpose_2", "Transpose", List.of(p + "/v_heads"), p + "/v_t", ints("perm", 0, 2, 1, 3));
            g.node(p + "/attention/self/MatMul", "MatMul", List.of(p + "/q_t", p + "/k_t"), p + "/scores");
            g.node(p + "/attention/self/Div", "Div", List.of(p + "/scores", "head_scale"), p + "/scaled");
            g.node(p + "/attention/self/Add", "Add", List.of(p + "/scaled", "mask_bias"), p + "/masked");
            g.node(p + "/attention/self/Softmax", "Softmax", List.of(p + "/masked"), p + "/probs", intAttribute("axis", -1));
            g.node(p + "/attention/self/MatMul_1", "MatMul", List.of(p + "/probs", p + "/v_t"), p + "/context_heads");
            g.node(p + "/attention/self/Transpose_3", "Transpose", List.of(p + "/context_heads"), p + "/context_t", ints("perm", 0, 2, 1, 3));
            g.node(p + "/attention/self/Reshape_3", "Reshape", List.of(p + "/context_t", "merge_shape"), p + "/context");
            String o = g.linear(p + "/attention/output/dense", p + "/context", linears.get(3));
            g.node(p + "/attention/output/Add", "Add", List.of(o, hidden), p + "/attention_residual");
            String attended = g.layerNorm(p + "/attention/output/LayerNorm", p + "/attention_residual",
                    (LayerNorm) model.blocks().get(l).attentionNorm(), c.layerNormEps());
            String up = g.linear(p + "/intermediate/dense", attended, linears.get(4));
            g.node(p + "/intermediate/intermediate_act_fn/Div", "Div", List.of(up, "sqrt2"), p + "/gelu_scaled");
            g.node(p + "/intermediate/intermediate_act_fn/Erf", "Erf", List.of(p + "/gelu_scaled"), p + "/gelu_erf");
            g.node(p + "/intermediate/intermediate_act_fn/Add", "Add", List.of(p + "/gelu_erf", "one"), p + "/gelu_shifted");
            g.node(p + "/intermediate/intermediate_act_fn/Mul", "Mul", List.of(up, p + "/gelu_shifted"), p + "/gelu_product");
            g.node(p + "/intermediate/intermediate_act_fn/Mul_1", "Mul", List.of(p + "/gelu_product", "half"), p + "/gelu");
            String down = g.linear(p + "/output/dense", p + "/gelu", linears.get(5));
            g.node(p + "/output/Add", "Add", List.of(down, attended), p + "/mlp_residual");
            hidden = g.layerNorm(p + "/output/LayerNorm", p + "/mlp_residual", (LayerNorm) model.blocks().get(l).mlpNorm(), c.layerNormEps());
        }
        g.node("/Identity", "Identity", List.of(hidden), "last_hidden_state");
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lowrank4j-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g.graph).build();
    }

    private static final class Builder {
        final GraphProto.Builder graph = GraphProto.newBuilder();

        void node(String name, String op, List<String> inputs, String output, AttributeProto... attributes) {
            NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output);
            for (AttributeProto a : attributes) {
                n.addAttribute(a);
            }
            graph.addNode(n);
        }

        String weight(String name, Tensor value) {
            long[] dims = new long[value.rank()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = value.dim(i);
            }
            graph.addInitializer(OnnxTensors.fromFloats(name, dims, floats(value), DataType.FLOAT));
            return name;
        }

        void ints(String name, long[] dims, long... values) {
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE);
            for (long d : dims) {
                t.addDims(d);
            }
            for (long v : values) {
                t.addInt64Data(v);
            }
            graph.addInitializer(t);
        }

        void scalar(String name, float value) {
            graph.addInitializer(OnnxTensors.fromFloats(name, new long[0], new float[] {value}, DataType.FLOAT));
        }

        /** MatMul with the transposed (in×out) weight, then the bias Add; returns the Add's output. */
        String linear(String prefix, String input, Linear linear) {
            Tensor w = ((DenseWeight) linear.weight()).weight().value(); // (out, in)
            int out = w.dim(0), in = w.dim(1);
            float[] outIn = floats(w), inOut = new float[outIn.length];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    inOut[i * out + o] = outIn[o * in + i];
                }
            }
            String weight = prefix.substring(1).replace('/', '.') + ".weight";
            graph.addInitializer(OnnxTensors.fromFloats(weight, new long[] {in, out}, inOut, DataType.FLOAT));
            String bias = weight(prefix.substring(1).replace('/', '.') + ".bias", linear.bias().value());
            node(prefix + "/MatMul", "MatMul", List.of(input, weight), prefix + "/MatMul_output_0");
            node(prefix + "/Add", "Add", List.of(bias, prefix + "/MatMul_output_0"), prefix + "/Add_output_0");
            return prefix + "/Add_output_0";
        }

        String layerNorm(String name, String input, LayerNorm norm, double eps) {
            String gamma = weight(name.substring(1).replace('/', '.') + ".weight", norm.weight().value());
            String beta = weight(name.substring(1).replace('/', '.') + ".bias", norm.bias().value());
            node(name, "LayerNormalization", List.of(input, gamma, beta), name + "_output_0",
                    AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF((float) eps).build(),
                    intAttribute("axis", -1));
            return name + "_output_0";
        }
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static ValueInfoProto info(String name, DataType type, String... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (String d : dims) {
            shape.addDim(d.chars().allMatch(Character::isDigit) ? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(d))
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    static float[] floats(Tensor t) {
        double[] d = t.toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
