package org.lowrank4j.nn.arch.gpt2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.CheckpointFolder;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.DecoderStack;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.GeluMlp;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * The GPT-2 decoder: token ({@code wte}) and learned position ({@code wpe}) embeddings, pre-norm blocks of LayerNorm,
 * causal multi-head attention with biases and a tanh-GELU MLP, a final LayerNorm ({@code ln_f}) and the output
 * projection tied to {@code wte}. Hugging Face stores the fused {@code attn.c_attn} (q, k, v side by side) and every
 * projection as a Conv1D weight {@code (in, out)}; here q, k and v are separate {@link Linear} layers with
 * {@code (out, in)} weights, so each can be factorised on its own, and {@link Gpt2Weights} transposes and splits on
 * the way in and fuses on the way out.
 *
 * <p>OPT ({@code model_type: opt}) runs here too: the same blocks with a ReLU MLP and a position table two rows longer,
 * and OPT-350M's blocks that normalise after the residual adds with token rows projected in and out ({@link Opt}),
 * stored in its own layout ({@link OptWeights}).
 */
public final class Gpt2Model implements CausalLanguageModel {
    private final HfConfig config;
    private final Precision precision;
    private final Embedding embedding;       // wte (V, C), wpe (P, C)
    private final List<PreNormBlock> blocks; // h.N
    private final LayerNorm finalNorm;       // ln_f, or null (OPT's post-norm layout)
    private final Linear projectOut;         // OPT-350M's project_out to the token rows' width, or null
    private final Linear head;               // wte, tied (or lm_head when tie_word_embeddings is false)
    private final boolean tied;
    private final int positionOffset;        // the position table's row of position 0: OPT's 2, GPT-2's 0
    private final DecoderStack stack;

