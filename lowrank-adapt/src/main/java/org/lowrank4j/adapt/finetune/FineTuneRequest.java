package org.lowrank4j.adapt.finetune;

import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.adapt.lora.AdapterInit;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.nn.generate.Tokenizer;

/**
 * What {@link FineTuning#run} does.
 *
 * @param model              a decoder folder (config.json, model.safetensors, tokenizer.json), LLaMA family
 * @param text               the domain text; its tail ({@code heldOutFraction}) is held out for evaluation, the rest trains
 * @param dataName           how records name the text (its path)
 * @param out                the adapter folder to write (adapter_config.json, adapter_model.safetensors, checkpoint, log, record)
 * @param lora               rank, α, dropout, rsLoRA
 * @param targets            target module names (PEFT target_modules), e.g. q_proj, k_proj, v_proj, o_proj
 * @param steps              optimizer steps of the whole run
 * @param batch              windows per step
 * @param context            tokens per window (at most the model's positions; 0 for the model's)
 * @param learningRate       peak AdamW learning rate (cosine decay to a tenth after {@code warmup} steps)
 * @param warmup             warm-up steps
 * @param weightDecay        AdamW weight decay of the adapter factors
 * @param heldOutFraction    tail of the text held out, in (0, 1)
 * @param evalBytes          at most this many held-out bytes are scored before and after (0: all)
 * @param seed               seed of A's initialisation, the data order and the dropout masks
 * @param checkpointEvery    a checkpoint every this many steps (and at the end); 0 for only at the end
 * @param resume             continue from {@code out}'s checkpoint (same request otherwise)
 * @param stopAfter          stop after this many steps (the schedule still spans {@code steps}); null to run them all
 * @param init               how the adapters start: PEFT's LoRA init (B = 0) or PiSSA (top-r singular triplets of W)
 * @param adapter            the adapter kind, {@code lora}, {@code full} (every weight trains), {@code lrc} (a compressed folder's factors
 *                           train) or a variant as {@code NAME[:KEY=VALUE…]}
 *                           (e.g. {@code nola:basis=128}); null: lora
 * @param initAdapter        a PEFT LoRA folder whose factors, rank, α and targets the run starts from (LoRA-Squeeze's
 *                           continued tuning of a squeezed adapter); null: fresh adapters as {@code init} says
 * @param squeeze            LoRA-Squeeze during the run (In-Squeeze), or null
 * @param tokenizer          the model's tokenizer (its folder's tokenizer.json), or null for bytes (the models {@code lowrank train}
 *                           writes); a byte tokenizer holds out the text's last bytes, any other the tokens of its last characters
 */
