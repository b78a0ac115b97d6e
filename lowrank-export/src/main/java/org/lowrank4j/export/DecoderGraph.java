package org.lowrank4j.export;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.lowrank4j.adapt.lora.LoraAdapter;
import org.lowrank4j.adapt.lora.LoraWeight;
import org.lowrank4j.export.DecoderExport.Site;
import org.lowrank4j.formats.onnx.ExternalDataWriter;
import org.lowrank4j.formats.onnx.InputScaling;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.LowRankBranch;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.QuantizedRewrite;
import org.lowrank4j.formats.onnx.SiteRole;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.OperatorSetIdProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorShapeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TypeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.ValueInfoProto;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;
import org.lowrank4j.nn.weight.WeightFactorization;
import static org.lowrank4j.export.GraphNodes.attribute;
import static org.lowrank4j.export.GraphNodes.ints;

/**
 * What the decoder graphs of {@link LlamaGraph} and {@link Gpt2Graph} share, built into one ONNX model with a key/value
 * cache, in the input and output names Hugging Face Optimum and transformers.js use for decoders:
 * <ul>
 *   <li>inputs {@code input_ids} and {@code position_ids} (int64, batch × sequence), {@code attention_mask} (int64, batch ×
 *       (past + sequence): 1 for a real token, 0 for padding), and per layer i {@code past_key_values.i.key} and
 *       {@code .value} (float32, batch × key/value heads × past × head size; past may be 0);</li>
 *   <li>outputs {@code logits} (batch × sequence × vocabulary) and {@code present.i.key} / {@code .value} (the past with
 *       this call's keys and values appended), which the next call takes as its past.</li>
 * </ul>
 * Opset 17, standard operators only, except quantized weights: {@code com.microsoft.MatMulNBits} (or MatMulBnb4 for NF4),
 * written by the same {@link QuantizedRewrite} as quantized encoders.
 *
 * <p>Each projection keeps its stored form: a dense weight is one MatMul of Wᵀ; a low-rank W ≈ A·B is two, x·Bᵀ then ·Aᵀ,
 * so the file holds r·(in + out) values and ONNX Runtime does that much work; a quantized weight is its packed codes,
 * with its input scale (a Mul) and its float branch (two MatMuls and an Add). Other factorisations (dictionaries,
 * sparse-plus-low-rank, butterflies) are written multiplied out, and {@link Site#form()} says so. A LoRA layer is its base
 * in the base's form plus each running adapter's branch, unmerged.
 *
 * <p>Attention is what {@link Attention#decode} computes: RoPE (when the layer has it) in the rotate-half convention from
 * the layer's own tables (so narrowed blocks rotate each kept pair at its own frequency), grouped-query attention without
 * copying keys (queries are grouped as (key/value head, query head in its group) and broadcast against one key head), the
 * layer's score scale. A key is seen when its index is at most the query's (past + t) and its mask entry is 1.
 */
final class DecoderGraph {
    static final int OPSET = 17;
    static final String BATCH = "batch_size", SEQUENCE = "sequence_length", PAST = "past_sequence_length", TOTAL = "total_sequence_length";
    private static final float LOWEST = -Float.MAX_VALUE;

    /** The graph and what became of each projection. */
    record Built(OnnxModel model, List<Site> sites) {}

    final GraphNodes g;
    private final List<Site> sites = new ArrayList<>();
    private final Map<RotaryEmbedding, String[]> ropeTables = new IdentityHashMap<>();
    private final String allowed;
    private String keyIndex, queryIndex; // the key and query positions mask() made, (1, total) and (sequence, 1)
    private final Map<Integer, String> windowed = new java.util.HashMap<>(); // the mask of each sliding window

