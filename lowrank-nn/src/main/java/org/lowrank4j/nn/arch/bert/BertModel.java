package org.lowrank4j.nn.arch.bert;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.lowrank4j.nn.Module;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PostNormBlock;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Kernels;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A BERT encoder without head: {@code h = LayerNorm(word[ids] + position[t] + type[types])}, then L post-norm
 * blocks (bidirectional attention with a key padding mask, erf-GELU MLP: {@link GeluMlp}); the output is {@code last_hidden_state}
 * (B,T,C). Forward keeps what {@link #backward} needs, so one model serves inference and gradient work (Fisher
 * statistics, recovery training); float32 is the runtime, float64 the finite-difference oracle.
 *
 * <p>Every matrix product runs over all B·T tokens at once (one GEMM per projection); attention is one pair of
 * GEMMs per (batch, head) on views of the head-major tensors. Build one with {@link #zeros} and fill it, or load
 * it with {@link BertSafetensors} or {@link BertOnnx}.
 */
public final class BertModel implements Module {
    private final BertConfig config;
    private final Precision precision;
    private final Embedding embedding;          // word (V,C), position (P,C), type (TV,C)
    private final LayerNorm embeddingNorm;      // (C)
    private final List<PostNormBlock> blocks;   // L blocks
    private int[] mask;                         // (B·T) of the latest forward, or null

    private BertModel(BertConfig config, Precision precision) {
        this.config = config;
        this.precision = precision;
        int c = config.hiddenSize();
        this.embedding = new Embedding("embeddings", config.vocabSize(), c, config.maxPositions(), config.typeVocabSize(), precision);
        this.embeddingNorm = new LayerNorm("embeddings.norm", c, config.layerNormEps(), true, precision);
        List<PostNormBlock> list = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            list.add(block("layers." + l, config, precision));
        }
        this.blocks = Collections.unmodifiableList(list);
    }

    private static PostNormBlock block(String name, BertConfig config, Precision precision) {
        int c = config.hiddenSize();
        return new PostNormBlock(Attention.dense(name + ".attn", c, config.heads(), config.heads(), true, false, null, precision),
                new LayerNorm(name + ".attn_norm", c, config.layerNormEps(), true, precision),
                new GeluMlp(Linear.dense(name + ".mlp.up", c, config.intermediateSize(), true, precision),
                        Linear.dense(name + ".mlp.down", config.intermediateSize(), c, true, precision), config.gelu()),
                new LayerNorm(name + ".mlp_norm", c, config.layerNormEps(), true, precision));
    }

    /** A model of this shape with zero weights (norm weights 1), dense projections. */
    public static BertModel zeros(BertConfig config, Precision precision) {
        return new BertModel(config, precision);
    }

    public BertConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    public Embedding embedding() {
        return embedding;
    }

    public LayerNorm embeddingNorm() {
        return embeddingNorm;
    }

    /** The encoder blocks, in order (unmodifiable; their layers are mutable, e.g. {@link Linear#setWeight}). */
    public List<PostNormBlock> blocks() {
        return blocks;
    }

    /** The six projections of block {@code layer}: query, key, value, attention output, MLP up, MLP down. */
    public List<Linear> linears(int layer) {
        PostNormBlock b = blocks.get(layer);
        GeluMlp mlp = (GeluMlp) b.mlp();
        Attention a = b.attention();
        return List.of(a.query(), a.key(), a.value(), a.output(), mlp.up(), mlp.down());
    }

    /**
     * last_hidden_state of a padded batch.
     *
     * @param ids           (B·T) token ids, row-major by sequence
     * @param tokenTypes    (B·T) segment ids, or null for all 0 (ignored when the model has no type table)
     * @param attentionMask (B·T) 1 for a real token, 0 for padding; or null for no padding
     * @return (B, T, C); rows at padding positions are computed but meaningless
     */
    public Tensor forward(int[] ids, int[] tokenTypes, int[] attentionMask, int batch, int time) {
        List<Tensor> states = forwardHiddenStates(ids, tokenTypes, attentionMask, batch, time);
        return states.get(states.size() - 1);
    }

    /**
     * {@link #forward}, returning the output of every block: element l is the (B, T, C) output of block l, the last
     * one is last_hidden_state (what distillation matches layer by layer). The tensors are those the next block
     * keeps for its backward pass: read them, do not modify them.
     */
    public List<Tensor> forwardHiddenStates(int[] ids, int[] tokenTypes, int[] attentionMask, int batch, int time) {
        return forwardBlocks(ids, tokenTypes, attentionMask, batch, time, blocks.size());
    }

    /**
     * {@link #forwardHiddenStates} through the first {@code blockCount} blocks only: enough to refresh the inputs of
     * those blocks' layers (the later blocks keep the inputs of an earlier pass).
     */
    public List<Tensor> forwardBlocks(int[] ids, int[] tokenTypes, int[] attentionMask, int batch, int time, int blockCount) {
        if (blockCount < 1 || blockCount > blocks.size()) {
            throw new IllegalArgumentException("BERT: block count " + blockCount + " is outside [1, " + blocks.size() + "]");
        }
        checkBatch(ids, attentionMask, batch, time);
        mask = attentionMask == null ? null : attentionMask.clone();
        Tensor x = embedding.forward(ids, embedding.type() == null ? null : tokenTypes, batch, time, 0); // (B,T,C)
        x = embeddingNorm.forward(x);
        List<Tensor> states = new ArrayList<>(blockCount);
        for (PostNormBlock block : blocks.subList(0, blockCount)) {
            x = block.forward(x, mask);
            states.add(x);
        }
        return states;
    }

    /**
     * last_hidden_state like {@link #forward}, for inference only: keeps no activations (a later {@link #backward},
     * and the inputs calibration reads from each {@link Linear#lastInput}, still refer to the latest {@link #forward}).
     * A float32 model of the BERT shape runs fused kernels ({@link BertInference}), equal to {@link #forward} up to
     * float32 rounding; anything else runs {@link #forward}.
     */
    public Tensor infer(int[] ids, int[] tokenTypes, int[] attentionMask, int batch, int time) {
        if (!BertInference.supports(this)) {
            return forward(ids, tokenTypes, attentionMask, batch, time);
        }
        checkBatch(ids, attentionMask, batch, time);
        return BertInference.forward(this, ids, tokenTypes, attentionMask, batch, time);
    }

    private void checkBatch(int[] ids, int[] attentionMask, int batch, int time) {
        if (batch < 1 || time < 1 || ids == null || ids.length != batch * time) {
            throw new IllegalArgumentException("BERT: " + (ids == null ? "no" : ids.length) + " token ids do not form a ("
                    + batch + ", " + time + ") batch");
        }
        if (time > config.maxPositions()) {
            throw new IllegalArgumentException("BERT: sequence length " + time + " exceeds the " + config.maxPositions() + " positions of the model");
        }
        if (attentionMask != null && attentionMask.length != ids.length) {
            throw new IllegalArgumentException("BERT: attention mask of length " + attentionMask.length + " for " + ids.length + " tokens");
        }
    }

    /**
     * Back through the whole model from {@code dout} (B,T,C), the gradient of the loss with respect to the output of
     * the latest {@link #forward}: adds into every parameter gradient (zero them first with {@link #zeroGradients()}).
     */
    public void backward(Tensor dout) {
        Tensor d = dout;
        for (int l = blocks.size() - 1; l >= 0; l--) {
            d = blocks.get(l).backward(d);
        }
        d = embeddingNorm.backward(d);
        embedding.backward(d);
    }

    /**
     * Back through the whole model with a gradient entering at the output of every block: {@code blockGradients.get(l)}
     * is the gradient of the loss with respect to the output of block l of the latest {@link #forwardHiddenStates}
     * (B,T,C), or null where the loss does not read that output. Adds into every parameter gradient, like
     * {@link #backward(Tensor)}; the given tensors are not modified.
     */
    public void backward(List<Tensor> blockGradients) {
        if (blockGradients.size() != blocks.size()) {
            throw new IllegalArgumentException("BERT: " + blockGradients.size() + " block gradients for " + blocks.size() + " blocks");
        }
        Tensor d = null;
        for (int l = blocks.size() - 1; l >= 0; l--) {
            Tensor entering = blockGradients.get(l);
            if (entering != null) {
                if (d == null) {
                    d = entering.copy();
                } else {
                    Kernels.of(d).addInPlace(d, entering);
                }
            }
            if (d != null) {
                d = blocks.get(l).backward(d);
            }
        }
        if (d != null) {
            d = embeddingNorm.backward(d);
            embedding.backward(d);
        }
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(embedding.parameters());
        out.addAll(embeddingNorm.parameters());
        for (PostNormBlock b : blocks) {
            out.addAll(b.parameters());
        }
        return out;
    }
}
