package org.lowrank4j.nn.generate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.KVCache;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * The plumbing every decoder-only architecture shares: token embedding, a stack of pre-norm blocks, a final norm and
 * the output projection, run in order forward, in reverse backward, and one block at a time against a KV cache.
 * Architectures (LLaMA, GPT-2) build the layers with their own names and shapes and delegate here.
 */
public final class DecoderStack {
    private final Embedding embedding;       // (V, C) token table, optional positions
    private final List<PreNormBlock> blocks;
    private final Layer finalNorm;           // (C)
    private final Linear head;               // (V, C), possibly sharing the embedding table
    private final LogitShaping shaping;      // what is done to the output projection's logits (Granite, Gemma 2), or null

    public DecoderStack(Embedding embedding, List<PreNormBlock> blocks, Layer finalNorm, Linear head) {
        this(embedding, blocks, finalNorm, head, null);
    }

    /** With the output projection's logits shaped by {@code shaping} (divided, soft-capped; null: as they are). */
    public DecoderStack(Embedding embedding, List<PreNormBlock> blocks, Layer finalNorm, Linear head, LogitShaping shaping) {
        this.embedding = embedding;
        this.blocks = List.copyOf(blocks);
        this.finalNorm = finalNorm;
        this.head = head;
        this.shaping = shaping;
    }

    /** What is done to the output projection's logits, or null. */
    public LogitShaping logitShaping() {
        return shaping;
    }

    /** The output projection of features (B,T,C), shaped where the model shapes its logits; kept for backward. */
    private Tensor logits(Tensor features) {
        Tensor z = head.forward(features);
        return shaping == null ? z : shaping.forward(z);
    }

    /** The gradient at the output projection's input for the gradient at the (shaped) logits of the latest forward. */
    private Tensor backLogits(Tensor dlogits) {
        return head.backward(shaping == null ? dlogits : shaping.backward(dlogits));
    }

    /** Logits (B,T,V) for token ids (B·T); {@code startPosition} offsets learned position embeddings. */
    public Tensor forward(int[] ids, int batch, int time, int startPosition) {
        return forward(ids, batch, time, startPosition, (block, x) -> block.forward(x, null));
    }

    /** How one block turns its input (B,T,C) into its output: its own forward, or another evaluator of the same block. */
    public interface BlockRunner {
        Tensor run(PreNormBlock block, Tensor x);
    }

    /** {@link #forward(int[], int, int, int)} with every block run by {@code runner}. */
    public Tensor forward(int[] ids, int batch, int time, int startPosition, BlockRunner runner) {
        return logits(forwardFeatures(ids, batch, time, startPosition, runner)); // (B,T,V)
    }

    /** {@link #forward(int[], int, int, int, BlockRunner)} without the output projection: the final norm's output (B,T,C). */
    public Tensor forwardFeatures(int[] ids, int batch, int time, int startPosition, BlockRunner runner) {
        Tensor x = embedding.forward(ids, null, batch, time, startPosition); // (B,T,C)
        for (PreNormBlock block : blocks) {
            x = runner.run(block, x);
        }
        return finalNorm.forward(x);
    }

    /**
     * Runs only the embedding and the first {@code blockCount} blocks and returns the last one's output (B,T,C): enough
     * to refresh the inputs of those blocks' layers (the later blocks keep the inputs of an earlier pass).
     */
    public Tensor forwardBlocks(int[] ids, int batch, int time, int startPosition, int blockCount) {
        if (blockCount < 1 || blockCount > blocks.size()) {
            throw new IllegalArgumentException("block count " + blockCount + " is outside [1, " + blocks.size() + "]");
        }
        Tensor x = embedding.forward(ids, null, batch, time, startPosition);
        for (int i = 0; i < blockCount; i++) {
            x = blocks.get(i).forward(x, null);
        }
        return x;
    }

