package org.lowrank4j.formats.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;

/**
 * Bounded searches along the data flow of a graph, used to recognise what a linear site does when node
 * names do not say. Searches never pass through a linear site (so they stay inside one layer) nor
 * through a MatMul of two activations (the attention products), and they follow only data inputs:
 * the shape input of a Reshape or the output of a Shape node is not data.
 */
final class GraphWalk {

    /** Operators that make a feed-forward layer nonlinear, including the pieces of decomposed GELU. */
    static final Set<String> ACTIVATIONS = Set.of("Erf", "Gelu", "FastGelu", "BiasGelu", "QuickGelu", "Relu",
            "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softplus", "Elu", "Selu", "Celu", "Mish");

    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Where", "Concat");
    private static final Set<String> METADATA = Set.of("Shape", "Size");

    /** A node reached by a search, with the input slots it was entered through (bit i = slot i). */
    record Visit(int node, int slots) {}

    private final List<NodeProto> nodes;
    private final Set<String> constants = new HashSet<>();
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<int[]>> consumers = new HashMap<>();
    private final Set<Integer> sites;

    GraphWalk(GraphProto graph, Set<Integer> siteNodes) {
        this.nodes = graph.getNodeList();
        this.sites = siteNodes;
        for (TensorProto tensor : graph.getInitializerList()) {
            constants.add(tensor.getName());
        }
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            for (String output : node.getOutputList()) {
                producer.put(output, i);
                if (node.getOpType().equals("Constant")) {
                    constants.add(output);
                }
            }
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                consumers.computeIfAbsent(node.getInput(slot), k -> new ArrayList<>()).add(new int[] {i, slot});
            }
        }
    }

    NodeProto node(int index) {
        return nodes.get(index);
    }

    boolean isConstant(String value) {
        return constants.contains(value);
    }

    boolean isSite(int node) {
        return sites.contains(node);
    }

    /** A MatMul of two non-constant operands, such as the attention scores q·kᵀ or probabilities·v. */
    boolean isActivationProduct(int index) {
        NodeProto node = nodes.get(index);
        return node.getOpType().equals("MatMul") && !sites.contains(index)
                && node.getInputCount() == 2 && !isConstant(node.getInput(0)) && !isConstant(node.getInput(1));
    }

    boolean isActivation(int index) {
        return ACTIVATIONS.contains(nodes.get(index).getOpType());
    }

    /** Nodes that read {@code value}, directly or through up to {@code maxDepth} data-flow steps. */
    List<Visit> forward(String value, int maxDepth) {
        Map<Integer, Integer> slots = new HashMap<>();
        List<Integer> order = new ArrayList<>();
        ArrayDeque<Object[]> queue = new ArrayDeque<>();
        queue.add(new Object[] {value, 0});
        Set<String> seen = new HashSet<>(Set.of(value));
        while (!queue.isEmpty()) {
            Object[] item = queue.poll();
            int depth = (Integer) item[1];
            for (int[] use : consumers.getOrDefault((String) item[0], List.of())) {
                int index = use[0];
                if (!isDataSlot(nodes.get(index), use[1])) {
                    continue;
                }
                if (!slots.containsKey(index)) {
                    order.add(index);
                }
                slots.merge(index, 1 << Math.min(use[1], 30), (a, b) -> a | b);
                if (isSite(index) || isActivationProduct(index) || depth + 1 >= maxDepth) {
                    continue;
                }
                for (String output : nodes.get(index).getOutputList()) {
                    if (seen.add(output)) {
                        queue.add(new Object[] {output, depth + 1});
                    }
                }
            }
        }
        return order.stream().map(i -> new Visit(i, slots.get(i))).toList();
    }

    /** Nodes whose data flows into {@code value} within {@code maxDepth} steps. */
    List<Visit> backward(String value, int maxDepth) {
        List<Visit> found = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        ArrayDeque<Object[]> queue = new ArrayDeque<>();
        queue.add(new Object[] {value, 0});
        while (!queue.isEmpty()) {
            Object[] item = queue.poll();
            Integer index = producer.get((String) item[0]);
            int depth = (Integer) item[1];
            if (index == null || !seen.add(index)) {
                continue;
            }
            found.add(new Visit(index, 0));
            if (isSite(index) || isActivationProduct(index) || depth + 1 >= maxDepth) {
                continue;
            }
            NodeProto node = nodes.get(index);
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                String input = node.getInput(slot);
                if (!input.isEmpty() && !isConstant(input) && isDataSlot(node, slot)) {
                    queue.add(new Object[] {input, depth + 1});
                }
            }
        }
        return found;
    }

    private static boolean isDataSlot(NodeProto node, int slot) {
        String op = node.getOpType();
        if (METADATA.contains(op)) {
            return false;
        }
        return slot == 0 || ELEMENTWISE.contains(op) || op.equals("MatMul") || op.equals("Gemm");
    }
}
