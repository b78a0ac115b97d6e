package org.lowrank4j.nn.arch.gpt2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.generate.FolderBlocks;
import org.lowrank4j.nn.generate.HfCheckpoint;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * A GPT-2 or OPT folder read one part at a time ({@link DecoderBlocks}): the parts {@link Gpt2Model} is made of, read
 * by the same code ({@link Gpt2Weights#readBlock}, {@link OptWeights#readBlock}), from safetensors that stay open
 * unmapped. The folder's names may carry any prefix the whole-model reader takes ({@code transformer.} or none; OPT's
 * {@code model.decoder.} or {@code decoder.}); what is written ({@link #factorTensors} and the two name maps) carries the
 * prefix {@link Gpt2Model#saveFactors} writes.
 */
public final class Gpt2Blocks extends FolderBlocks {
    private final MlpActivation activation;
    private final boolean opt;
    private final String prefix; // the folder's

    private Gpt2Blocks(HfConfig config, TensorSource source, Precision precision) {
        super(config, source, precision);
        this.activation = Gpt2Model.checkConfig(config);
        this.opt = config.isOpt();
        this.prefix = opt ? OptWeights.prefix(source) : Gpt2Weights.prefix(source);
    }

    /**
     * Opens {@code config.json} and the safetensors of a GPT-2 or OPT folder (every shard's header is validated, no
     * tensor is read).
     *
     * @throws IllegalArgumentException for a config outside the family, a missing or damaged shard, a narrowed,
     *                                  quantized or dictionary folder, or more layers than the config has
     */
    public static Gpt2Blocks open(Path folder, Precision precision) throws IOException {
        HfConfig config = HfConfig.read(folder);
        Gpt2Model.checkConfig(config);
        SafetensorsModel source = LowRankFolder.openDenseOrLowRank(folder);
        try {
            Gpt2Blocks blocks = new Gpt2Blocks(config, source, precision);
            if (blocks.opt) {
                OptWeights.requireLayerCount(source, blocks.prefix, config.numHiddenLayers());
            } else {
                Gpt2Weights.requireLayerCount(source, blocks.prefix, config.numHiddenLayers());
            }
            return blocks;
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    @Override
    public Embedding readEmbedding() {
        Embedding embedding = Gpt2Model.newEmbedding(config(), precision());
        if (opt) {
            OptWeights.readEmbedding(source(), prefix, embedding);
        } else {
            Gpt2Weights.readEmbedding(source(), prefix, embedding);
        }
        return embedding;
    }

    @Override
    public int positionOffset() {
        return Gpt2Model.positionOffset(config());
    }

    @Override
    public PreNormBlock readBlock(int i) {
        checkBlock(i);
        PreNormBlock block = Gpt2Model.newBlock(config(), i, activation, precision());
        if (opt) {
            OptWeights.readBlock(source(), prefix, block, i);
        } else {
            Gpt2Weights.readBlock(source(), prefix, block, i);
        }
        return block;
    }

    @Override
    public Map<String, Linear> sites(PreNormBlock block, int i) {
        Map<String, Linear> out = new LinkedHashMap<>();
        Gpt2Model.putSites(out, block, i);
        return out;
    }

    @Override
    public Map<String, Tensor> factorTensors(PreNormBlock block, int i) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (opt) {
            OptWeights.putBlock(out, block, i, true);
        } else {
            Gpt2Weights.putBlock(out, block, i, true);
        }
        return out;
    }

    @Override
    public Map<String, String> embeddingTensors() {
        Map<String, String> out = new LinkedHashMap<>();
        if (opt) {
            put(out, "model.decoder.", "embed_tokens.weight");
            put(out, "model.decoder.", "embed_positions.weight");
            if (projected()) {
                put(out, "model.decoder.", "project_in.weight");
            }
        } else {
            put(out, "transformer.", "wte.weight");
            put(out, "transformer.", "wpe.weight");
        }
        return out;
    }

    /** The final norm (none in OPT's post-norm layout), OPT-350M's projection out, and {@code lm_head} when untied. */
    @Override
    public Map<String, String> headTensors() {
        Map<String, String> out = new LinkedHashMap<>();
        String written = opt ? "model.decoder." : "transformer.";
        String norm = opt ? "final_layer_norm" : "ln_f";
        if (!Gpt2Model.postNorm(config())) { // OPT's post-norm layout ends in its last block's norm
            put(out, written, norm + ".weight");
            put(out, written, norm + ".bias");
        }
        if (projected()) {
            put(out, written, "project_out.weight");
        }
        if (!config().tieWordEmbeddings()) {
            out.put("lm_head.weight", "lm_head.weight");
        }
        return out;
    }

    /** OPT-350M's layout: token rows narrower than the blocks, projected in and out. */
    private boolean projected() {
        return Gpt2Model.rowWidth(config()) != config().hiddenSize();
    }

    private void put(Map<String, String> out, String written, String name) {
        out.put(written + name, prefix + name);
    }

    @Override
    public Layer readOutputStage() {
        LayerNorm norm = Gpt2Model.newFinalNorm(config(), precision());
        Linear projectOut = Gpt2Model.newProjectOut(config(), precision());
        if (opt) {
            OptWeights.readOutputStage(source(), prefix, norm, projectOut);
        } else {
            Gpt2Weights.readFinalNorm(source(), prefix, norm);
        }
        return new OutputStage(norm, projectOut);
    }

    @Override
    public Linear readHead() {
        if (config().tieWordEmbeddings()) { // the token table alone, read again
            String token = opt ? "embed_tokens.weight" : "wte.weight";
            org.lowrank4j.nn.Parameter table = new org.lowrank4j.nn.Parameter(token, Tensor.zeros(precision(), config().vocabSize(),
                    Gpt2Model.rowWidth(config())));
            HfCheckpoint.read(source(), prefix + token, table.value());
            return new Linear("lm_head", new DenseWeight(table), null);
        }
        Linear head = Linear.dense("lm_head", Gpt2Model.rowWidth(config()), config().vocabSize(), false, precision());
        HfCheckpoint.read(source(), "lm_head.weight", ((DenseWeight) head.weight()).weight().value());
        return head;
    }

    /** GPT-2 and OPT use their logits as they come. */
    @Override
    public LogitShaping logitShaping() {
        return null;
    }

}
