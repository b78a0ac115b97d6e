package org.lowrank4j.formats.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.lowrank4j.formats.onnx.proto.Onnx.AttributeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;

/**
 * The transformer blocks of a post-LayerNorm ONNX encoder (BERT, MiniLM, BGE exports) as residual-stream boundaries,
 * and the graph with whole blocks removed (HierarchicalPrune, docs/specs/hierarchical-prune.md).
 *
 * <p>Block j maps the residual stream {@code h_j} (B,T,C) to {@code h_{j+1}} (B,T,C). {@code h_j} is the value that the
 * query, key and value projections of block j all read, and that an {@code Add} (the attention residual) also reads;
 * {@code h_L} is the encoder output ({@code last_hidden_state}, else the first graph output). Removing block j rewires
 * every reader of {@code h_{j+1}} to {@code h_j}; nodes that no graph output depends on are then dropped with the
 * initializers only they read.
 */
public final class EncoderBlocks {

    /** One block: its index, the residual stream it reads ({@code h_j}) and the one it writes ({@code h_{j+1}}). */
    /**
     * The metadata key under which a pruned graph lists, one per line, the initializers of the original that went with
     * its removed blocks (so that a check pairing it with the original can tell a pruned model from a different one).
     */
    public static final String PRUNED_TENSORS = "lowrank4j.pruned_tensors";
    /** The metadata key listing, comma-separated, the original's indices of the blocks a pruned graph kept, in order. */
    public static final String KEPT_BLOCKS = "lowrank4j.kept_blocks";
    /** The metadata key of the original's per-block sensitivities (comma-separated), when pruning measured them. */
    public static final String BLOCK_SENSITIVITIES = "lowrank4j.block_sensitivities";

    public record Block(int index, String input, String output, long linearParameters) {
    }

    private EncoderBlocks() {
    }

