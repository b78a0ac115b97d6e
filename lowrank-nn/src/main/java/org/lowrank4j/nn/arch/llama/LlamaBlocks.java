package org.lowrank4j.nn.arch.llama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.FolderBlocks;
import org.lowrank4j.nn.generate.FactorTensors;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * A LLaMA-family model folder read one part at a time, for work whose memory must stay bounded by one block rather
 * than the model ("blockwise": compressing or evaluating a model larger than the heap). The safetensors files (one, or
 * shards with their index) stay open with their headers validated, but are not memory-mapped: each {@code read…} call
 * builds a fresh part and copies only its own tensors in from the file (a mapping would keep every page touched resident
 * in the process, so the resident size would grow to the model's), and the caller drops it when done. Parts are the same layers {@link LlamaModel} is made of, with the same
 * Hugging Face names, so a block read here computes exactly what block {@code i} of {@link LlamaModel#load} computes.
 *
 * <p>Not to be confused with {@code org.lowrank4j.nn.stream.StreamingDecoder} (FlashSVD): that one streams the
 * <em>activations</em> of a loaded model through tiled low-rank kernels; this one streams the <em>weights</em> from disk.
 *
 * <p>Reads dense and low-rank ({@link LowRankFolder}) folders of the config's sizes; narrowed, quantized and dictionary
 * folders are refused.
 */
public final class LlamaBlocks extends FolderBlocks {
    private final boolean attentionBias;
    private final RotaryEmbedding[] ropes; // each block's, shared as in LlamaModel

    private LlamaBlocks(HfConfig config, TensorSource source, Precision precision) {
        super(config, source, precision);
        this.attentionBias = LlamaModel.impliesAttentionBias(config) || source.contains("model.layers.0.self_attn.q_proj.bias");
        this.ropes = LlamaModel.ropes(config);
    }

    /**
     * Opens {@code config.json} and the safetensors of a folder (every shard's header is validated, no tensor is read).
     *
     * @throws IllegalArgumentException for a config outside the LLaMA family, a missing or damaged shard, a narrowed,
     *                                  quantized or dictionary folder, or more layers than the config has
     */
    public static LlamaBlocks open(Path folder, Precision precision) throws IOException {
        HfConfig config = HfConfig.read(folder);
        LlamaModel.checkConfig(config);
        SafetensorsModel source = LowRankFolder.openDenseOrLowRank(folder);
        try {
            LlamaWeights.requireLayerCount(source, config.numHiddenLayers());
            return new LlamaBlocks(config, Phi3.view(config, source), precision);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /**
     * Blocks of {@code config} read from any tensor source (a test can record what is read); the caller keeps the
     * source open while this is used, and {@link #close} closes it.
     */
    public static LlamaBlocks of(HfConfig config, TensorSource source, Precision precision) {
        LlamaModel.checkConfig(config);
        return new LlamaBlocks(config, Phi3.view(config, source), precision);
    }

    /** The token embedding (V, C), read. */
    @Override
    public Embedding readEmbedding() {
        Embedding embedding = LlamaModel.embedding(config(), precision());
        HfCheckpoint.read(source(), "model.embed_tokens.weight", embedding.token().value());
        return embedding;
    }

    /** Rotary positions: the embedding has no position rows. */
    @Override
    public int positionOffset() {
        return 0;
    }

    @Override
    public PreNormBlock readBlock(int i) {
        checkBlock(i);
        PreNormBlock block = LlamaModel.newBlock(config(), i, precision(), attentionBias, null, ropes[i]);
        for (Linear linear : projections(block)) {
            if (FactorTensors.present(source(), linear.name())) {
                FactorTensors.install(source(), linear.name(), linear);
            }
        }
        HfCheckpoint.read(source(), tensors(block, LlamaWeights.Layout.READ));
        return block;
    }

    /** The final RMSNorm, read. */
    @Override
    public RMSNorm readOutputStage() {
        RMSNorm norm = LlamaModel.norm("model.norm", config().hiddenSize(), config(), precision());
        HfCheckpoint.read(source(), "model.norm.weight", norm.weight().value());
        return norm;
    }

    /** The output projection (V, C): {@code lm_head}, or the embedding table read again when tied. */
    @Override
    public Linear readHead() {
        if (config().tieWordEmbeddings()) {
            return new Linear("lm_head", new DenseWeight(readEmbedding().token()), null);
        }
        Linear head = Linear.dense("lm_head", config().hiddenSize(), config().vocabSize(), false, precision());
        HfCheckpoint.read(source(), "lm_head.weight", ((DenseWeight) head.weight()).weight().value());
        return head;
    }

    /** What the model does to its logits ({@link LlamaModel#logitShaping}: Granite's, Gemma 2's), or null: apply it to {@link #readHead}'s output. */
    @Override
    public org.lowrank4j.nn.layers.LogitShaping logitShaping() {
        return LlamaModel.logitShaping(config());
    }

    /** The seven projections of a block in forward order: q, k, v, o, gate, up, down. */
    public static List<Linear> projections(PreNormBlock block) {
        Attention a = block.attention();
        SwiGluMlp mlp = (SwiGluMlp) block.mlp();
        return List.of(a.query(), a.key(), a.value(), a.output(), mlp.gate(), mlp.up(), mlp.down());
    }

    /** {@code "block i attention.query"} … {@code "block i mlp.down"}, as {@link LlamaModel#linearSites} names them. */
    @Override
    public Map<String, Linear> sites(PreNormBlock block, int i) {
        String[] roles = {"attention.query", "attention.key", "attention.value", "attention.output", "mlp.gate", "mlp.up", "mlp.down"};
        List<Linear> linears = projections(block);
        Map<String, Linear> out = new LinkedHashMap<>();
        for (int k = 0; k < roles.length; k++) {
            out.put("block " + i + " " + roles[k], linears.get(k));
        }
        return out;
    }

    /** Hugging Face names in checkpoint order, the same entries {@link LlamaModel#saveFactors} writes for this block. */
    @Override
    public Map<String, Tensor> factorTensors(PreNormBlock block, int i) {
        return tensors(block, LlamaWeights.Layout.FACTORS);
    }

    @Override
    public Map<String, String> embeddingTensors() {
        return Map.of("model.embed_tokens.weight", "model.embed_tokens.weight");
    }

    /** The final norm, and {@code lm_head} when untied. */
    @Override
    public Map<String, String> headTensors() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("model.norm.weight", "model.norm.weight");
        if (!config().tieWordEmbeddings()) {
            out.put("lm_head.weight", "lm_head.weight");
        }
        return out;
    }

    private static Map<String, Tensor> tensors(PreNormBlock block, LlamaWeights.Layout layout) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaWeights.putBlock(out, block, layout);
        return out;
    }
}
