package org.lowrank4j.formats.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lowrank4j.formats.onnx.GraphWalk.Visit;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Finds the linear sites of an ONNX graph: every MatMul whose second input is a 2-D floating-point
 * initializer, and every Gemm (without transA) whose B is one.
 *
 * <p>Each site gets a role and a block index. When the node name says them (exporters write names like
 * {@code /encoder/layer.3/attention/self/query/MatMul} or {@code /model/layers.3/mlp/down_proj/MatMul})
 * they are taken from it. Otherwise they come from the graph: sites that share an input and feed the two
 * sides of an activation-by-activation MatMul are query (left) and key (right); the one feeding the
 * second such product is the value; the site reading that product back is the attention output; a site
 * whose output reaches an activation function is the feed-forward up projection and one whose input
 * comes from an activation is the down projection. Blocks are counted by attention groups in graph order.
 * Sites are named {@code block 3 attention.query}, {@code block 3 ffn.up}, ... and listed in graph order.
 */
public final class LinearSites {

    /** Sites with fewer rows or columns than this are skipped by default: factorising them gains nothing. */
    public static final int DEFAULT_MIN_FEATURES = 16;

    private static final int SEARCH_DEPTH = 12;
    private static final Pattern BLOCK = Pattern.compile("(?:^|[/._])(?:layers?|h|blocks?)[._/]?(\\d+)(?=[/._]|$)");
    private static final Pattern SEPARATORS = Pattern.compile("[/.:\\-\\s]+");

    private LinearSites() {}

    private record Candidate(int node, String input, String initializer, int in, int out, boolean transposed,
            boolean hasBias, DataType type) {}

    private record Placement(SiteRole role, int block) {}

    /** The sites of the model with at least {@link #DEFAULT_MIN_FEATURES} rows and columns. */
    public static List<LinearSite> find(OnnxModel model) {
        return find(model, DEFAULT_MIN_FEATURES);
    }

    /**
     * The sites of the model whose weight has at least {@code minFeatures} rows and columns, in graph order.
     */
    public static List<LinearSite> find(OnnxModel model, int minFeatures) {
        if (minFeatures < 1) {
            throw new IllegalArgumentException("minFeatures must be at least 1, got " + minFeatures);
        }
        GraphProto graph = model.graph();
        List<Candidate> candidates = candidates(graph);
        Set<Integer> siteNodes = new HashSet<>();
        candidates.forEach(c -> siteNodes.add(c.node()));
        Map<Integer, Placement> structural = placeByStructure(new GraphWalk(graph, siteNodes), candidates);

        List<LinearSite> sites = new ArrayList<>();
        Map<String, Integer> nameCounts = new HashMap<>();
        for (Candidate c : candidates) {
            if (Math.min(c.in(), c.out()) < minFeatures) {
                continue;
            }
            NodeProto node = graph.getNode(c.node());
            Placement placement = placeByName(node.getName());
            if (placement == null) {
                placement = structural.get(c.node());
            }
            String label = placement.role() == SiteRole.OTHER
                    ? "other (" + (node.getName().isEmpty() ? c.initializer() : node.getName()) + ")"
                    : placement.role().label();
            String name = placement.block() >= 0 ? "block " + placement.block() + " " + label : label;
            int seen = nameCounts.merge(name, 1, Integer::sum);
            if (seen > 1) {
                name = name + " #" + seen;
            }
            sites.add(new LinearSite(name, placement.block(), placement.role(), node.getName(), node.getOutput(0),
                    node.getOpType(), c.input(), c.initializer(), c.in(), c.out(), c.transposed(), c.hasBias(), c.type()));
        }
        return sites;
    }

    /**
     * A site described from outside the MatMul/Gemm search (a quantized node read back by {@link QuantizedSites}): role
     * and block from the node's name alone (the structural fallback needs the float graph), OTHER and -1 when the name
     * says nothing; no bias of its own, weight type FLOAT (what it computes in).
     */
    static LinearSite named(String nodeName, String opType, String input, String output, String initializer, int in, int out) {
        Placement placement = placeByName(nodeName);
        if (placement == null) {
            placement = new Placement(SiteRole.OTHER, -1);
        }
        String label = placement.role() == SiteRole.OTHER ? "other (" + nodeName + ")" : placement.role().label();
        String name = placement.block() >= 0 ? "block " + placement.block() + " " + label : label;
        return new LinearSite(name, placement.block(), placement.role(), nodeName, output, opType, input, initializer, in, out, false, false,
                DataType.FLOAT);
    }

    // ------------------------------------------------------------------ detection