    /**
     * The blocks of an encoder, in order.
     *
     * @throws IllegalArgumentException (one line, naming {@code what}) when the graph's blocks cannot be recognised
     */
    public static List<Block> find(OnnxModel model, String what) {
        List<LinearSite> sites = LinearSites.find(model);
        TreeMap<Integer, List<LinearSite>> byBlock = new TreeMap<>();
        for (LinearSite s : sites) {
            if (s.block() >= 0) {
                byBlock.computeIfAbsent(s.block(), k -> new ArrayList<>()).add(s);
            }
        }
        String refuse = what + ": cannot recognise its transformer blocks (";
        if (byBlock.isEmpty()) {
            throw new IllegalArgumentException(refuse + "no attention projections found); block pruning takes BERT-family encoders");
        }
        if (byBlock.firstKey() != 0 || byBlock.lastKey() != byBlock.size() - 1) {
            throw new IllegalArgumentException(refuse + "blocks numbered " + byBlock.keySet() + ", not 0.." + (byBlock.size() - 1) + ")");
        }
        Map<String, List<NodeProto>> readers = readers(model.graph());
        List<String> inputs = new ArrayList<>();
        Map<Integer, Long> parameters = new HashMap<>();
        for (var e : byBlock.entrySet()) {
            int j = e.getKey();
            String q = input(e.getValue(), SiteRole.ATTENTION_QUERY), k = input(e.getValue(), SiteRole.ATTENTION_KEY),
                    v = input(e.getValue(), SiteRole.ATTENTION_VALUE);
            if (q == null || !q.equals(k) || !q.equals(v)) {
                throw new IllegalArgumentException(refuse + "block " + j + "'s query, key and value projections do not all read one value)");
            }
            boolean residual = readers.getOrDefault(q, List.of()).stream().anyMatch(n -> n.getOpType().equals("Add"));
            if (!residual) {
                throw new IllegalArgumentException(refuse + "block " + j + "'s attention input " + q + " feeds no residual Add; only"
                        + " post-LayerNorm encoders are supported)");
            }
            inputs.add(q);
            parameters.put(j, e.getValue().stream().mapToLong(LinearSite::parameterCount).sum());
        }
        List<String> outputs = model.graphOutputNames();
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException(refuse + "the graph has no output)");
        }
        String last = outputs.contains("last_hidden_state") ? "last_hidden_state" : outputs.get(0);
        List<Block> blocks = new ArrayList<>();
        for (int j = 0; j < inputs.size(); j++) {
            blocks.add(new Block(j, inputs.get(j), j + 1 < inputs.size() ? inputs.get(j + 1) : last, parameters.get(j)));
        }
        return blocks;
    }

    private static String input(List<LinearSite> block, SiteRole role) {
        return block.stream().filter(s -> s.role() == role).map(LinearSite::input).findFirst().orElse(null);
    }

    /**
     * A copy of the model without the given blocks (the model itself is not changed).
     *
     * @param blocks  {@link #find} of this model
     * @param removed indices of the blocks to remove; at least one block must stay
     * @throws IllegalArgumentException for an index out of range, no block kept, or a graph whose removed blocks stay
     *                                  reachable (their blocks were not what {@link #find} recognised)
     */
    public static OnnxModel withoutBlocks(OnnxModel model, List<Block> blocks, Collection<Integer> removed) {
        TreeSet<Integer> gone = new TreeSet<>(removed);
        if (gone.isEmpty() || gone.first() < 0 || gone.last() >= blocks.size()) {
            throw new IllegalArgumentException("blocks to remove must be among 0.." + (blocks.size() - 1) + ", got " + removed);
        }
        if (gone.size() >= blocks.size()) {
            throw new IllegalArgumentException("removing blocks " + gone + " would leave none of the " + blocks.size());
        }
        OnnxModel copy = OnnxModel.of(model.toProto());
        GraphProto.Builder graph = copy.graphBuilder();
        for (int j : gone.descendingSet()) {
            rewire(copy, graph, blocks.get(j).output(), blocks.get(j).input());
        }
        Set<String> before = new java.util.LinkedHashSet<>(copy.initializerNames());
        dropDeadNodes(copy, graph);
        before.removeAll(copy.initializerNames());
        String earlier = copy.metadata().get(PRUNED_TENSORS);
        if (earlier != null && !earlier.isEmpty()) {
            before.addAll(List.of(earlier.split("\n")));
        }
        copy.putMetadata(PRUNED_TENSORS, String.join("\n", before));
        List<String> kept = new ArrayList<>();
        String earlierKept = copy.metadata().get(KEPT_BLOCKS);
        List<String> original = earlierKept == null || earlierKept.isEmpty() ? null : List.of(earlierKept.split(","));
        for (int j = 0; j < blocks.size(); j++) {
            if (!gone.contains(j)) {
                kept.add(original == null ? Integer.toString(j) : original.get(j));
            }
        }
        copy.putMetadata(KEPT_BLOCKS, String.join(",", kept));
        Set<String> left = new HashSet<>();
        graph.getNodeList().forEach(n -> left.add(n.getName()));
        for (LinearSite s : LinearSites.find(model)) {
            if (gone.contains(s.block()) && !s.nodeName().isEmpty() && left.contains(s.nodeName())) {
                throw new IllegalArgumentException("cannot remove block " + s.block() + ": its " + s.role().label() + " projection is still"
                        + " needed by the graph's outputs, so its blocks are not what was recognised");
            }
        }
        return copy;
    }

    /** Every reader of {@code from} reads {@code to}; a graph output {@code from} becomes {@code Identity(to)}. */
    private static void rewire(OnnxModel model, GraphProto.Builder graph, String from, String to) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            if (node.getInputList().contains(from)) {
                NodeProto.Builder b = node.toBuilder();
                for (int s = 0; s < b.getInputCount(); s++) {
                    if (b.getInput(s).equals(from)) {
                        b.setInput(s, to);
                    }
                }
                graph.setNode(i, b.build());
            }
        }
        if (!model.graphOutputNames().contains(from)) {
            return;
        }
        int producer = model.producerIndex(from);
        String dead = model.uniqueName(from + ".pruned");
        NodeProto.Builder p = graph.getNode(producer).toBuilder();
        for (int s = 0; s < p.getOutputCount(); s++) {
            if (p.getOutput(s).equals(from)) {
                p.setOutput(s, dead);
            }
        }
        graph.setNode(producer, p.build());
        int after = model.producerIndex(to) + 1; // 0 when `to` is a graph input
        NodeProto identity = NodeProto.newBuilder().setOpType("Identity").setName(model.uniqueName(from + "/pruned_identity"))
                .addInput(to).addOutput(from).build();
        graph.addNode(after, identity);
    }

    /** Removes nodes no graph output depends on, then the initializers and value_info entries nothing reads. */
    private static void dropDeadNodes(OnnxModel model, GraphProto.Builder graph) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String out : graph.getNode(i).getOutputList()) {
                producer.put(out, i);
            }
            for (AttributeProto a : graph.getNode(i).getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    throw new IllegalArgumentException("the graph holds control flow (" + graph.getNode(i).getOpType() + "); block pruning"
                            + " takes plain encoder graphs");
                }
            }
        }
        Set<Integer> live = new HashSet<>();
        ArrayDeque<String> queue = new ArrayDeque<>(model.graphOutputNames());
        while (!queue.isEmpty()) {
            Integer i = producer.get(queue.poll());
            if (i != null && live.add(i)) {
                queue.addAll(graph.getNode(i).getInputList());
            }
        }
        for (int i = graph.getNodeCount() - 1; i >= 0; i--) {
            if (!live.contains(i)) {
                graph.removeNode(i);
            }
        }
        Set<String> read = new HashSet<>(model.graphOutputNames());
        Set<String> produced = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            read.addAll(n.getInputList());
            produced.addAll(n.getOutputList());
        }
        for (String name : model.initializerNames()) {
            if (!read.contains(name)) {
                model.removeInitializer(name);
            }
        }
        for (int i = graph.getValueInfoCount() - 1; i >= 0; i--) {
            if (!produced.contains(graph.getValueInfo(i).getName())) {
                graph.removeValueInfo(i);
            }
        }
    }

    private static Map<String, List<NodeProto>> readers(GraphProto graph) {
        Map<String, List<NodeProto>> readers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        return readers;
    }
}
