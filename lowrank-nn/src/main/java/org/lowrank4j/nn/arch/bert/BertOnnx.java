package org.lowrank4j.nn.arch.bert;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lowrank4j.formats.onnx.LinearSite;
import org.lowrank4j.formats.onnx.LinearSites;
import org.lowrank4j.formats.onnx.OnnxModel;
import org.lowrank4j.formats.onnx.QuantizedSites;
import org.lowrank4j.formats.onnx.SiteRole;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * Builds a {@link BertModel} from an ONNX BERT-family encoder (BERT, MiniLM, BGE exports with inputs
 * {@code input_ids}, {@code attention_mask}, optional {@code token_type_ids}) by walking its graph, whatever the
 * initializers are called:
 * <ul>
 *   <li>embedding tables: the 2-D initializers read by Gather nodes (indexed by {@code input_ids}, by
 *       {@code token_type_ids}, and by anything else: the positions);</li>
 *   <li>LayerNorms, in graph order (embeddings, then two per block): LayerNormalization nodes, or the decomposed
 *       ReduceMean, Sub, Pow, ReduceMean, Add(eps), Sqrt, Div, Mul(gamma), Add(beta) of PyTorch exports;</li>
 *   <li>projections: {@link LinearSites} (role and block per MatMul/Gemm), weights transposed from in×out to
 *       (out, in), biases from the Add that follows; a site that lowrank4j's compress factorised into
 *       {@code <w>.lowrank_first} (in×r) and {@code <w>.lowrank_second} (r×out) becomes a {@link LowRankWeight};</li>
 *   <li>head count: from the Reshape that splits the query into (B, T, NH, D).</li>
 * </ul>
 * Position ids are taken to run 0..T-1 (BERT; RoBERTa's offset positions are not supported).
 */
public final class BertOnnx {
    private static final SiteRole[] ORDER = {SiteRole.ATTENTION_QUERY, SiteRole.ATTENTION_KEY, SiteRole.ATTENTION_VALUE,
        SiteRole.ATTENTION_OUTPUT, SiteRole.FFN_UP, SiteRole.FFN_DOWN};

    private BertOnnx() {
    }

    /** One projection: its weight (out, in) or factors, and its bias; {@code firstFactor} names the in×r initializer. */
    private record Projection(SiteRole role, int block, LinearSite last, float[] denseOutIn, float[] leftOutR,
            float[] rightRIn, int rank, float[] bias, String firstFactor, String secondFactor, QuantizedMatrix quantized,
            float[] inputScale) {

        Projection(SiteRole role, int block, LinearSite last, float[] denseOutIn, float[] leftOutR, float[] rightRIn, int rank,
                float[] bias, String firstFactor) {
            this(role, block, last, denseOutIn, leftOutR, rightRIn, rank, bias, firstFactor, last.initializer(), null, null);
        }
    }

    /** An embedding table: the initializer it was read from, its shape and values (dequantized when stored quantized). */
    private record Table(String initializer, long[] shape, float[] values, boolean quantized) {}

    private record Norm(int node, String gamma, String beta, double eps) {}

    /**
     * An encoder and where its parameters came from: for each parameter name, the ONNX initializer it was read from.
     * Covered are the embedding tables, the LayerNorm weights and biases (read as stored) and the projection weights,
     * which ONNX stores transposed: a dense weight (out, in) from an in×out initializer (out×in for a Gemm with transB), low-rank factors
     * {@code A} (out, r) from {@code <w>.lowrank_second} (r×out) and {@code B} (r, in) from {@code <w>.lowrank_first}
     * (in×r). Write-back (recovery training) uses it to put trained values into a copy of the graph.
     */
    public record Loaded(BertModel model, Map<String, String> initializers) {
    }

    /** Reads an ONNX file and builds the encoder. */
    public static BertModel load(Path file, Precision precision) throws IOException {
        return load(OnnxModel.read(file), precision);
    }

    /**
     * Builds the encoder of an ONNX model.
     *
     * @throws IllegalArgumentException when the graph is not a BERT-family encoder, saying what was not found
     */
    public static BertModel load(OnnxModel onnx, Precision precision) {
        return loadWithSources(onnx, precision).model();
    }

    /** {@link #load(OnnxModel, Precision)}, also saying which initializer each parameter was read from. */
    public static Loaded loadWithSources(OnnxModel onnx, Precision precision) {
        String source = onnx.source().map(Path::toString).orElse("ONNX model");
        OnnxGraph graph = new OnnxGraph(onnx);
        Map<String, Table> tables = embeddingTables(graph, source);
        List<Norm> norms = norms(graph);
        Map<Integer, Map<SiteRole, Projection>> blocks = projections(graph, source);
        int layers = blocks.size();
        if (norms.size() != 1 + 2 * layers) {
            throw notBert(source, "found " + norms.size() + " LayerNorms for " + layers + " blocks (expected " + (1 + 2 * layers) + ")");
        }
        long[] word = tables.get("word").shape();
        long[] position = tables.get("position").shape();
        Table typeTable = tables.get("type");
        int c = (int) word[1];
        Map<SiteRole, Projection> first = blocks.get(0);
        int heads = heads(graph, first.get(SiteRole.ATTENTION_QUERY), c, source);
        int intermediate = first.get(SiteRole.FFN_UP).last().outFeatures();
        BertConfig config = new BertConfig((int) word[0], c, layers, heads, intermediate, (int) position[0],
                typeTable == null ? 0 : (int) typeTable.shape()[0], norms.get(0).eps(), gelu(graph));

        BertModel model = BertModel.zeros(config, precision);
        Map<String, String> names = new TreeMap<>();
        fill(model.embedding().token(), onnx, tables.get("word"), names);
        fill(model.embedding().position(), onnx, tables.get("position"), names);
        if (typeTable != null) {
            fill(model.embedding().type(), onnx, typeTable, names);
        }
        fillNorm(model.embeddingNorm(), onnx, norms.get(0), names);
        for (int l = 0; l < layers; l++) {
            Map<SiteRole, Projection> block = blocks.get(l);
            List<Linear> linears = model.linears(l);
            for (int i = 0; i < ORDER.length; i++) {
                fillLinear(linears.get(i), block.get(ORDER[i]), precision, source, names);
            }
            fillNorm((LayerNorm) model.blocks().get(l).attentionNorm(), onnx, norms.get(1 + 2 * l), names);
            fillNorm((LayerNorm) model.blocks().get(l).mlpNorm(), onnx, norms.get(2 + 2 * l), names);
        }
        return new Loaded(model, java.util.Collections.unmodifiableMap(names));
    }

    // ------------------------------------------------------------------ embeddings

    /**
     * "word", "position" and (optional) "type" tables: Gathers of a 2-D float initializer, or GatherBlockQuantized nodes
     * (lowrank4j's quantized embeddings), read dequantized.
     */
    private static Map<String, Table> embeddingTables(OnnxGraph graph, String source) {
        List<String> inputs = graph.model.graphInputNames();
        Map<String, Table> found = new TreeMap<>();
        for (NodeProto node : graph.nodes) {
            boolean quantized = node.getOpType().equals("GatherBlockQuantized");
            if (!(node.getOpType().equals("Gather") || quantized) || node.getInputCount() < 2 || !graph.isInitializer(node.getInput(0))
                    || !quantized && graph.model.initializerShape(node.getInput(0)).length != 2) {
                continue;
            }
            String index = rootInput(graph, node.getInput(1));
            String kind = index == null || !inputs.contains(index) ? "position"
                    : index.contains("token_type") ? "type" : "word";
            Table table;
            if (quantized) {
                float[] values = QuantizedSites.dequantizedTable(graph.model, node);
                long rows = graph.model.initializerShape(node.getInput(2))[0];
                table = new Table(node.getInput(0), new long[] {rows, values.length / rows}, values, true);
            } else {
                table = new Table(node.getInput(0), graph.model.initializerShape(node.getInput(0)), null, false);
            }
            if (found.put(kind, table) != null) {
                throw notBert(source, "more than one " + kind + " embedding Gather");
            }
        }
        if (!found.containsKey("word") || !found.containsKey("position")) {
            throw notBert(source, "no " + (found.containsKey("word") ? "position" : "word") + " embedding (a Gather of a 2-D initializer)");
        }
        return found;
    }

    /** Follows Cast/Unsqueeze/Reshape/Identity back to the value they start from. */
    private static String rootInput(OnnxGraph graph, String value) {
        for (int guard = 0; guard < 8; guard++) {
            int p = graph.producer(value);
            if (p < 0) {
                return value;
            }
            String op = graph.node(p).getOpType();
            if (!(op.equals("Cast") || op.equals("Unsqueeze") || op.equals("Reshape") || op.equals("Identity"))) {
                return null;
            }
            value = graph.node(p).getInput(0);
        }
        return null;
    }

    // ------------------------------------------------------------------ LayerNorms

    private static List<Norm> norms(OnnxGraph graph) {
        List<Norm> out = new ArrayList<>();
        for (int i = 0; i < graph.nodes.size(); i++) {
            NodeProto node = graph.node(i);
            if (node.getOpType().equals("LayerNormalization") && node.getInputCount() >= 3) {
                out.add(new Norm(i, node.getInput(1), node.getInput(2), OnnxGraph.floatAttribute(node, "epsilon", 1e-5)));
            } else if (node.getOpType().equals("Sub")) {
                Norm n = decomposedNorm(graph, i);
                if (n != null) {
                    out.add(n);
                }
            }
        }
        out.sort((a, b) -> Integer.compare(a.node(), b.node()));
        return out;
    }

    /** x − mean(x) at node {@code sub}, followed by ÷√(mean((x−μ)²)+eps), ·gamma, +beta; or null. */
    private static Norm decomposedNorm(OnnxGraph graph, int sub) {
        NodeProto s = graph.node(sub);
        int mean = graph.producer(s.getInput(1));
        if (mean < 0 || !graph.node(mean).getOpType().equals("ReduceMean") || !graph.node(mean).getInput(0).equals(s.getInput(0))) {
            return null;
        }
        String centered = s.getOutput(0);
        int pow = graph.consumer(centered, "Pow"), div = graph.consumer(centered, "Div");
        if (pow < 0 || div < 0) {
            return null;
        }
        int variance = graph.consumer(graph.node(pow).getOutput(0), "ReduceMean");
        int addEps = variance < 0 ? -1 : graph.consumer(graph.node(variance).getOutput(0), "Add");
        if (addEps < 0) {
            return null;
        }
        double[] eps = graph.constantValues(OnnxGraph.other(graph.node(addEps), graph.node(variance).getOutput(0)));
        int mul = graph.consumer(graph.node(div).getOutput(0), "Mul");
        if (eps == null || eps.length != 1 || mul < 0) {
            return null;
        }
        String gamma = OnnxGraph.other(graph.node(mul), graph.node(div).getOutput(0));
        int add = graph.consumer(graph.node(mul).getOutput(0), "Add");
        if (add < 0 || !graph.isInitializer(gamma)) {
            return null;
        }
        String beta = OnnxGraph.other(graph.node(add), graph.node(mul).getOutput(0));
        return graph.isInitializer(beta) ? new Norm(add, gamma, beta, eps[0]) : null;
    }

    // ------------------------------------------------------------------ projections

    private static Map<Integer, Map<SiteRole, Projection>> projections(OnnxGraph graph, String source) {
        List<LinearSite> sites = LinearSites.find(graph.model, 1);
        Map<String, LinearSite> byOutput = new TreeMap<>();
        sites.forEach(s -> byOutput.put(s.nodeOutput(), s));
        Map<Integer, Map<SiteRole, Projection>> blocks = new TreeMap<>();
        List<Projection> found = new ArrayList<>();
        for (QuantizedSites.QuantizedSite q : QuantizedSites.find(graph.model)) {
            found.add(quantized(graph, q, source));
        }
        for (LinearSite site : sites) {
            if (site.initializer().endsWith(".lowrank_second") || site.initializer().endsWith(".branch_first")
                    || site.initializer().endsWith(".branch_second")) {
                continue; // handled with its first factor, or with its quantized site
            }
            Projection p;
            if (site.initializer().endsWith(".lowrank_first")) {
                LinearSite second = null;
                for (int i : graph.consumers(site.nodeOutput())) {
                    LinearSite s = byOutput.get(graph.node(i).getOutput(0));
                    if (s != null && s.initializer().endsWith(".lowrank_second")) {
                        second = s;
                    }
                }
                if (second == null) {
                    throw notBert(source, "factor " + site.initializer() + " is not followed by its .lowrank_second product");
                }
                SiteRole role = site.role() != SiteRole.OTHER ? site.role() : second.role();
                int block = site.block() >= 0 ? site.block() : second.block();
                int r = site.outFeatures();
                // the pair acts as one site: the first product's input, the second's output, role and block of either
                LinearSite merged = new LinearSite(second.name(), block, role, second.nodeName(), second.nodeOutput(),
                        second.opType(), site.input(), second.initializer(), site.inFeatures(), second.outFeatures(),
                        second.transposed(), second.hasBias(), second.dataType());
                p = new Projection(role, block, merged, null, transpose(graph.model.weight(second), r, second.outFeatures()),
                        transpose(graph.model.weight(site), site.inFeatures(), r), r, bias(graph, second, source), site.initializer());
            } else {
                p = new Projection(site.role(), site.block(), site, transpose(graph.model.weight(site), site.inFeatures(), site.outFeatures()),
                        null, null, 0, bias(graph, site, source), null);
            }
            found.add(p);
        }
        for (Projection p : found) {
            if (p.role() == SiteRole.OTHER || p.block() < 0) {
                continue; // pooler or head
            }
            Projection before = blocks.computeIfAbsent(p.block(), k -> new EnumMap<>(SiteRole.class)).put(p.role(), p);
            if (before != null) {
                throw notBert(source, "block " + p.block() + " has two " + p.role().label() + " projections");
            }
        }
        if (blocks.isEmpty()) {
            throw notBert(source, "no attention or feed-forward projections found");
        }
        String kept = graph.model.metadata().get(org.lowrank4j.formats.onnx.EncoderBlocks.KEPT_BLOCKS);
        if (kept != null && kept.equals(String.join(",", blocks.keySet().stream().map(String::valueOf).toList()))) {
            // a block-pruned graph keeps its exporter's node names, so its blocks are numbered as in the original, with
            // gaps; it says which it kept, and those are renumbered 0..N-1 in order
            Map<Integer, Map<SiteRole, Projection>> renumbered = new TreeMap<>();
            blocks.values().forEach(b -> renumbered.put(renumbered.size(), b));
            blocks = renumbered;
        }
        int expected = 0;
        for (Map.Entry<Integer, Map<SiteRole, Projection>> e : blocks.entrySet()) {
            if (e.getKey() != expected++) {
                throw notBert(source, "blocks are not numbered 0.." + (blocks.size() - 1) + ": " + blocks.keySet());
            }
            for (SiteRole role : ORDER) {
                if (!e.getValue().containsKey(role)) {
                    throw notBert(source, "block " + e.getKey() + " has no " + role.label() + " projection (found " + e.getValue().keySet() + ")");
                }
            }
        }
        return blocks;
    }

    /**
     * A MatMulNBits site: its codes as the frozen base, SVDQuant's input scale and the branch when present (float, or
     * dequantized from its codes).
     */
    private static Projection quantized(OnnxGraph graph, QuantizedSites.QuantizedSite q, String source) {
        LinearSite site = q.site();
        float[] scale = q.inputScale() == null ? null : graph.model.initializerFloats(q.inputScale());
        if (q.branchFirst() == null) {
            return new Projection(site.role(), site.block(), site, null, null, null, 0, bias(graph, site, source), null, null, q.weight(), scale);
        }
        if (q.firstCodes() != null) {
            // a branch in codes runs as its dequantized factors: A (out×r) and B (r×in) as the codes store them
            int r = q.firstCodes().rows();
            return new Projection(site.role(), site.block(), site, null, q.secondCodes().dequantize().data(), q.firstCodes().dequantize().data(), r,
                    bias(graph, site, source), q.branchFirst(), q.branchSecond(), q.weight(), scale);
        }
        long[] firstDims = graph.model.initializerShape(q.branchFirst());
        int r = (int) firstDims[1];
        return new Projection(site.role(), site.block(), site, null,
                transpose(graph.model.initializerFloats(q.branchSecond()), r, site.outFeatures()),
                transpose(graph.model.initializerFloats(q.branchFirst()), site.inFeatures(), r), r, bias(graph, site, source),
                q.branchFirst(), q.branchSecond(), q.weight(), scale);
    }

    /** The bias added to a site's output: a Gemm's C, or the 1-D initializer of the Add that follows. */
    private static float[] bias(OnnxGraph graph, LinearSite site, String source) {
        if (site.hasBias()) {
            int node = graph.producer(site.nodeOutput());
            return graph.model.initializerFloats(graph.node(node).getInput(2));
        }
        for (int i : graph.consumers(site.nodeOutput())) {
            NodeProto add = graph.node(i);
            if (add.getOpType().equals("Add")) {
                String other = OnnxGraph.other(add, site.nodeOutput());
                if (graph.isInitializer(other) && graph.model.initializerShape(other).length == 1
                        && graph.model.initializerShape(other)[0] == site.outFeatures()) {
                    return graph.model.initializerFloats(other);
                }
            }
        }
        throw notBert(source, site.name() + " (" + site.initializer() + ") has no bias Add after it");
    }

    /** Heads from the Reshape of the query (B, T, C) to (B, T, NH, D): its shape is a constant or a Concat. */
    private static int heads(OnnxGraph graph, Projection query, int channels, String source) {
        String value = query.last().nodeOutput();
        int add = graph.consumer(value, "Add");
        if (add >= 0) {
            value = graph.node(add).getOutput(0);
        }
        int reshape = graph.consumer(value, "Reshape");
        if (reshape >= 0) {
            String shape = graph.node(reshape).getInput(1);
            double[] dims = graph.constantValues(shape);
            int concat = graph.producer(shape);
            if (dims == null && concat >= 0 && graph.node(concat).getOpType().equals("Concat") && graph.node(concat).getInputCount() == 4) {
                double[] nh = graph.constantValues(graph.node(concat).getInput(2));
                double[] d = graph.constantValues(graph.node(concat).getInput(3));
                dims = nh == null || d == null ? null : new double[] {0, 0, nh[0], d[0]};
            }
            if (dims != null && dims.length == 4) {
                int heads = dims[2] > 0 ? (int) dims[2] : dims[3] > 0 ? channels / (int) dims[3] : -1;
                if (heads > 0 && channels % heads == 0) {
                    return heads;
                }
            }
        }
        throw notBert(source, "cannot find the number of attention heads (no constant (B, T, NH, D) Reshape of the query)");
    }

    private static MlpActivation gelu(OnnxGraph graph) {
        boolean erf = graph.nodes.stream().anyMatch(n -> n.getOpType().equals("Erf") || n.getOpType().equals("Gelu"));
        boolean tanh = graph.nodes.stream().anyMatch(n -> n.getOpType().equals("Tanh") || n.getOpType().equals("FastGelu"));
        return tanh && !erf ? MlpActivation.GELU_TANH : MlpActivation.GELU_ERF;
    }

    // ------------------------------------------------------------------ filling

    private static void fill(Parameter target, OnnxModel onnx, String initializer, Map<String, String> names) {
        copy(target.value(), onnx.initializerFloats(initializer), initializer);
        names.put(target.name(), initializer);
    }

    /** A table read whole; a quantized one is not mapped back to an initializer (its codes are not written back). */
    private static void fill(Parameter target, OnnxModel onnx, Table table, Map<String, String> names) {
        if (table.quantized()) {
            copy(target.value(), table.values(), table.initializer());
        } else {
            fill(target, onnx, table.initializer(), names);
        }
    }

    private static void fillNorm(LayerNorm norm, OnnxModel onnx, Norm found, Map<String, String> names) {
        fill(norm.weight(), onnx, found.gamma(), names);
        fill(norm.bias(), onnx, found.beta(), names);
    }

    private static void fillLinear(Linear linear, Projection p, Precision precision, String source, Map<String, String> names) {
        copy(linear.bias().value(), p.bias(), p.last().name() + " bias");
        if (p.denseOutIn() != null) {
            DenseWeight dense = (DenseWeight) linear.weight();
            copy(dense.weight().value(), p.denseOutIn(), p.last().initializer());
            names.put(dense.weight().name(), p.last().initializer());
            return;
        }
        if (p.quantized() != null && p.rank() == 0) {
            linear.setWeight(QuantizedWeight.of(linear.name(), p.quantized(), null, p.inputScale(), precision));
            return;
        }
        if (p.rank() < 1 || linear.inFeatures() * p.rank() != p.rightRIn().length || linear.outFeatures() * p.rank() != p.leftOutR().length) {
            throw notBert(source, p.last().name() + ": factors of rank " + p.rank() + " do not fit " + linear.outFeatures() + "x" + linear.inFeatures());
        }
        Parameter a = new Parameter(linear.name() + ".A", Tensor.zeros(precision, linear.outFeatures(), p.rank()));
        Parameter b = new Parameter(linear.name() + ".B", Tensor.zeros(precision, p.rank(), linear.inFeatures()));
        copy(a.value(), p.leftOutR(), p.last().initializer());
        copy(b.value(), p.rightRIn(), p.last().initializer());
        LowRankWeight factors = new LowRankWeight(a, b);
        linear.setWeight(p.quantized() == null ? factors : QuantizedWeight.of(linear.name(), p.quantized(), factors, p.inputScale(), precision));
        names.put(a.name(), p.secondFactor());
        names.put(b.name(), p.firstFactor());
    }

    private static void copy(Tensor target, float[] values, String what) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException(what + ": " + values.length + " values for a tensor of shape " + target.shapeString());
        }
        target.copyFrom(FloatTensor.wrap(values, target.shape()));
    }

    /** The transpose of a rows×cols row-major matrix. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = m[i * cols + j];
            }
        }
        return t;
    }

    private static IllegalArgumentException notBert(String source, String what) {
        return new IllegalArgumentException(source + " is not a BERT-family encoder this loader understands: " + what);
    }
}