    /**
     * {@link #forward}, also returning what distillation matches: elements 0..L−1 are the (B,T,C) outputs of the blocks,
     * element L the logits (B,T,V). The tensors are those the next layer keeps for its backward pass: do not modify them.
     */
    public List<Tensor> forwardHiddenStates(int[] ids, int batch, int time, int startPosition) {
        Tensor x = embedding.forward(ids, null, batch, time, startPosition);
        List<Tensor> out = new ArrayList<>(blocks.size() + 1);
        for (PreNormBlock block : blocks) {
            x = block.forward(x, null);
            out.add(x);
        }
        out.add(logits(finalNorm.forward(x)));
        return out;
    }

    /**
     * Back through the stack with gradients entering at the logits ({@code dlogits}, or null) and at the output of each
     * block ({@code blockGradients.get(l)} (B,T,C), or null) of the latest {@link #forwardHiddenStates}; adds into every
     * parameter gradient. The given tensors are not modified.
     */
    public void backward(List<Tensor> blockGradients, Tensor dlogits) {
        if (blockGradients.size() != blocks.size()) {
            throw new IllegalArgumentException(blockGradients.size() + " block gradients for " + blocks.size() + " blocks");
        }
        Tensor dx = dlogits == null ? null : finalNorm.backward(backLogits(dlogits));
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Tensor entering = blockGradients.get(i);
            if (entering != null) {
                if (dx == null) {
                    dx = entering.copy();
                } else {
                    Kernels.of(dx).addInPlace(dx, entering);
                }
            }
            if (dx != null) {
                dx = backwardThrough(i, dx);
            }
        }
        if (dx != null) {
            embedding.backward(dx);
        }
    }

    /** Block i's backward; for the lowest block over a frozen embedding, without the input gradient nothing would use (null). */
    private Tensor backwardThrough(int i, Tensor dout) {
        if (i == 0 && embedding.parameters().stream().allMatch(Parameter::isFrozen)) {
            blocks.get(0).backwardParameters(dout);
            return null;
        }
        return blocks.get(i).backward(dout);
    }

    /** Adds the gradients of every parameter for the upstream gradient of the last forward's logits. */
    public void backward(Tensor dlogits) {
        backwardFeatures(backLogits(dlogits));
    }

    /**
     * Adds the gradients of every parameter below the output projection for the upstream gradient of the last forward's
     * final-norm output (B,T,C) (the caller ran the projection, and its backward, itself).
     */
    public void backwardFeatures(Tensor dfeatures) {
        Tensor dx = finalNorm.backward(dfeatures);
        for (int i = blocks.size() - 1; i >= 0; i--) {
            dx = backwardThrough(i, dx);
        }
        if (dx != null) {
            embedding.backward(dx);
        }
    }

    public DecoderCache newCache(int batch, int capacity) {
        List<KVCache> caches = new ArrayList<>();
        for (PreNormBlock block : blocks) {
            caches.add(block.attention().newCache(batch, capacity));
        }
        return new DecoderCache(caches);
    }

    /** Runs new tokens through the blocks against the cache; {@code startPosition} offsets learned positions. */
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache, int startPosition) {
        Tensor z = head.forward(decodeFeatures(ids, batch, time, cache, startPosition));
        return shaping == null ? z : shaping.apply(z);
    }

    /** {@link #decode} without the output projection: the final norm's output (B,T,C). */
    public Tensor decodeFeatures(int[] ids, int batch, int time, DecoderCache cache, int startPosition) {
        if (cache.layerCount() != blocks.size()) {
            throw new IllegalArgumentException("cache of " + cache.layerCount() + " layers for a model of " + blocks.size());
        }
        Tensor x = embedding.forward(ids, null, batch, time, startPosition);
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).decode(x, cache.layer(i));
        }
        return finalNorm.forward(x);
    }

    /** Every parameter once (a tied output projection shares the embedding table). */
    public List<Parameter> parameters() {
        LinkedHashSet<Parameter> out = new LinkedHashSet<>(embedding.parameters());
        for (PreNormBlock block : blocks) {
            out.addAll(block.parameters());
        }
        out.addAll(finalNorm.parameters());
        out.addAll(head.parameters());
        return List.copyOf(out);
    }
}
