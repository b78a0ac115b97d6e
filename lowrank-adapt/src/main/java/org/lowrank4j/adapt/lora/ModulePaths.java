package org.lowrank4j.adapt.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.layers.Linear;

/**
 * The linear layers of a model under their Hugging Face module paths, which PEFT's file keys are built from:
 * {@code model.layers.0.self_attn.q_proj} for the LLaMA family, {@code model.decoder.layers.0.self_attn.q_proj} for OPT,
 * {@code encoder.layer.0.attention.self.query} for BERT.
 */
public final class ModulePaths {
    private static final String[] BERT_NAMES = {"attention.self.query", "attention.self.key", "attention.self.value",
        "attention.output.dense", "intermediate.dense", "output.dense"};

    private ModulePaths() {
    }

    /**
     * A decoder's block projections by path, for the adapter variants (NOLA, SoRA, …), which train each projection on its
     * own; the layers of the runtime's decoders already carry their HF names. LoRA itself goes through
     * {@link LoraModel#overDecoder}, which also trains the modules a checkpoint fuses.
     *
     * @throws IllegalArgumentException for Phi-3, whose checkpoints fuse q, k, v and gate, up, and GPT-2, which fuses q, k,
     *                                  v: the variants' files name the runtime's separate projections
     */
    public static Map<String, Linear> decoder(CausalLanguageModel model) {
        if (model instanceof org.lowrank4j.nn.arch.llama.LlamaModel llama && org.lowrank4j.nn.arch.llama.LlamaModel.fusesProjections(llama.config())) {
            throw new IllegalArgumentException("model_type phi3 fuses q_proj, k_proj, v_proj into qkv_proj and gate_proj, up_proj into"
                    + " gate_up_proj; the adapter variants train separate projections, so they do not cover Phi-3 (LoRA does: finetune"
                    + " without --adapter; finetune --adapter full trains every weight)");
        }
        if (conv1d(model)) {
            throw new IllegalArgumentException("model_type gpt2 fuses q, k and v into one Conv1D (c_attn); the adapter variants train"
                    + " separate projections, so they do not cover GPT-2 (LoRA does: finetune without --adapter; the variants take OPT, which keeps q, k, v apart)");
        }
        return layers(model);
    }

    /**
     * Every block projection of a decoder under its runtime name, which is its checkpoint path but for the projections
     * a checkpoint fuses ({@link FusedModules}: GPT-2's c_attn parts, Phi-3's); {@link LoraModel#overDecoder} adds the
     * fused modules' own paths, which adapters name.
     */
    public static Map<String, Linear> layers(CausalLanguageModel model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (Linear linear : model.linearSites().values()) {
            out.put(linear.name(), linear);
        }
        return out;
    }

    /**
     * The attention projections a decoder folder's adapters target by default, under the module names its checkpoint
     * uses: q, k, v and the output projection ({@code out_proj} for OPT, {@code o_proj} for the LLaMA family), GPT-2's
     * fused {@code c_attn} and {@code attn.c_proj}, Phi-3's fused {@code qkv_proj} and {@code o_proj}.
     */
    public static List<String> attentionTargets(java.nio.file.Path decoderFolder) throws java.io.IOException {
        org.lowrank4j.formats.hf.HfConfig config = org.lowrank4j.formats.hf.HfConfig.read(decoderFolder);
        if (config.architecture() == org.lowrank4j.formats.hf.HfArchitecture.GPT2 && !config.isOpt()) {
            return List.of("c_attn", "attn.c_proj");
        }
        if (config.architecture() == org.lowrank4j.formats.hf.HfArchitecture.LLAMA && org.lowrank4j.nn.arch.llama.LlamaModel.fusesProjections(config)) {
            return List.of("qkv_proj", "o_proj");
        }
        return List.of("q_proj", "k_proj", "v_proj", config.isOpt() ? "out_proj" : "o_proj");
    }

    /** Whether the decoder's checkpoint stores its projections as Conv1D (GPT-2): PEFT's adapters then say fan_in_fan_out. */
    public static boolean conv1d(CausalLanguageModel model) {
        return model instanceof org.lowrank4j.nn.arch.gpt2.Gpt2Model gpt2 && !gpt2.isOpt();
    }

    /** A BERT encoder's projections under the paths of Hugging Face's {@code BertModel}. */
    public static Map<String, Linear> bert(BertModel model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (int l = 0; l < model.blocks().size(); l++) {
            List<Linear> linears = model.linears(l);
            for (int i = 0; i < linears.size(); i++) {
                out.put("encoder.layer." + l + "." + BERT_NAMES[i], linears.get(i));
            }
        }
        return out;
    }
}