    /**
     * A model with zero weights and unit LayerNorm scales; see {@link #initialize(Random)}.
     *
     * @throws IllegalArgumentException when the config is not GPT-2 or OPT, names an unsupported activation_function or
     *                                  asks for an OPT layout this runtime does not build
     */
    public Gpt2Model(HfConfig config, Precision precision) {
        MlpActivation activation = checkConfig(config);
        this.config = config;
        this.precision = precision;
        this.positionOffset = positionOffset(config);
        this.embedding = newEmbedding(config, precision);
        this.blocks = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            blocks.add(newBlock(config, i, activation, precision));
        }
        this.finalNorm = newFinalNorm(config, precision);
        this.projectOut = newProjectOut(config, precision);
        this.tied = config.tieWordEmbeddings();
        this.head = tied ? new Linear("lm_head", new DenseWeight(embedding.token()), null)
                : Linear.dense("lm_head", rowWidth(config), config.vocabSize(), false, precision);
        this.stack = new DecoderStack(embedding, blocks, new OutputStage(finalNorm, projectOut), head);
    }

    /** The position table's row of position 0: OPT's 2, GPT-2's 0. */
    static int positionOffset(HfConfig config) {
        return config.isOpt() ? Opt.POSITION_OFFSET : 0;
    }

    /** The token rows' width: the hidden size, or OPT-350M's narrower word_embed_proj_dim (projected in and out). */
    static int rowWidth(HfConfig config) {
        return config.isOpt() ? Opt.tokenWidth(config) : config.hiddenSize();
    }

    /** Token and position tables (V, C') and (P + offset, C), with OPT-350M's projection in when the widths differ; zeros. */
    static Embedding newEmbedding(HfConfig config, Precision precision) {
        boolean opt = config.isOpt();
        int c = config.hiddenSize(), rowWidth = rowWidth(config), positions = config.maxPositionEmbeddings() + positionOffset(config);
        return rowWidth == c ? new Embedding(opt ? "model.decoder.embeddings" : "transformer.embeddings", config.vocabSize(), c, positions, 0, precision)
                : Embedding.projected("model.decoder.embeddings", config.vocabSize(), Linear.dense("model.decoder.project_in", rowWidth, c, false,
                        precision), positions, precision);
    }

    /** Block {@code i} of the config's layout (pre-norm, or OPT-350M's norms after the residual adds), zero weights. */
    static PreNormBlock newBlock(HfConfig config, int i, MlpActivation activation, Precision precision) {
        boolean opt = config.isOpt();
        int c = config.hiddenSize(), nh = config.numAttentionHeads(), d = config.headDim(), hidden = config.intermediateSize();
        double eps = config.normEps();
        String p = (opt ? "model.decoder.layers." : "transformer.h.") + i + ".";
        String[] names = opt ? new String[] {"self_attn", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                "fc1", "fc2", "self_attn_layer_norm", "final_layer_norm"}
                : new String[] {"attn", "attn.c_attn.q", "attn.c_attn.k", "attn.c_attn.v", "attn.c_proj", "mlp.c_fc", "mlp.c_proj", "ln_1", "ln_2"};
        Attention attention = new Attention(p + names[0], Linear.dense(p + names[1], c, nh * d, true, precision),
                Linear.dense(p + names[2], c, nh * d, true, precision),
                Linear.dense(p + names[3], c, nh * d, true, precision),
                Linear.dense(p + names[4], nh * d, c, true, precision), nh, nh, true, null);
        GeluMlp mlp = new GeluMlp(Linear.dense(p + names[5], c, hidden, true, precision),
                Linear.dense(p + names[6], hidden, c, true, precision), activation);
        LayerNorm attentionNorm = new LayerNorm(p + names[7], c, eps, true, precision), mlpNorm = new LayerNorm(p + names[8], c, eps, true, precision);
        return postNorm(config) ? PreNormBlock.normsAfterResidual(attentionNorm, attention, mlpNorm, mlp)
                : new PreNormBlock(attentionNorm, attention, mlpNorm, mlp);
    }

    /** OPT-350M's layout: norms after the residual adds, and no final norm. */
    static boolean postNorm(HfConfig config) {
        return config.isOpt() && Opt.normsAfterResidual(config);
    }

    /** {@code ln_f} (OPT's {@code final_layer_norm}), or null in OPT's post-norm layout, whose last block ends in a norm. */
    static LayerNorm newFinalNorm(HfConfig config, Precision precision) {
        return postNorm(config) ? null : new LayerNorm(config.isOpt() ? "model.decoder.final_layer_norm" : "transformer.ln_f", config.hiddenSize(),
                config.normEps(), true, precision);
    }

    /** OPT-350M's {@code project_out} to the token rows' width, or null when the widths agree. */
    static Linear newProjectOut(HfConfig config, Precision precision) {
        int rowWidth = rowWidth(config);
        return rowWidth == config.hiddenSize() ? null : Linear.dense("model.decoder.project_out", config.hiddenSize(), rowWidth, false, precision);
    }

    /**
     * Loads {@code config.json} and the weights of a model folder ({@code model.safetensors} or {@code pytorch_model.bin});
     * tensor names may carry the {@code transformer.} prefix of {@code GPT2LMHeadModel} or not ({@code GPT2Model}); OPT's,
     * {@code model.decoder.} or {@code decoder.}.
     *
     * @throws IllegalArgumentException for a config of another family or an unknown {@code model_type}, a missing
     *                                  tensor or a shape that does not match the config, naming the field or tensor
     */
    public static Gpt2Model load(Path folder, Precision precision) throws IOException {
        HfConfig config = HfConfig.read(folder);
        checkConfig(config);
        try (TensorSource source = CheckpointFolder.open(folder)) { // safetensors, or pytorch_model.bin
            return load(config, source, precision);
        }
    }

    /** Builds the model of {@code config} and reads its weights from {@code source}. */
    public static Gpt2Model load(HfConfig config, TensorSource source, Precision precision) {
        Gpt2Model model = new Gpt2Model(config, precision);
        if (config.isOpt()) {
            OptWeights.read(model, source);
        } else {
            Gpt2Weights.read(model, source);
        }
        return model;
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} (float32) into {@code folder}, each atomically, in
     * Hugging Face's layout (GPT-2: {@code transformer.} names, fused Conv1D weights; OPT: {@code model.decoder.} names);
     * factorised weights are multiplied out.
     */
    public void save(Path folder) throws IOException {
        save(folder, SafetensorsDtype.F32);
    }

    /** As {@link #save(Path)} with the element type of the weights (F32, F16 or BF16). */
    public void save(Path folder, SafetensorsDtype dtype) throws IOException {
        if (config.isOpt()) {
            OptWeights.write(this, folder, dtype, false);
        } else {
            Gpt2Weights.write(this, folder, dtype);
        }
    }

    /**
     * Hugging Face's initialisation: weights N(0, σ²) with σ = {@code initializer_range} (0.02; OPT's {@code init_std}),
     * GPT-2's residual projections ({@code c_proj}) with σ/√(2·layers); biases 0, LayerNorm scales 1.
     */
    public void initialize(Random random) {
        double std = config.raw().path(config.isOpt() ? "init_std" : "initializer_range").asDouble(0.02);
        double residualStd = std / Math.sqrt(2.0 * blocks.size());
        for (Parameter p : parameters()) {
            if (p.value().rank() == 2) {
                double s = p.name().endsWith("c_proj.weight") ? residualStd : std;
                Tensor v = p.value();
                for (int i = 0; i < v.size(); i++) {
                    v.set(i, s * random.nextGaussian());
                }
            }
        }
    }

    static MlpActivation checkConfig(HfConfig config) {
        HfArchitecture architecture = config.architecture();
        if (architecture != HfArchitecture.GPT2) {
            throw new IllegalArgumentException("config field model_type = \"" + config.modelType() + "\" is a " + architecture
                    + " model, not GPT-2 or OPT");
        }
        if (config.isOpt()) {
            return Opt.check(config);
        }
        return switch (config.hiddenAct()) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> MlpActivation.GELU_TANH;
            case "gelu" -> MlpActivation.GELU_ERF;
            default -> throw new IllegalArgumentException("config field activation_function = \"" + config.hiddenAct()
                    + "\" is not supported; use gelu_new, gelu_pytorch_tanh, gelu_fast or gelu");
        };
    }

    @Override
    public Tensor forward(int[] ids, int batch, int time) {
        return stack.forward(ids, batch, time, positionOffset); // (B,T,V)
    }

    @Override
    public Tensor forwardBlocks(int[] ids, int batch, int time, int blockCount) {
        return stack.forwardBlocks(ids, batch, time, positionOffset, blockCount);
    }

    /**
     * {@inheritDoc} A factorised projection {@code <name>} is stored as {@code <name>.lowrank_A/B}; while q, k and v are
     * all dense they stay fused in {@code attn.c_attn.weight}, else each is stored apart ({@code attn.c_attn.q|k|v}, factors
     * or a dense {@code .weight} in the runtime's (out, in) layout), with the fused bias kept.
     */
    @Override
    public void saveFactors(Path folder, SafetensorsDtype dtype) throws IOException {
        if (config.isOpt()) {
            OptWeights.write(this, folder, dtype, true);
        } else {
            Gpt2Weights.writeFactors(this, folder, dtype);
        }
    }

    @Override
    public void backward(Tensor dlogits) {
        stack.backward(dlogits);
    }

    @Override
    public Tensor forwardFeatures(int[] ids, int batch, int time) {
        return stack.forwardFeatures(ids, batch, time, positionOffset, (block, x) -> block.forward(x, null));
    }

    @Override
    public void backwardFeatures(Tensor dfeatures) {
        stack.backwardFeatures(dfeatures);
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        if (capacity > maxPositions()) {
            throw new IllegalArgumentException("cache of " + capacity + " positions exceeds " + (config.isOpt() ? "max_position_embeddings"
                    : "n_positions") + " = " + maxPositions());
        }
        return stack.newCache(batch, capacity);
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        return stack.decode(ids, batch, time, cache, cache.length() + positionOffset); // learned positions continue after the cache
    }

    @Override
    public Tensor decodeFeatures(int[] ids, int batch, int time, DecoderCache cache) {
        return stack.decodeFeatures(ids, batch, time, cache, cache.length() + positionOffset);
    }

    @Override
    public Linear outputProjection() {
        return head;
    }

    @Override
    public Map<String, Linear> linearSites() {
        Map<String, Linear> sites = new LinkedHashMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            putSites(sites, blocks.get(i), i);
        }
        return sites;
    }

    /** Block {@code i}'s six projections as {@code "block i attention.query"} … {@code "block i mlp.down"}, in forward order. */
    static void putSites(Map<String, Linear> sites, PreNormBlock block, int i) {
        Attention a = block.attention();
        GeluMlp mlp = (GeluMlp) block.mlp();
        String b = "block " + i + " ";
        sites.put(b + "attention.query", a.query());
        sites.put(b + "attention.key", a.key());
        sites.put(b + "attention.value", a.value());
        sites.put(b + "attention.output", a.output());
        sites.put(b + "mlp.up", mlp.up());
        sites.put(b + "mlp.down", mlp.down());
    }

    /** Every parameter once (the tied output projection shares {@code wte}). */
    @Override
    public List<Parameter> parameters() {
        return stack.parameters();
    }

    public HfConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public Precision precision() {
        return precision;
    }

    public boolean tiedEmbeddings() {
        return tied;
    }

    /** True for OPT ({@code model_type: opt}), false for GPT-2. */
    public boolean isOpt() {
        return config.isOpt();
    }

    /** The row of the position table that position 0 reads: 2 for OPT, 0 for GPT-2. */
    public int positionOffset() {
        return positionOffset;
    }

    /** The token and learned position embeddings ({@code wte}, {@code wpe}; OPT's {@code embed_tokens}, {@code embed_positions}). */
    public Embedding embedding() {
        return embedding;
    }

    List<PreNormBlock> blocks() {
        return blocks;
    }

    /** Block {@code i} (its LayerNorms, attention and MLP), for code that reads its parts. */
    public PreNormBlock block(int i) {
        return blocks.get(i);
    }

    /** The final LayerNorm ({@code ln_f}). */
    public LayerNorm finalNorm() {
        return finalNorm;
    }

    /** OPT-350M's projection of the final features to the token table's width ({@code project_out}), or null. */
    public Linear projectOut() {
        return projectOut;
    }

    Linear head() {
        return head;
    }
}
