package org.lowrank4j.nn.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.CheckpointFolder;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;
import org.lowrank4j.nn.generate.DecoderStack;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.LogitShaping;
import org.lowrank4j.nn.layers.RMSNorm;
import org.lowrank4j.nn.layers.RopeScaling;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.layers.SwiGluMlp;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * The LLaMA family decoder (LLaMA, Qwen2, Qwen3, Mistral, Phi-3, SmolLM, SmolLM3, Granite, OLMo 2, OLMo 3, Gemma, Gemma 2, Gemma 3): token embedding, pre-norm blocks of
 * RMSNorm, causal grouped-query attention with RoPE and a SwiGLU MLP, a final RMSNorm and the output projection (tied to
 * the embedding when {@code tie_word_embeddings}). Layers are named as in Hugging Face ({@code model.layers.3.self_attn.q_proj}),
 * so {@link #load} and {@link #save} map checkpoints one to one.
 *
 * <p>Query/key/value biases are present for {@code model_type = qwen2}, when the config says
 * {@code attention_bias: true} (which adds the output bias too), or when a loaded checkpoint has them. Qwen3
 * ({@code model_type = qwen3}) normalises every query and key head with its own RMSNorm before RoPE
 * ({@code self_attn.q_norm}, {@code self_attn.k_norm}).
 * RoPE follows {@code rope_scaling} (or {@code rope_parameters}) as {@link RopeScaling} reads it: default, linear,
 * llama3 and yarn; one set of tables serves every block (two for Gemma 3: its sliding and its full layers). Sliding
 * layers (Mistral's, Qwen2's with {@code use_sliding_window}, Gemma 2's and 3's) mask by their window ({@link #window}). Gemma's
 * differences are listed in {@link Gemma}: norms of multiplier 1 + w, embeddings times √C, GeGLU; for Gemma 2 post-norms, its
 * score scale and soft-capped scores and logits; for Gemma 3 head norms, post-norms and its score scale. SmolLM3's NoPE
 * layers attend without RoPE ({@link SmolLm3}); Granite scales embeddings, scores, residual branches and logits by its
 * config's four multipliers ({@link Granite}). OLMo 2's and 3's blocks have no pre-norms, and their q/k norms span the
 * whole projections ({@link Olmo}). Phi-3's checkpoints fuse q, k, v and gate, up ({@link Phi3}).
 * {@code mlp_bias} is not supported.
 */
public final class LlamaModel implements CausalLanguageModel {
    private final HfConfig config;
    private final Precision precision;
    private final Embedding embedding;       // token table (V, C) = model.embed_tokens.weight
    private final List<PreNormBlock> blocks; // model.layers.N
    private final RMSNorm norm;              // model.norm (C)
    private final Linear head;               // lm_head (V, C), or the embedding table when tied
    private final boolean tied;
    private final List<BlockShape> shapes;   // per block, when narrowed (StructuredFolder); null when every block has the config's sizes
    private final DecoderStack stack;

    /**
     * A model with zero linear and embedding weights and unit norm weights; see {@link #initialize(Random)}.
     *
     * @param attentionBias whether q, k, v carry biases (Qwen2)
     * @throws IllegalArgumentException when the config is not of the LLaMA family or uses an activation other than silu
     */
    public LlamaModel(HfConfig config, Precision precision, boolean attentionBias) {
        this(config, precision, attentionBias, null);
    }

    /**
     * A zero model whose blocks have the given shapes (one per layer: MLP intermediate size, query/key and value/output
     * head sizes, kept RoPE pairs; see {@link StructuredFolder}), or the config's sizes when {@code shapes} is null.
     * Narrowed heads keep the original score scale 1/√head_dim and rotate each kept pair at its original frequency.
     *
     * @throws IllegalArgumentException when there is not one shape per layer, or a shape does not fit the config's heads
     */
    public LlamaModel(HfConfig config, Precision precision, boolean attentionBias, List<BlockShape> shapes) {
        checkConfig(config);
        this.config = config;
        this.precision = precision;
        int c = config.hiddenSize();
        int vocab = config.vocabSize();
        if (shapes != null && shapes.size() != config.numHiddenLayers()) {
            throw new IllegalArgumentException(shapes.size() + " block shapes for config field num_hidden_layers = " + config.numHiddenLayers());
        }
        this.shapes = shapes == null ? null : List.copyOf(shapes);
        this.embedding = embedding(config, precision);
        this.blocks = new ArrayList<>();
        RotaryEmbedding[] ropes = ropes(config);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            blocks.add(newBlock(config, i, precision, attentionBias, shapes == null ? null : shapes.get(i), ropes[i]));
        }
        this.norm = norm("model.norm", c, config, precision);
        this.tied = config.tieWordEmbeddings();
        this.head = tied ? new Linear("lm_head", new DenseWeight(embedding.token()), null) : Linear.dense("lm_head", c, vocab, false, precision);
        this.stack = new DecoderStack(embedding, blocks, norm, head, logitShaping(config));
    }

    /** What a config's model does to its logits: Granite's division, Gemma 2's and 3's soft cap; null for neither. */
    static LogitShaping logitShaping(HfConfig config) {
        return LogitShaping.of(Granite.logitDivisor(config), Gemma.logitSoftcap(config));
    }

    /** The token embedding of a model of {@code config} (zero), with Gemma's √C or Granite's multiplier where it applies. */
    static Embedding embedding(HfConfig config, Precision precision) {
        return new Embedding("model.embed_tokens", config.vocabSize(), config.hiddenSize(), 0, 0, precision,
                Gemma.embeddingScale(config) * Granite.embeddingScale(config));
    }

    /** An RMSNorm of the model's kind: multiplier 1 + w for Gemma, w otherwise. */
    static RMSNorm norm(String name, int channels, HfConfig config, Precision precision) {
        return new RMSNorm(name, channels, config.normEps(), Gemma.is(config), precision);
    }

    /**
     * Block {@code i} of a model of {@code config} (Hugging Face names {@code model.layers.i.*}), zero weights and unit
     * norms; {@code shape} narrows it (see {@link StructuredFolder}), null keeps the config's sizes and uses {@code rope},
     * the model's table for this block ({@link #ropes(HfConfig)}), which blocks share.
     */
    static PreNormBlock newBlock(HfConfig config, int i, Precision precision, boolean attentionBias, BlockShape shape, RotaryEmbedding rope) {
        int c = config.hiddenSize(), nh = config.numAttentionHeads(), nkv = config.numKeyValueHeads(), d = config.headDim();
        boolean outputBias = config.rawBoolean("attention_bias", false);
        String p = "model.layers." + i + ".";
        if (shape != null && (hasHeadNorms(config) || Gemma.hasPostNorms(config))) {
            throw new IllegalArgumentException("block " + i + ": narrowed heads are not supported for " + config.modelType()
                    + " (its head norms, post-norms or score scale)");
        }
        if (shape != null && (shape.ropePairs().length != nkv || shape.queryKeySize() > d || shape.valueSize() > d)) {
            throw new IllegalArgumentException("block " + i + " shape " + shape + " does not fit " + nkv + " key/value heads of size " + d);
        }
        int dqk = shape == null ? d : shape.queryKeySize(), dvo = shape == null ? d : shape.valueSize();
        int hidden = shape == null ? config.intermediateSize() : shape.intermediateSize();
        Linear q = Linear.dense(p + "self_attn.q_proj", c, nh * dqk, attentionBias, precision);
        Linear k = Linear.dense(p + "self_attn.k_proj", c, nkv * dqk, attentionBias, precision);
        Linear v = Linear.dense(p + "self_attn.v_proj", c, nkv * dvo, attentionBias, precision);
        Linear o = Linear.dense(p + "self_attn.o_proj", nh * dvo, c, outputBias, precision);
        Attention attention;
        if (shape == null) {
            attention = new Attention(p + "self_attn", q, k, v, o, nh, nkv, true, rope, scoreScale(config));
        } else {
            RopeScaling.Frequencies f = ropeFrequencies(config);
            RotaryEmbedding kept = SmolLm3.usesRope(config, i) ? RotaryEmbedding.grouped(shape.keptFrequencies(f.inverse()),
                    config.maxPositionEmbeddings(), f.attentionFactor()) : null; // a NoPE layer stays without
            attention = new Attention(p + "self_attn", q, k, v, o, nh, nkv, true, kept, scoreScale(config));
        }
        if (Olmo.is(config)) {
            attention = attention.withProjectionNorms(norm(p + "self_attn.q_norm", nh * d, config, precision),
                    norm(p + "self_attn.k_norm", nkv * d, config, precision));
        } else if (hasHeadNorms(config)) {
            attention = attention.withHeadNorms(norm(p + "self_attn.q_norm", d, config, precision), norm(p + "self_attn.k_norm", d, config, precision));
        }
        int window = window(config, i);
        if (window > 0) {
            attention = attention.withWindow(window);
        }
        if (Gemma.attentionSoftcap(config) > 0) {
            attention = attention.withSoftcap(Gemma.attentionSoftcap(config));
        }
        SwiGluMlp mlp = new SwiGluMlp(Linear.dense(p + "mlp.gate_proj", c, hidden, false, precision),
                Linear.dense(p + "mlp.up_proj", c, hidden, false, precision),
                Linear.dense(p + "mlp.down_proj", hidden, c, false, precision), Gemma.activation(config));
        if (Olmo.is(config)) { // OLMo 2 and 3: no pre-norms, and post_attention_layernorm is the attention's post-norm
            return new PreNormBlock(null, attention, null, mlp, norm(p + "post_attention_layernorm", c, config, precision),
                    norm(p + "post_feedforward_layernorm", c, config, precision));
        }
        if (Gemma.hasPostNorms(config)) { // Gemma 2's and 3's post_attention_layernorm is the attention's post-norm, not the MLP's pre-norm
            return new PreNormBlock(norm(p + "input_layernorm", c, config, precision), attention,
                    norm(p + "pre_feedforward_layernorm", c, config, precision), mlp,
                    norm(p + "post_attention_layernorm", c, config, precision), norm(p + "post_feedforward_layernorm", c, config, precision));
        }
        PreNormBlock block = new PreNormBlock(norm(p + "input_layernorm", c, config, precision), attention,
                norm(p + "post_attention_layernorm", c, config, precision), mlp);
        double residual = Granite.residualScale(config);
        return residual == 1 ? block : block.withResidualScale(residual);
    }

    /**
     * The attention's score scale: Gemma 2's and 3's {@code query_pre_attn_scalar^-1/2}, Granite's
     * {@code attention_multiplier}, else {@code head_dim^-1/2} (which narrowed heads keep).
     */
    static double scoreScale(HfConfig config) {
        return Granite.is(config) ? Granite.attentionScale(config) : Gemma.attentionScale(config);
    }

    /**
     * The RoPE tables of each block of a model of {@code config}, over its {@code max_position_embeddings}: one table that every
     * block shares, or for Gemma 3 one for its sliding layers and one for its full layers; null for SmolLM3's NoPE layers.
     */
    static RotaryEmbedding[] ropes(HfConfig config) {
        RotaryEmbedding[] out = new RotaryEmbedding[config.numHiddenLayers()];
        if (!Gemma.isGemma3(config)) {
            RotaryEmbedding shared = RotaryEmbedding.of(ropeFrequencies(config), config.maxPositionEmbeddings());
            for (int i = 0; i < out.length; i++) {
                out[i] = SmolLm3.usesRope(config, i) ? shared : null;
            }
            return out;
        }
        RotaryEmbedding sliding = null, full = null;
        for (int i = 0; i < out.length; i++) {
            if (Gemma.sliding(config, i)) {
                out[i] = sliding = sliding != null ? sliding : RotaryEmbedding.of(Gemma.ropeFrequencies(config, true), config.maxPositionEmbeddings());
            } else {
                out[i] = full = full != null ? full : RotaryEmbedding.of(Gemma.ropeFrequencies(config, false), config.maxPositionEmbeddings());
            }
        }
        return out;
    }

    /**
     * The sliding window of layer {@code i} in positions (a query sees itself and the window − 1 before it), or 0 for a full
     * layer, as Hugging Face picks it: {@code layer_types[i]} when the config lists the layers' types; else Mistral's
     * {@code sliding_window} on every layer, Qwen2's and Qwen3's on the layers from {@code max_window_layers} (28 by
     * default) on and only with {@code use_sliding_window: true}, Gemma 2's and 3's as {@link Gemma} reads it, SmolLM3's as
     * {@link SmolLm3} does; LLaMA has none.
     *
     * @throws IllegalArgumentException naming the field for a window that is not a positive whole number, or a layer type
     *                                  that is neither sliding nor full
     */
    static int window(HfConfig config, int i) {
        if (Gemma.hasPostNorms(config)) {
            return Gemma.sliding(config, i) ? Gemma.window(config) : 0;
        }
        if (SmolLm3.is(config)) {
            return SmolLm3.window(config, i);
        }
        if (Olmo.is(config)) {
            return Olmo.window(config, i);
        }
        int window = windowField(config, 0, 0);
        if (window == 0) {
            return 0;
        }
        String type = config.modelType().toLowerCase(Locale.ROOT);
        boolean qwen = type.equals("qwen2") || type.equals("qwen3");
        if (qwen && !config.rawBoolean("use_sliding_window", false)) {
            return 0; // Qwen's config drops its window unless use_sliding_window, whatever layer_types says
        }
        Boolean listed = Gemma.listedSliding(config, i);
        boolean slides = listed != null ? listed : type.equals("mistral") || type.equals("phi3") || qwen && i >= config.rawInt("max_window_layers", 28);
        return slides ? window : 0;
    }

    /**
     * The config's {@code sliding_window} in positions: {@code absent} when the field is missing, {@code whenNull} when it
     * is null (the model types differ on both).
     *
     * @throws IllegalArgumentException naming the field for a value that is not a positive whole number
     */
    static int windowField(HfConfig config, int absent, int whenNull) {
        JsonNode window = config.raw().get("sliding_window");
        if (window == null || window.isNull()) {
            return window == null ? absent : whenNull;
        }
        if (!window.isIntegralNumber() || !window.canConvertToInt() || window.asInt() < 1) {
            throw new IllegalArgumentException("config field sliding_window must be a positive number of positions" + (whenNull == 0 ? " or null" : "")
                    + ", found " + window);
        }
        return window.asInt();
    }

    /** The config's RoPE frequencies: {@code rope_scaling} when set, else {@code rope_parameters} (newer configs). */
    static RopeScaling.Frequencies ropeFrequencies(HfConfig config) {
        JsonNode scaling = config.raw().get("rope_scaling");
        String field = "rope_scaling";
        if (scaling == null || scaling.isNull()) {
            scaling = config.raw().get("rope_parameters");
            field = "rope_parameters";
        }
        JsonNode partial = config.raw().has("partial_rotary_factor") ? config.raw().get("partial_rotary_factor")
                : scaling == null ? null : scaling.get("partial_rotary_factor");
        if (partial != null && !partial.isNull() && partial.asDouble() != 1) {
            throw new IllegalArgumentException("config field partial_rotary_factor = " + partial + " is not supported (RoPE over whole heads only)");
        }
        return RopeScaling.of(scaling, field, config.headDim(), config.ropeTheta(), config.maxPositionEmbeddings());
    }

    /** A zero model (see {@link #initialize}) with the attention biases the config implies. */
    public static LlamaModel create(HfConfig config, Precision precision) {
        return new LlamaModel(config, precision, impliesAttentionBias(config));
    }

    /**
     * True for Qwen3 and Gemma 3, whose attention normalises each query and key head (RMSNorm over the head size) before
     * RoPE, and for OLMo 2 and 3, whose norms span the whole query and key projections.
     */
    public static boolean hasHeadNorms(HfConfig config) {
        String type = config.modelType().toLowerCase(Locale.ROOT);
        return type.equals("qwen3") || type.equals("gemma3_text") || Olmo.is(config);
    }

    /**
     * True for Gemma 2 and 3, whose blocks normalise their attention and MLP outputs before the residual adds (post-norms),
     * and for OLMo 2 and 3, whose blocks have post-norms only.
     */
    public static boolean hasPostNorms(HfConfig config) {
        return Gemma.hasPostNorms(config) || Olmo.is(config);
    }

    /**
     * True for Phi-3, whose checkpoints store q, k, v as one {@code qkv_proj} and gate, up as one {@code gate_up_proj}
     * ({@link Phi3}); the runtime keeps the five apart, so adapters named after the fused modules do not map onto it.
     */
    public static boolean fusesProjections(HfConfig config) {
        return Phi3.is(config);
    }

    /** True for Gemma 2, whose attention soft-caps its scores ({@code attn_logit_softcapping}). */
    public static boolean capsScores(HfConfig config) {
        return Gemma.attentionSoftcap(config) > 0;
    }

    /** True for Qwen2 and for configs with {@code attention_bias: true}. */
    public static boolean impliesAttentionBias(HfConfig config) {
        return config.modelType().toLowerCase(Locale.ROOT).equals("qwen2") || config.rawBoolean("attention_bias", false);
    }

    /**
     * Loads {@code config.json} and the weights of a model folder: safetensors (one file, or shards with their index), else
     * a PyTorch {@code pytorch_model.bin}.
     * Projections stored as low-rank factors ({@link LowRankFolder}) are loaded as
     * {@link org.lowrank4j.nn.weight.LowRankWeight}s.
     *
     * @throws IllegalArgumentException for a config of another family or an unknown {@code model_type}, a missing
     *                                  tensor or a shape that does not match the config, a low-rank factor without its
     *                                  partner or of a rank above min(out, in), naming the field or tensor
     */
    public static LlamaModel load(Path folder, Precision precision) throws IOException {
        HfConfig config = HfConfig.read(folder);
        checkConfig(config);
        LowRankFolder.readManifest(folder); // a low-rank folder's manifest must be of a format version this code reads
        QuantizedFolder.readManifest(folder); // so must a quantized folder's
        List<BlockShape> shapes = StructuredFolder.readManifest(folder).map(StructuredFolder.Manifest::blocks).orElse(null);
        try (TensorSource source = CheckpointFolder.open(folder)) { // safetensors, or pytorch_model.bin
            return load(config, shapes, source, precision);
        }
    }

    /** Builds the model of {@code config} and reads its weights from {@code source} (Hugging Face names). */
    public static LlamaModel load(HfConfig config, TensorSource source, Precision precision) {
        return load(config, null, source, precision);
    }

    /** As {@link #load(HfConfig, TensorSource, Precision)} with the blocks' shapes (null: the config's sizes). */
    public static LlamaModel load(HfConfig config, List<BlockShape> shapes, TensorSource source, Precision precision) {
        source = Phi3.view(config, source); // Phi-3's fused projections read as five
        boolean bias = impliesAttentionBias(config) || source.contains("model.layers.0.self_attn.q_proj.bias");
        LlamaModel model = new LlamaModel(config, precision, bias, shapes);
        LlamaWeights.read(model, source);
        return model;
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} (float32) into {@code folder}, each atomically, under
     * Hugging Face names; factorised weights are written multiplied out, so standard tools load the result.
     */
    public void save(Path folder) throws IOException {
        save(folder, SafetensorsDtype.F32);
    }

    /** As {@link #save(Path)} with the element type of the weights (F32, F16 or BF16). */
    public void save(Path folder, SafetensorsDtype dtype) throws IOException {
        LlamaWeights.write(this, folder, dtype);
    }

    /** Fills linear and embedding weights with N(0, σ²), σ = the config's {@code initializer_range} (0.02 by default). */
    public void initialize(Random random) {
        double std = config.raw().path("initializer_range").asDouble(0.02);
        for (Parameter p : parameters()) {
            if (p.value().rank() == 2) {
                Tensor v = p.value();
                for (int i = 0; i < v.size(); i++) {
                    v.set(i, std * random.nextGaussian());
                }
            }
        }
    }

    static void checkConfig(HfConfig config) {
        HfArchitecture architecture = config.architecture();
        if (architecture != HfArchitecture.LLAMA) {
            throw new IllegalArgumentException("config field model_type = \"" + config.modelType() + "\" is a " + architecture
                    + " model, not of the LLaMA family (" + HfArchitecture.LLAMA.modelTypes() + ")");
        }
        Gemma.activation(config); // refuses an activation it cannot compute, naming the field
        Gemma.check(config);
        Granite.check(config);
        ropeFrequencies(config); // refuses a scaling it cannot compute, naming the field
        if (Gemma.isGemma3(config)) {
            Gemma.ropeFrequencies(config, true);
            Gemma.ropeFrequencies(config, false);
        }
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            window(config, i); // refuses a malformed window or layer type, naming the field
            SmolLm3.usesRope(config, i); // and a malformed no_rope_layers
        }
        Olmo.check(config);
        if (config.rawBoolean("mlp_bias", false)) {
            throw new IllegalArgumentException("config field mlp_bias = true is not supported");
        }
        if (config.headDim() % 2 != 0) {
            throw new IllegalArgumentException("config field head_dim = " + config.headDim() + " must be even for rotary embeddings");
        }
    }

    @Override
    public Tensor forward(int[] ids, int batch, int time) {
        checkLength(time, 0);
        return stack.forward(ids, batch, time, 0); // (B,T,V)
    }

    /** Logits (B,T,V) with every block run by {@code runner} (a streaming evaluator, for instance); inference only. */
    public Tensor forward(int[] ids, int batch, int time, DecoderStack.BlockRunner runner) {
        checkLength(time, 0);
        return stack.forward(ids, batch, time, 0, runner);
    }

    @Override
    public void backward(Tensor dlogits) {
        stack.backward(dlogits);
    }

    @Override
    public Tensor forwardFeatures(int[] ids, int batch, int time) {
        checkLength(time, 0);
        return stack.forwardFeatures(ids, batch, time, 0, (block, x) -> block.forward(x, null));
    }

    @Override
    public void backwardFeatures(Tensor dfeatures) {
        stack.backwardFeatures(dfeatures);
    }

    @Override
    public void saveFactors(Path folder, SafetensorsDtype dtype) throws IOException {
        LlamaWeights.writeFactors(this, folder, dtype);
    }

    /** The output (B,T,C) of block {@code blockCount − 1}, running nothing after it; see {@link DecoderStack#forwardBlocks}. */
    @Override
    public Tensor forwardBlocks(int[] ids, int batch, int time, int blockCount) {
        checkLength(time, 0);
        return stack.forwardBlocks(ids, batch, time, 0, blockCount);
    }

    /** The outputs of the L blocks (B,T,C) and, last, the logits (B,T,V); see {@link DecoderStack#forwardHiddenStates}. */
    public List<Tensor> forwardHiddenStates(int[] ids, int batch, int time) {
        checkLength(time, 0);
        return stack.forwardHiddenStates(ids, batch, time, 0);
    }

    /** Backward with gradients entering at the block outputs and the logits; see {@link DecoderStack#backward(List, Tensor)}. */
    public void backward(List<Tensor> blockGradients, Tensor dlogits) {
        stack.backward(blockGradients, dlogits);
    }

    @Override
    public DecoderCache newCache(int batch, int capacity) {
        checkLength(capacity, 0);
        return stack.newCache(batch, capacity);
    }

    @Override
    public boolean decodesPaddedBatches() {
        return true;
    }

    @Override
    public Tensor decode(int[] ids, int batch, int time, DecoderCache cache) {
        return stack.decode(ids, batch, time, cache, 0); // RoPE positions come from the cache
    }

    @Override
    public Tensor decodeFeatures(int[] ids, int batch, int time, DecoderCache cache) {
        return stack.decodeFeatures(ids, batch, time, cache, 0);
    }

    private void checkLength(int time, int start) {
        if (start + time > maxPositions()) {
            throw new IllegalArgumentException("sequence of " + (start + time) + " positions exceeds max_position_embeddings = " + maxPositions());
        }
    }

    @Override
    public Linear outputProjection() {
        return head;
    }

    /** Granite's division of the logits and Gemma 2's soft-cap (or a Gemma 3 config's), or null. */
    @Override
    public LogitShaping logitShaping() {
        return stack.logitShaping();
    }

    /** The logits' soft-cap (Gemma 2's {@code final_logit_softcapping}), or 0. */
    public double logitSoftcap() {
        return stack.logitShaping() == null ? 0 : stack.logitShaping().cap();
    }

    @Override
    public Map<String, Linear> linearSites() {
        Map<String, Linear> sites = new LinkedHashMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            Attention a = blocks.get(i).attention();
            SwiGluMlp mlp = (SwiGluMlp) blocks.get(i).mlp();
            String b = "block " + i + " ";
            sites.put(b + "attention.query", a.query());
            sites.put(b + "attention.key", a.key());
            sites.put(b + "attention.value", a.value());
            sites.put(b + "attention.output", a.output());
            sites.put(b + "mlp.gate", mlp.gate());
            sites.put(b + "mlp.up", mlp.up());
            sites.put(b + "mlp.down", mlp.down());
        }
        return sites;
    }

    /** Every parameter once (the tied output projection shares the embedding table). */
    @Override
    public List<Parameter> parameters() {
        return stack.parameters();
    }

    public HfConfig config() {
        return config;
    }

    /** The blocks' shapes when narrowed (see {@link StructuredFolder}), else null. */
    public List<BlockShape> blockShapes() {
        return shapes;
    }

    /** Block {@code i} (its norms, attention and MLP), for code that reads or replaces its parts. */
    public PreNormBlock block(int i) {
        return blocks.get(i);
    }

    /** The token embedding. */
    public Embedding tokenEmbedding() {
        return embedding;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    /** {@code max_position_embeddings}: sliding layers mask by their window, so the model keeps its whole context. */
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

    Embedding embedding() {
        return embedding;
    }

    List<PreNormBlock> blocks() {
        return blocks;
    }

    /** The final RMSNorm ({@code model.norm}), before the output projection. */
    public RMSNorm norm() {
        return norm;
    }

    Linear head() {
        return head;
    }
}