    private static List<Candidate> candidates(GraphProto graph) {
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            initializers.put(tensor.getName(), tensor);
        }
        List<Candidate> found = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            String op = node.getOpType();
            boolean standardDomain = node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
            if (!standardDomain || node.getInputCount() < 2 || node.getOutputCount() < 1
                    || !(op.equals("MatMul") || op.equals("Gemm"))) {
                continue;
            }
            TensorProto weight = initializers.get(node.getInput(1));
            if (weight == null || weight.getDimsCount() != 2 || initializers.containsKey(node.getInput(0))) {
                continue;
            }
            DataType type = DataType.forNumber(weight.getDataType());
            if (type != DataType.FLOAT && type != DataType.FLOAT16 && type != DataType.BFLOAT16) {
                continue;
            }
            long rows = weight.getDims(0);
            long cols = weight.getDims(1);
            if (rows <= 0 || cols <= 0 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
                continue;
            }
            boolean transposed = false;
            boolean hasBias = false;
            if (op.equals("Gemm")) {
                if (intAttribute(node, "transA") != 0) {
                    continue;
                }
                transposed = intAttribute(node, "transB") != 0;
                hasBias = node.getInputCount() >= 3 && !node.getInput(2).isEmpty();
            }
            int in = (int) (transposed ? cols : rows);
            int out = (int) (transposed ? rows : cols);
            found.add(new Candidate(i, node.getInput(0), weight.getName(), in, out, transposed, hasBias, type));
        }
        return found;
    }

    static long intAttribute(NodeProto node, String name) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute.getI();
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ placement from node names

    /** Role and block from an exporter's node name, or null when the name does not tell both. */
    private static Placement placeByName(String nodeName) {
        String lower = nodeName.toLowerCase(java.util.Locale.ROOT);
        Matcher block = BLOCK.matcher(lower);
        if (!block.find()) {
            return null;
        }
        // A name may repeat a word ("/layers.1/mlp/mlp/...") and its number may not fit in an int: neither is an error.
        Set<String> tokens = new HashSet<>(List.of(SEPARATORS.split(lower)));
        SiteRole role = roleFromTokens(tokens);
        String digits = block.group(1);
        if (role == null || digits.length() > 9) {
            return null;
        }
        return new Placement(role, Integer.parseInt(digits));
    }

    private static SiteRole roleFromTokens(Set<String> t) {
        boolean attention = has(t, "attention", "attn", "self_attn", "selfattention", "self_attention", "mha");
        if (has(t, "query", "q_proj", "q", "wq", "q_lin")) {
            return SiteRole.ATTENTION_QUERY;
        }
        if (has(t, "key", "k_proj", "k", "wk", "k_lin")) {
            return SiteRole.ATTENTION_KEY;
        }
        if (has(t, "value", "v_proj", "v", "wv", "v_lin")) {
            return SiteRole.ATTENTION_VALUE;
        }
        if (attention && has(t, "o_proj", "out_proj", "o", "wo", "c_proj", "dense", "output", "out_lin")) {
            return SiteRole.ATTENTION_OUTPUT;
        }
        if (attention) {
            return null; // e.g. a fused qkv projection: let the structure decide
        }
        if (has(t, "gate_proj", "gate", "w_gate")) {
            return SiteRole.FFN_GATE;
        }
        if (has(t, "intermediate", "up_proj", "up", "fc1", "c_fc", "wi", "fc_in", "lin1", "w_in")) {
            return SiteRole.FFN_UP;
        }
        if (has(t, "down_proj", "down", "fc2", "fc_out", "lin2", "w_out", "wo", "c_proj")
                || (t.contains("output") && t.contains("dense"))) {
            return SiteRole.FFN_DOWN;
        }
        return null;
    }

    private static boolean has(Set<String> tokens, String... words) {
        for (String word : words) {
            if (tokens.contains(word)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ placement from graph structure

    private static Map<Integer, Placement> placeByStructure(GraphWalk walk, List<Candidate> candidates) {
        Map<Integer, SiteRole> roles = new HashMap<>();
        Map<Integer, List<Visit>> downstream = new HashMap<>();
        Map<String, List<Candidate>> byInput = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            downstream.put(c.node(), walk.forward(walk.node(c.node()).getOutput(0), SEARCH_DEPTH));
            byInput.computeIfAbsent(c.input(), k -> new ArrayList<>()).add(c);
        }

        // Attention: q and k enter the first activation product (left and right), v enters a later one.
        Set<Integer> valueProducts = new HashSet<>();
        for (List<Candidate> group : byInput.values()) {
            Map<Integer, Visit> firstProduct = new HashMap<>();
            int scores = Integer.MAX_VALUE;
            for (Candidate c : group) {
                for (Visit v : downstream.get(c.node())) {
                    if (walk.isActivationProduct(v.node())) {
                        firstProduct.merge(c.node(), v, (a, b) -> a.node() <= b.node() ? a : b);
                    }
                }
                if (firstProduct.containsKey(c.node())) {
                    scores = Math.min(scores, firstProduct.get(c.node()).node());
                }
            }
            Map<Integer, SiteRole> found = new HashMap<>();
            for (Candidate c : group) {
                Visit v = firstProduct.get(c.node());
                if (v == null) {
                    continue;
                }
                if (v.node() == scores && v.slots() == 1) {
                    found.put(c.node(), SiteRole.ATTENTION_QUERY);
                } else if (v.node() == scores && v.slots() == 2) {
                    found.put(c.node(), SiteRole.ATTENTION_KEY);
                } else if (v.node() > scores && v.slots() == 2) {
                    found.put(c.node(), SiteRole.ATTENTION_VALUE);
                }
            }
            if (found.containsValue(SiteRole.ATTENTION_QUERY) && found.containsValue(SiteRole.ATTENTION_KEY)) {
                roles.putAll(found);
                found.forEach((node, role) -> {
                    if (role == SiteRole.ATTENTION_VALUE) {
                        valueProducts.add(firstProduct.get(node).node());
                    }
                });
            }
        }
        // The attention output projection reads the probabilities·v product.
        for (Candidate c : candidates) {
            if (!roles.containsKey(c.node()) && walk.backward(c.input(), SEARCH_DEPTH).stream()
                    .anyMatch(v -> valueProducts.contains(v.node()))) {
                roles.put(c.node(), SiteRole.ATTENTION_OUTPUT);
            }
        }
        // Feed-forward: up leads into an activation and on to another site; down comes out of an activation.
        for (Candidate c : candidates) {
            List<Visit> after = downstream.get(c.node());
            if (!roles.containsKey(c.node()) && reaches(walk, after, true) && reaches(walk, after, false)) {
                roles.put(c.node(), SiteRole.FFN_UP);
            }
        }
        for (Candidate c : candidates) {
            List<Visit> before = walk.backward(c.input(), SEARCH_DEPTH);
            if (!roles.containsKey(c.node()) && reaches(walk, before, true) && reaches(walk, before, false)) {
                roles.put(c.node(), SiteRole.FFN_DOWN);
            }
        }
        markGates(roles, byInput, downstream, walk);

        // Blocks start at each attention group (or, without attention, at each feed-forward input).
        TreeSet<Integer> anchors = anchors(roles, byInput, true);
        if (anchors.isEmpty()) {
            anchors = anchors(roles, byInput, false);
        }
        Map<Integer, Placement> placements = new HashMap<>();
        for (Candidate c : candidates) {
            int block = anchors.headSet(c.node(), true).size() - 1;
            placements.put(c.node(), new Placement(roles.getOrDefault(c.node(), SiteRole.OTHER), block));
        }
        return placements;
    }

    /** Whether the visits include an activation function (or, with {@code activation} false, a site). */
    private static boolean reaches(GraphWalk walk, List<Visit> visits, boolean activation) {
        return visits.stream().anyMatch(v -> activation ? walk.isActivation(v.node()) : walk.isSite(v.node()));
    }

    /**
     * In a gated feed-forward layer two sites share an input and meet at the down projection; only the gate
     * passes through the activation. Found as up (activation) beside an unplaced sibling: gate and up.
     */
    private static void markGates(Map<Integer, SiteRole> roles, Map<String, List<Candidate>> byInput,
            Map<Integer, List<Visit>> downstream, GraphWalk walk) {
        for (List<Candidate> group : byInput.values()) {
            for (Candidate gate : group) {
                if (roles.get(gate.node()) != SiteRole.FFN_UP) {
                    continue;
                }
                Set<Integer> gateSites = sitesIn(walk, downstream.get(gate.node()));
                for (Candidate up : group) {
                    if (!roles.containsKey(up.node()) && sitesIn(walk, downstream.get(up.node())).stream()
                            .anyMatch(gateSites::contains)) {
                        roles.put(gate.node(), SiteRole.FFN_GATE);
                        roles.put(up.node(), SiteRole.FFN_UP);
                    }
                }
            }
        }
    }

    private static Set<Integer> sitesIn(GraphWalk walk, List<Visit> visits) {
        Set<Integer> found = new HashSet<>();
        visits.stream().filter(v -> walk.isSite(v.node())).forEach(v -> found.add(v.node()));
        return found;
    }

    private static TreeSet<Integer> anchors(Map<Integer, SiteRole> roles, Map<String, List<Candidate>> byInput,
            boolean attention) {
        Set<SiteRole> starters = attention
                ? Set.of(SiteRole.ATTENTION_QUERY, SiteRole.ATTENTION_KEY, SiteRole.ATTENTION_VALUE)
                : Set.of(SiteRole.FFN_UP, SiteRole.FFN_GATE);
        TreeSet<Integer> anchors = new TreeSet<>();
        for (List<Candidate> group : byInput.values()) {
            group.stream().filter(c -> starters.contains(roles.getOrDefault(c.node(), SiteRole.OTHER)))
                    .mapToInt(Candidate::node).min()
                    .ifPresent(anchors::add);
        }
        return anchors;
    }
}
