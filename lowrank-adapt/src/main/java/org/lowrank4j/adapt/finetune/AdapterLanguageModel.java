package org.lowrank4j.adapt.finetune;

import java.util.List;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.LanguageModel;

/**
 * A language model whose trainable parameters are its LoRA adapters only: the trainer zeroes, clips, updates and
 * checkpoints A and B and nothing else. Training passes draw dropout masks (one pass number per micro-batch, so a
 * resumed run draws the same ones); loss-only passes run without dropout.
 */
public final class AdapterLanguageModel implements LanguageModel {
    private final LanguageModel base;
    private final LoraModel lora;
    private long passes;

    private final List<Parameter> extra;

    public AdapterLanguageModel(LanguageModel base, LoraModel lora) {
        this(base, lora, List.of());
    }

    /** With further trainable parameters outside the LoRA adapters (SVFit's singular values). */
    public AdapterLanguageModel(LanguageModel base, LoraModel lora, List<Parameter> extra) {
        this.base = base;
        this.lora = lora;
        this.extra = List.copyOf(extra);
    }

    /** Micro-batches run with gradients so far (the dropout pass number of the next). */
    public long passes() {
        return passes;
    }

    /** Continues the pass count (after a resume: completed steps × micro-batches per step). */
    public void setPasses(long passes) {
        this.passes = passes;
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        lora.setTraining(true);
        lora.dropout().setPass(passes++);
        try {
            return base.lossAndBackward(inputs, targets);
        } finally {
            lora.setTraining(false);
        }
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        lora.setTraining(false);
        return base.loss(inputs, targets);
    }

    @Override
    public List<Parameter> parameters() {
        if (extra.isEmpty()) {
            return lora.parameters();
        }
        List<Parameter> all = new java.util.ArrayList<>(lora.parameters());
        all.addAll(extra);
        return all;
    }
}