    /**
     * An empty graph with the inputs and outputs of a decoder of {@code layers} blocks (their attention given) and vocabulary;
     * large float initializers go to {@code sink} as they are made, or stay in the graph when it is null.
     */
    DecoderGraph(String name, int layers, IntFunction<Attention> attention, int vocab, ExternalDataWriter sink) {
        List<Attention> each = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            each.add(attention.apply(i));
        }
        this.g = new GraphNodes(OnnxModel.of(skeleton(name, each, vocab)), sink);
        this.allowed = mask();
    }

    Built built() {
        return new Built(g.model(), List.copyOf(sites));
    }

    private static ModelProto skeleton(String name, List<Attention> layers, int vocab) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName(name);
        graph.addInput(value("input_ids", DataType.INT64, BATCH, SEQUENCE));
        graph.addInput(value("attention_mask", DataType.INT64, BATCH, TOTAL));
        graph.addInput(value("position_ids", DataType.INT64, BATCH, SEQUENCE));
        graph.addOutput(value("logits", DataType.FLOAT, BATCH, SEQUENCE, vocab));
        for (int i = 0; i < layers.size(); i++) {
            Attention a = layers.get(i);
            graph.addInput(value(pastKey(i), DataType.FLOAT, BATCH, a.kvHeads(), PAST, a.headSize()));
            graph.addInput(value(pastValue(i), DataType.FLOAT, BATCH, a.kvHeads(), PAST, a.valueSize()));
            graph.addOutput(value(presentKey(i), DataType.FLOAT, BATCH, a.kvHeads(), TOTAL, a.headSize()));
            graph.addOutput(value(presentValue(i), DataType.FLOAT, BATCH, a.kvHeads(), TOTAL, a.valueSize()));
        }
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lowrank4j").setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).build();
    }

    static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    static String presentValue(int layer) {
        return "present." + layer + ".value";
    }

    /** A tensor value of the given element type; each dimension is a size (Integer) or a symbolic name (String). */
    private static ValueInfoProto value(String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer size) {
                dim.setDimValue(size);
            } else {
                dim.setDimParam((String) d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    // ------------------------------------------------------------------ the decoder

    /**
     * allowed (batch, 1, 1, sequence, total): key j is seen by query t when j ≤ past + t and attention_mask[b, j] = 1,
     * past = total − sequence; shaped to broadcast over the (key/value head, query in group) axes of the scores.
     */
    private String mask() {
        String one = g.scalar("one", 1L), zero = g.scalar("zero", 0L);
        String sequence = g.op("Gather", "sequence", List.of(g.op("Shape", "ids_shape", List.of("input_ids")), one), attribute("axis", 0));
        String total = g.op("Gather", "total", List.of(g.op("Shape", "mask_shape", List.of("attention_mask")), one), attribute("axis", 0));
        String past = g.op("Sub", "past", List.of(total, sequence));
        String keys = keyIndex = g.op("Unsqueeze", "key_index", List.of(g.op("Range", "keys", List.of(zero, total, one)), g.longs("axes", 0)));
        String queries = queryIndex = g.op("Unsqueeze", "query_index", List.of(g.op("Range", "queries", List.of(past, total, one)),
                g.longs("axes", 1)));
        String causal = g.op("LessOrEqual", "causal", List.of(keys, queries));
        String real = g.op("Cast", "real_keys", List.of("attention_mask"), attribute("to", DataType.BOOL_VALUE));
        String padding = g.op("Unsqueeze", "real_keys_5d", List.of(real, g.longs("axes", 1, 2, 3)));
        return g.op("And", "allowed", List.of(causal, padding));
    }

    /** {@link #mask}, and for a sliding window of w positions also query − key < w; one mask per window value. */
    private String allowed(int window) {
        if (window == 0) {
            return allowed;
        }
        return windowed.computeIfAbsent(window, w -> {
            String distance = g.op("Sub", "distance", List.of(queryIndex, keyIndex));
            String inside = g.op("Less", "inside_window_" + w, List.of(distance, g.scalar("window_" + w, (long) w)));
            return g.op("And", "allowed_window_" + w, List.of(allowed, inside));
        });
    }

    /**
     * One attention layer's output for the normalised input h; its keys and values also go to the outputs
     * {@code present.i.*}. {@code p} names the layer's nodes.
     */
    String attention(String p, int i, Attention a, String h) {
        int heads = a.heads(), kv = a.kvHeads(), group = heads / kv, d = a.headSize(), dv = a.valueSize();
        String[] rope = a.rope() == null ? null : ropeTables(a.rope());
        // queries as (b, s, key/value head, query in its group, d): the grouping of Hugging Face's repeat_kv
        boolean whole = a.normsSpanHeads(); // OLMo 2: one norm over the whole projection, before the split into heads
        String q = linear(i, SiteRole.ATTENTION_QUERY, a.query(), h);
        q = whole ? rmsNorm(p + ".q_norm", a.queryNorm(), q) : q;
        q = g.op("Reshape", p + "/q_heads", List.of(q, g.longs("shape", 0, 0, kv, group, d)));
        q = rotate(p + "/q", a.queryNorm() == null || whole ? q : rmsNorm(p + ".q_norm", a.queryNorm(), q), rope); // Qwen3: each head normalised first
        q = g.op("Transpose", p + "/q_t", List.of(q), ints("perm", 0, 2, 3, 1, 4));
        q = g.op("Mul", p + "/q_scaled", List.of(q, g.scalar(p + "/scale", (float) a.scale())));
        String k = linear(i, SiteRole.ATTENTION_KEY, a.key(), h);
        k = whole ? rmsNorm(p + ".k_norm", a.keyNorm(), k) : k;
        k = g.op("Reshape", p + "/k_heads", List.of(k, g.longs("shape", 0, 0, kv, 1, d)));
        k = rotate(p + "/k", a.keyNorm() == null || whole ? k : rmsNorm(p + ".k_norm", a.keyNorm(), k), rope);
        k = g.op("Transpose", p + "/k_t", List.of(g.op("Reshape", p + "/k_4d", List.of(k, g.longs("shape", 0, 0, kv, d)))), ints("perm", 0, 2, 1, 3));
        String keys = g.opTo("Concat", presentKey(i), List.of(pastKey(i), k), attribute("axis", 2));
        String v = linear(i, SiteRole.ATTENTION_VALUE, a.value(), h);
        v = g.op("Transpose", p + "/v_t", List.of(g.op("Reshape", p + "/v_heads", List.of(v, g.longs("shape", 0, 0, kv, dv)))), ints("perm", 0, 2, 1, 3));
        String values = g.opTo("Concat", presentValue(i), List.of(pastValue(i), v), attribute("axis", 2));
        // scores (b, kv, group, s, total): one key head broadcast over the queries of its group
        String kt = g.op("Transpose", p + "/keys_t", List.of(g.op("Unsqueeze", p + "/keys_5d", List.of(keys, g.longs("axes", 2)))),
                ints("perm", 0, 1, 2, 4, 3));
        String scores = g.op("MatMul", p + "/scores", List.of(q, kt));
        if (a.softcap() > 0) { // Gemma 2: cap·tanh(s / cap), before the mask
            scores = softcap(p + "/scores", scores, a.softcap());
        }
        String masked = g.op("Where", p + "/masked", List.of(allowed(a.window()), scores, g.scalar(p + "/lowest", LOWEST)));
        String probs = g.op("Softmax", p + "/probs", List.of(masked), attribute("axis", -1));
        String context = g.op("MatMul", p + "/context", List.of(probs, g.op("Unsqueeze", p + "/values_5d", List.of(values, g.longs("axes", 2)))));
        context = g.op("Transpose", p + "/context_t", List.of(context), ints("perm", 0, 3, 1, 2, 4));
        context = g.op("Reshape", p + "/context_2d", List.of(context, g.longs("shape", 0, 0, (long) heads * dv)));
        return linear(i, SiteRole.ATTENTION_OUTPUT, a.output(), context);
    }

    /** x·cos + rotate_half(x)·sin, with cos and sin gathered at the positions: (b, s, groups, 1, d), broadcast over x (b, s, kv, n, d). */
    private String rotate(String hint, String x, String[] rope) {
        if (rope == null) {
            return x;
        }
        List<String> halves = g.ops("Split", hint + "_half", 2, List.of(x), attribute("axis", -1));
        String rotated = g.op("Concat", hint + "_rotated", List.of(g.op("Neg", hint + "_neg", List.of(halves.get(1))), halves.get(0)),
                attribute("axis", -1));
        return g.op("Add", hint + "_rope", List.of(g.op("Mul", hint + "_cos", List.of(x, rope[0])), g.op("Mul", hint + "_sin", List.of(rotated, rope[1]))));
    }

    /**
     * The model's cos and sin tables, stored as (positions, groups, 1, d/2) and gathered at the positions once per table;
     * each gathered half is repeated to the head's width d, as rotate-half pairs dimension i with i + d/2.
     */
    private String[] ropeTables(RotaryEmbedding rope) {
        return ropeTables.computeIfAbsent(rope, r -> {
            int groups = r.groups(), n = r.maxPositions(), half = r.headSize() / 2;
            float[] cos = new float[n * groups * half], sin = new float[cos.length];
            for (int p = 0; p < n; p++) {
                for (int gr = 0; gr < groups; gr++) {
                    for (int j = 0; j < half; j++) {
                        int at = (p * groups + gr) * half + j;
                        cos[at] = (float) r.cos(gr, p, j);
                        sin[at] = (float) r.sin(gr, p, j);
                    }
                }
            }
            String name = "rope." + ropeTables.size();
            long[] dims = {n, groups, 1, half};
            String[] out = new String[2];
            String[] kinds = {"cos", "sin"};
            float[][] tables = {cos, sin};
            for (int k = 0; k < 2; k++) {
                String at = g.op("Gather", name + "/" + kinds[k] + "_at", List.of(g.floats(name + "." + kinds[k], dims, tables[k]), "position_ids"),
                        attribute("axis", 0));
                out[k] = g.op("Concat", name + "/" + kinds[k] + "_full", List.of(at, at), attribute("axis", -1));
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ embeddings, norms, activations, output

    /** A float32 initializer holding {@code t} as it is. */
    String table(String name, Tensor t) {
        return g.floats(name, dims(t), floats(t));
    }

    /** The rows of {@code table} at the int64 {@code ids}. */
    String gather(String hint, String table, String ids) {
        return g.op("Gather", hint, List.of(table, ids), attribute("axis", 0));
    }

    String add(String hint, String a, String b) {
        return g.op("Add", hint, List.of(a, b));
    }


    /** x / √(mean(x²) + ε) · m, m the norm's multiplier (w, or Gemma's 1 + w, stored as m). */
    String rmsNorm(String name, RMSNorm norm, String x) {
        String squares = g.op("Mul", name + "/squares", List.of(x, x));
        String mean = g.op("ReduceMean", name + "/mean", List.of(squares), ints("axes", -1), attribute("keepdims", 1));
        String root = g.op("Sqrt", name + "/root", List.of(add(name + "/plus_eps", mean, g.scalar(name + "/eps", (float) norm.eps()))));
        String weight = table(name + (norm.unitOffset() ? ".multiplier" : ".weight"), norm.multiplier());
        return g.op("Mul", name + "/scaled", List.of(g.op("Div", name + "/normalised", List.of(x, root)), weight));
    }

    /** LayerNormalization over the last axis, with the layer's scale and (if any) bias. */
    String layerNorm(String name, LayerNorm norm, String x) {
        List<String> inputs = new ArrayList<>(List.of(x, table(name + ".weight", norm.weight().value())));
        if (norm.bias() != null) {
            inputs.add(table(name + ".bias", norm.bias().value()));
        }
        return g.op("LayerNormalization", name, inputs, attribute("axis", -1), GraphNodes.attribute("epsilon", (float) norm.eps()));
    }

    /** max(0, x). */
    String relu(String hint, String x) {
        return g.op("Relu", hint, List.of(x));
    }

    /** x·σ(x) (SiLU). */
    String silu(String hint, String x) {
        return g.op("Mul", hint, List.of(x, g.op("Sigmoid", hint + "_sigmoid", List.of(x))));
    }

    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), or with {@code exact} 0.5·x·(1 + erf(x/√2)). */
    String gelu(String hint, String x, boolean exact) {
        String inner;
        if (exact) {
            inner = g.op("Erf", hint + "_erf", List.of(g.op("Mul", hint + "_scaled", List.of(x, g.scalar(hint + "/inv_sqrt2", (float) (1 / Math.sqrt(2)))))));
        } else {
            String cube = g.op("Mul", hint + "_cube", List.of(g.op("Mul", hint + "_square", List.of(x, x)), x));
            String cubic = add(hint + "_cubic", x, g.op("Mul", hint + "_cube_scaled", List.of(cube, g.scalar(hint + "/c", 0.044715f))));
            inner = g.op("Tanh", hint + "_tanh", List.of(g.op("Mul", hint + "_arg", List.of(cubic, g.scalar(hint + "/sqrt_2_pi",
                    (float) Math.sqrt(2 / Math.PI))))));
        }
        String half = g.op("Mul", hint + "_half", List.of(x, g.scalar(hint + "/half", 0.5f)));
        return g.op("Mul", hint, List.of(half, add(hint + "_one_plus", inner, g.scalar(hint + "/one", 1f))));
    }

    /** The graph output {@code logits}: h times the transposed embedding table when tied, else the output projection. */
    void logits(String h, String tiedTable, Linear head) {
        logits(h, tiedTable, head, null);
    }

    /**
     * As {@link #logits(String, String, Linear)}, shaped as {@code shaping} says (null: as they are): divided by its
     * divisor (Granite), then soft-capped as {@code cap·tanh(z / cap)} (Gemma 2).
     */
    void logits(String h, String tiedTable, Linear head, LogitShaping shaping) {
        if (tiedTable != null) {
            String transposed = g.op("Transpose", "lm_head.weight_t", List.of(tiedTable), ints("perm", 1, 0));
            if (shaping == null) {
                g.opTo("MatMul", "logits", List.of(h, transposed));
            } else {
                g.opTo("Identity", "logits", List.of(shaped(g.op("MatMul", "lm_head", List.of(h, transposed)), shaping)));
            }
            sites.add(new Site("lm_head", "tied to the token embedding", 0));
        } else {
            String z = linear(-1, SiteRole.OTHER, head, h);
            g.opTo("Identity", "logits", List.of(shaping == null ? z : shaped(z, shaping)));
        }
    }

    private String shaped(String z, LogitShaping shaping) {
        String y = z;
        if (shaping.divisor() != 1) {
            y = g.op("Div", "lm_head/scaled", List.of(y, g.scalar("lm_head/divisor", (float) shaping.divisor())));
        }
        return shaping.cap() > 0 ? softcap("lm_head", y, shaping.cap()) : y;
    }

    /** {@code cap·tanh(x / cap)}, element-wise; {@code hint} names the nodes. */
    private String softcap(String hint, String x, double cap) {
        String c = g.scalar(hint + "/softcap", (float) cap);
        String t = g.op("Tanh", hint + "/softcap_tanh", List.of(g.op("Div", hint + "/softcap_div", List.of(x, c))));
        return g.op("Mul", hint + "/softcapped", List.of(t, c));
    }

    // ------------------------------------------------------------------ projections in their stored form

    /** y = x·Wᵀ (+ b) for the projection's weight in its own form, named after the layer; see the class comment. */
    String linear(int block, SiteRole role, Linear layer, String x) {
        String name = layer.name();
        Product p = product(name, block, role, layer.weight(), x);
        sites.add(new Site(name, p.form(), p.stored()));
        String y = p.output();
        if (layer.bias() != null) {
            y = g.op("Add", name + "/bias", List.of(y, g.floats(name + ".bias", dims(layer.bias().value()), floats(layer.bias().value()))));
        }
        return y;
    }

    /** A weight's product x·Wᵀ: its output, how it was written, and the values it stores. */
    private record Product(String output, String form, long stored) {}

    private Product product(String name, int block, SiteRole role, WeightFactorization w, String x) {
        int in = w.inFeatures(), out = w.outFeatures();
        if (w instanceof DenseWeight dense) {
            String y = g.op("MatMul", name, List.of(x, g.floats(name + ".weight_t", new long[] {in, out}, transpose(dense.weight().value(), out, in))));
            return new Product(y, "dense", (long) in * out);
        }
        if (w instanceof LowRankWeight lowRank) {
            int r = lowRank.rank();
            String first = g.floats(name + ".lowrank_B_t", new long[] {in, r}, transpose(lowRank.right().value(), r, in));
            String second = g.floats(name + ".lowrank_A_t", new long[] {r, out}, transpose(lowRank.left().value(), out, r));
            String y = g.op("MatMul", name + "/up", List.of(g.op("MatMul", name + "/down", List.of(x, first)), second));
            return new Product(y, "low-rank r=" + r, (long) r * (in + out));
        }
        if (w instanceof QuantizedWeight quantized) {
            return quantized(name, block, role, quantized, x);
        }
        if (w instanceof LoraWeight lora) {
            return withAdapters(name, block, role, lora, x);
        }
        String y = g.op("MatMul", name, List.of(x, g.floats(name + ".weight_t", new long[] {in, out}, transpose(w.toDense(), out, in))));
        return new Product(y, "multiplied out (" + w.getClass().getSimpleName() + ")", (long) in * out);
    }

    /**
     * A LoRA layer as it runs now: its base (with any merged adapters in it) in its own form, plus s·(x·Aᵀ)·Bᵀ for each
     * adapter whose branch runs, unmerged, so a quantized or low-rank base keeps its form and the adapter stays exact.
     */
    private Product withAdapters(String name, int block, SiteRole role, LoraWeight lora, String x) {
        Product base = product(name, block, role, lora.mergedBase(), x);
        if (!lora.enabled()) {
            return base;
        }
        String y = base.output();
        StringBuilder form = new StringBuilder(base.form());
        long stored = base.stored();
        for (String adapterName : lora.activeAdapters()) {
            if (lora.mergedAdapters().contains(adapterName)) {
                continue;
            }
            LoraAdapter adapter = lora.adapter(adapterName);
            int r = adapter.rank(), in = lora.inFeatures(), out = lora.outFeatures();
            String prefix = name + ".lora." + adapterName;
            String a = g.floats(prefix + ".A_t", new long[] {in, r}, transpose(adapter.a().value(), r, in));
            float[] bScaled = transpose(adapter.b().value(), out, r);
            for (int k = 0; k < bScaled.length; k++) {
                bScaled[k] *= (float) adapter.scale();
            }
            String b = g.floats(prefix + ".B_t_scaled", new long[] {r, out}, bScaled);
            String branch = g.op("MatMul", prefix + "/up", List.of(g.op("MatMul", prefix + "/down", List.of(x, a)), b));
            y = g.op("Add", prefix + "/add", List.of(y, branch));
            form.append(" + LoRA '").append(adapterName).append("' r=").append(r);
            stored += (long) r * (in + out);
        }
        return new Product(y, form.toString(), stored);
    }

    /**
     * A MatMul rewritten at once into the quantized node, its input scale and its float branch. Its weight input is only a
     * name the rewrite finds the site by: no float copy of the weight is ever made.
     */
    private Product quantized(String name, int block, SiteRole role, QuantizedWeight w, String x) {
        int in = w.inFeatures(), out = w.outFeatures();
        String placeholder = name + ".weight_t";
        String y = g.op("MatMul", name, List.of(x, placeholder));
        OnnxModel model = g.model();
        LinearSite site = new LinearSite(name, block, role, y + "/MatMul", y, "MatMul", x, placeholder, in, out, false, false, DataType.FLOAT);
        StringBuilder form = new StringBuilder("quantized " + w.base().format());
        long stored = (long) in * out; // codes, counted as values
        if (w.base().format().kind() == QuantizationFormat.Kind.NORMAL_FLOAT) {
            QuantizedRewrite.toMatMulBnb4(model, site, w.base());
        } else {
            QuantizedRewrite.toMatMulNBits(model, site, w.base());
        }
        if (w.inputScale() != null) {
            InputScaling.add(model, site, w.inputScale());
            form.append(" + input scale");
        }
        LowRankWeight branch = w.branch();
        if (branch != null) {
            int r = branch.rank();
            LowRankBranch.add(model, site, r, transpose(branch.right().value(), r, in), transpose(branch.left().value(), out, r));
            form.append(" + branch r=").append(r);
            stored += (long) r * (in + out);
        }
        return new Product(y, form.toString(), stored);
    }

    private static long[] dims(Tensor t) {
        long[] dims = new long[t.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.dim(i);
        }
        return dims;
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }

    /** The (cols × rows) transpose of a row-major rows × cols tensor, in float32. */
    private static float[] transpose(Tensor t, int rows, int cols) {
        if (t.size() != rows * cols) {
            throw new IllegalStateException("expected " + rows + "x" + cols + " values, got " + t.shapeString());
        }
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = (float) t.get(r * cols + c);
            }
        }
        return out;
    }
}