public record FineTuneRequest(Path model, String text, String dataName, Path out, LoraSettings lora, List<String> targets, int steps,
        int batch, int context, double learningRate, int warmup, double weightDecay, double heldOutFraction, long evalBytes, long seed,
        int checkpointEvery, boolean resume, Integer stopAfter, AdapterInit init, String adapter, Path initAdapter, InSqueeze squeeze,
        Tokenizer tokenizer) {

    /** A request that reads text as bytes. */
    public FineTuneRequest(Path model, String text, String dataName, Path out, LoraSettings lora, List<String> targets, int steps, int batch,
            int context, double learningRate, int warmup, double weightDecay, double heldOutFraction, long evalBytes, long seed,
            int checkpointEvery, boolean resume, Integer stopAfter, AdapterInit init, String adapter, Path initAdapter, InSqueeze squeeze) {
        this(model, text, dataName, out, lora, targets, steps, batch, context, learningRate, warmup, weightDecay, heldOutFraction, evalBytes,
                seed, checkpointEvery, resume, stopAfter, init, adapter, initAdapter, squeeze, null);
    }

    /** This request with the model's tokenizer (null: bytes). */
    public FineTuneRequest withTokenizer(Tokenizer tokenizer) {
        return new FineTuneRequest(model, text, dataName, out, lora, targets, steps, batch, context, learningRate, warmup, weightDecay,
                heldOutFraction, evalBytes, seed, checkpointEvery, resume, stopAfter, init, adapter, initAdapter, squeeze, tokenizer);
    }

    /** A request without In-Squeeze. */
    public FineTuneRequest(Path model, String text, String dataName, Path out, LoraSettings lora, List<String> targets, int steps, int batch,
            int context, double learningRate, int warmup, double weightDecay, double heldOutFraction, long evalBytes, long seed,
            int checkpointEvery, boolean resume, Integer stopAfter, AdapterInit init, String adapter, Path initAdapter) {
        this(model, text, dataName, out, lora, targets, steps, batch, context, learningRate, warmup, weightDecay, heldOutFraction, evalBytes,
                seed, checkpointEvery, resume, stopAfter, init, adapter, initAdapter, null);
    }

    /** A request that starts its adapters afresh. */
    public FineTuneRequest(Path model, String text, String dataName, Path out, LoraSettings lora, List<String> targets, int steps, int batch,
            int context, double learningRate, int warmup, double weightDecay, double heldOutFraction, long evalBytes, long seed,
            int checkpointEvery, boolean resume, Integer stopAfter, AdapterInit init, String adapter) {
        this(model, text, dataName, out, lora, targets, steps, batch, context, learningRate, warmup, weightDecay, heldOutFraction, evalBytes,
                seed, checkpointEvery, resume, stopAfter, init, adapter, null);
    }

    /** A LoRA request. */
    public FineTuneRequest(Path model, String text, String dataName, Path out, LoraSettings lora, List<String> targets, int steps, int batch,
            int context, double learningRate, int warmup, double weightDecay, double heldOutFraction, long evalBytes, long seed,
            int checkpointEvery, boolean resume, Integer stopAfter, AdapterInit init) {
        this(model, text, dataName, out, lora, targets, steps, batch, context, learningRate, warmup, weightDecay, heldOutFraction, evalBytes,
                seed, checkpointEvery, resume, stopAfter, init, null);
    }

    /** A request with the usual LoRA initialisation. */
    public FineTuneRequest(Path model, String text, String dataName, Path out, LoraSettings lora, List<String> targets, int steps, int batch,
            int context, double learningRate, int warmup, double weightDecay, double heldOutFraction, long evalBytes, long seed,
            int checkpointEvery, boolean resume, Integer stopAfter) {
        this(model, text, dataName, out, lora, targets, steps, batch, context, learningRate, warmup, weightDecay, heldOutFraction, evalBytes,
                seed, checkpointEvery, resume, stopAfter, AdapterInit.LORA);
    }

    /** True when the run trains a variant (NOLA, SoRA, …) rather than LoRA or every weight. */
    public boolean isVariant() {
        return adapter != null && !isFull() && !isLowRankComponents() && !isButterfly();
    }

    /** True for {@code --adapter butterfly[:…]}: projections replaced by butterfly products (or equal-size SVDs) and trained. */
    public boolean isButterfly() {
        String a = adapter == null ? "" : adapter.strip().toLowerCase(java.util.Locale.ROOT);
        return a.equals("butterfly") || a.startsWith("butterfly:");
    }

    /** True for {@code --adapter lrc[:…]}: WeLore's fine-tuning of a compressed folder's own low-rank factors. */
    public boolean isLowRankComponents() {
        return adapter != null && (adapter.strip().equalsIgnoreCase("lrc") || adapter.strip().toLowerCase(java.util.Locale.ROOT).startsWith("lrc:"));
    }

    /** True for {@code --adapter full}: every weight trains (the baseline of the adapters), and a decoder folder is written. */
    /** Refuses {@code value} below {@code min}, naming the option and the value given. */
    public static void requireAtLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be " + min + " or more, got " + value);
        }
    }

    public boolean isFull() {
        return adapter != null && adapter.strip().equalsIgnoreCase("full");
    }

    public FineTuneRequest {
        if (init == null) {
            init = AdapterInit.LORA;
        }
        if (adapter != null && (adapter.isBlank() || adapter.strip().equalsIgnoreCase("lora"))) {
            adapter = null;
        }
        if (model == null || out == null || text == null || lora == null || targets == null) {
            throw new IllegalArgumentException("a fine-tuning request needs a model, a text, an output folder, LoRA settings and targets");
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("--targets names no module; give e.g. q_proj,k_proj,v_proj,o_proj");
        }
        requireAtLeast("--steps", steps, 1);
        requireAtLeast("--batch", batch, 1);
        requireAtLeast("--context", context, 0);
        requireAtLeast("--warmup", warmup, 0);
        requireAtLeast("--checkpoint-every", checkpointEvery, 0);
        requireAtLeast("--eval-bytes", evalBytes, 0);
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("--lr must be a positive number, got " + learningRate);
        }
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be a non-negative number, got " + weightDecay);
        }
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOutFraction);
        }
        if (initAdapter != null && (adapter != null || init != AdapterInit.LORA)) {
            throw new IllegalArgumentException("--init-adapter continues a LoRA adapter; it cannot be combined with --init " + init.label()
                    + (adapter != null ? " or --adapter " + adapter : ""));
        }
        if (squeeze != null && (adapter != null || init != AdapterInit.LORA)) {
            throw new IllegalArgumentException("--squeeze-to squeezes plain LoRA adapters; it cannot be combined with "
                    + (adapter != null ? "--adapter " + adapter : "--init " + init.label() + " (its adapters are part of the base)"));
        }
        if (squeeze != null) {
            squeeze.eventSteps(steps); // refuses events that do not fit the run
        }
        if (stopAfter != null && stopAfter < 1) {
            throw new IllegalArgumentException("stop after " + stopAfter + " steps: must be >= 1");
        }
    }
}
