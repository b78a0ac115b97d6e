package org.lowrank4j.adapt.classify;

import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.nn.train.LabelledTexts;

/**
 * What {@link ClassifierFineTuning#run} does.
 *
 * @param model           a BERT-family encoder: an ONNX file (model.onnx) or a safetensors + config.json folder
 * @param data            the labelled texts (all of them; the split is made here)
 * @param out             the adapter folder to write
 * @param lora            rank, α, dropout, rsLoRA of the adapters
 * @param targets         target module names (PEFT target_modules) among the BERT paths, e.g. query, value, or
 *                        intermediate.dense, output.dense for the feed-forward layers
 * @param pooling         how token states become one vector (mean for MiniLM, cls for bge)
 * @param steps           optimizer steps of the whole run
 * @param batch           texts per step
 * @param learningRate    peak AdamW learning rate of adapters and head (cosine decay to a tenth after {@code warmup})
 * @param warmup          warm-up steps
 * @param weightDecay     AdamW weight decay
 * @param heldOutFraction share of each class held out for evaluation, in (0, 1): the split is
 *                        {@link LabelledTexts#stratifiedSplit}(labels, 1 − heldOutFraction, seed), the one {@code eval}'s
 *                        linear probe makes with the same fraction and seed
 * @param seed            seed of the split, the adapters' initialisation, the batch order and the dropout masks
 * @param checkpointEvery a checkpoint every this many steps (and at the end); 0 for only at the end
 * @param resume          continue from {@code out}'s checkpoint (same request otherwise)
 * @param stopAfter       stop after this many steps (the schedule still spans {@code steps}); null to run them all
 * @param adapter         {@code lora}, {@code full} (every encoder weight trains) or an adapter variant's spec
 *                        ({@code nola:basis=128}, see {@link org.lowrank4j.adapt.variant.AdapterVariants})
 * @param headStart       where the head starts when training begins (it is fitted on the frozen features for the
 *                        "before" figures either way)
 * @param init            how a LoRA adapter starts: lora, pissa or svfit ({@link AdapterInit}); lora for the other kinds
 * @param validationFraction share of each class of the training texts set aside as a validation split, in [0, 1): those
 *                        texts neither train the head nor the adapters, and are scored before and after like the held-out
 *                        ones, so that settings (a learning rate, a budget) can be chosen without looking at the held-out
 *                        texts; 0 for none. The held-out texts are the same with or without it.
 */
public record ClassifyRequest(Path model, LabelledTexts data, Path out, LoraSettings lora, List<String> targets, EncoderPooling pooling,
        int steps, int batch, double learningRate, int warmup, double weightDecay, double heldOutFraction, long seed, int checkpointEvery,
        boolean resume, Integer stopAfter, String adapter, HeadStart headStart, AdapterInit init, double validationFraction) {

    /** A request without a validation split. */
    public ClassifyRequest(Path model, LabelledTexts data, Path out, LoraSettings lora, List<String> targets, EncoderPooling pooling,
            int steps, int batch, double learningRate, int warmup, double weightDecay, double heldOutFraction, long seed, int checkpointEvery,
            boolean resume, Integer stopAfter, String adapter, HeadStart headStart, AdapterInit init) {
        this(model, data, out, lora, targets, pooling, steps, batch, learningRate, warmup, weightDecay, heldOutFraction, seed, checkpointEvery,
                resume, stopAfter, adapter, headStart, init, 0);
    }

    /** A LoRA run whose head starts from the frozen-feature fit. */
    public ClassifyRequest(Path model, LabelledTexts data, Path out, LoraSettings lora, List<String> targets, EncoderPooling pooling,
            int steps, int batch, double learningRate, int warmup, double weightDecay, double heldOutFraction, long seed, int checkpointEvery,
            boolean resume, Integer stopAfter) {
        this(model, data, out, lora, targets, pooling, steps, batch, learningRate, warmup, weightDecay, heldOutFraction, seed, checkpointEvery,
                resume, stopAfter, "lora", HeadStart.PROBE, AdapterInit.LORA);
    }

    public ClassifyRequest {
        if (adapter == null || adapter.isBlank() || headStart == null || init == null) {
            throw new IllegalArgumentException("a classification request needs an adapter (lora, full or a variant), a head start and an init");
        }
        if (init != AdapterInit.LORA && !adapter.equalsIgnoreCase("lora")) {
            throw new IllegalArgumentException("--init " + init.label() + " applies to LoRA adapters only, not to --adapter " + adapter);
        }
        if (init != AdapterInit.LORA && resume) {
            throw new IllegalArgumentException("--resume continues plain LoRA classifier runs only, not --init " + init.label());
        }
        if (model == null || data == null || out == null || lora == null || targets == null || pooling == null) {
            throw new IllegalArgumentException("a classification request needs a model, labelled texts, an output folder, LoRA settings, "
                    + "targets and a pooling");
        }
        targets = List.copyOf(targets);
        if (targets.isEmpty() && !adapter.equals("full")) {
            throw new IllegalArgumentException("--targets names no module; give e.g. query,value");
        }
        org.lowrank4j.adapt.finetune.FineTuneRequest.requireAtLeast("--steps", steps, 1);
        org.lowrank4j.adapt.finetune.FineTuneRequest.requireAtLeast("--batch", batch, 1);
        org.lowrank4j.adapt.finetune.FineTuneRequest.requireAtLeast("--warmup", warmup, 0);
        org.lowrank4j.adapt.finetune.FineTuneRequest.requireAtLeast("--checkpoint-every", checkpointEvery, 0);
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + learningRate);
        }
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be a non-negative number, got " + weightDecay);
        }
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOutFraction);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("--validation must be in [0, 1) (a share of each class's training texts), got "
                    + validationFraction);
        }
        if (stopAfter != null && stopAfter < 1) {
            throw new IllegalArgumentException("stop after " + stopAfter + " steps: must be >= 1");
        }
    }

    /** Plain LoRA (the PEFT path, with checkpoints and resume). */
    public boolean isLora() {
        return adapter.equalsIgnoreCase("lora");
    }

    /** Every encoder weight trains. */
    public boolean isFull() {
        return adapter.equalsIgnoreCase("full");
    }
}
