package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.adapt.classify.ClassificationMetrics;
import org.lowrank4j.adapt.classify.ClassifierFineTuning;
import org.lowrank4j.adapt.classify.ClassifyOutcome;
import org.lowrank4j.adapt.classify.ClassifyRequest;
import org.lowrank4j.adapt.classify.EncoderPooling;
import org.lowrank4j.adapt.classify.HeadStart;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.finetune.FineTuneOutcome;
import org.lowrank4j.adapt.finetune.FineTuneRequest;
import org.lowrank4j.adapt.finetune.FineTuning;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.ops.SqueezeForm;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.train.LabelledTexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lowrank finetune}: LoRA on a decoder folder (writes a PEFT adapter folder, prints held-out perplexity before/after)
 * or, with {@code --task classify}, sequence classification on a BERT-family encoder (prints accuracy and macro-F1).
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"LoRA (or, with --adapter, NOLA, SoRA, SALT, LoLDU, LoCA, S2-LoRA, FLoRA, SNELL or SNELLA) fine-tuning of a decoder folder on text; writes a PEFT(-style) adapter folder (adapter_config.json, adapter_model.safetensors). --adapter full trains every weight instead and writes a decoder folder.",
            "With --task classify: LoRA sequence classification on an encoder (model.onnx + --tokenizer, or a BERT safetensors folder) from --labels; the head is fitted on the frozen embeddings first (the 'before' figures), then trained with the adapters."})
final class FinetuneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Decoder folder (written by lowrank train); with --task classify an ONNX encoder (model.onnx) or a BERT safetensors folder.")
    Path model;

    @Option(names = "--task", defaultValue = "lm", description = "lm (causal language modelling on --data) or classify (sequence classification on --labels). Default ${DEFAULT-VALUE}.")
    String task;

    @Option(names = "--data", description = "Text: a .txt file or a folder of them; the tail is held out (--task lm).")
    Path data;

    @Option(names = "--labels", description = "--task classify: labelled text, a TSV file (label<TAB>text) or a folder with one sub-folder per class (or a SpamAssassin corpus, 500 mails per class).")
    Path labels;

    @Option(names = "--tokenizer", description = "--task classify: the encoder's tokenizer.json.")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", description = "--task classify: how token states become one vector, mean (MiniLM) or cls (bge). Default ${DEFAULT-VALUE}.")
    String pooling;

    @Option(names = "--max-length", defaultValue = "128", description = "--task classify: tokens per text, special tokens included (default ${DEFAULT-VALUE}).")
    int maxLength;

    @picocli.CommandLine.Mixin
    YearRange years = new YearRange();

    @Option(names = "--out", required = true, description = "Adapter folder to write.")
    Path out;

    @Option(names = "--rank", defaultValue = "8", description = "LoRA rank r (default ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", defaultValue = "16", description = "lora_alpha (default ${DEFAULT-VALUE}); the update is scaled by alpha/r.")
    double alpha;

    @Option(names = "--dropout", defaultValue = "0", description = "lora_dropout (default ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--rslora", description = "Scale by alpha/sqrt(r) (rsLoRA).")
    boolean rslora;

    @Option(names = "--targets", split = ",",
            description = "Target modules (PEFT target_modules); default q_proj,k_proj,v_proj,o_proj (OPT: out_proj; GPT-2: c_attn,attn.c_proj; Phi-3: qkv_proj,o_proj), with --task classify query,value (add intermediate.dense,output.dense for the feed-forward layers).")
    List<String> targets;

    @Option(names = "--steps", defaultValue = "300", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Windows per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--context", defaultValue = "0", description = "Tokens per training window; 0 for the model's context, at most 2,048 (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "20", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay of the adapters (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--held-out", description = "Tail of the text held out for evaluation (default 0.1); with --task classify the share of each class held out (default 0.3, eval's probe split with the same --seed).")
    Double heldOut;

    @Option(names = "--pairs", description = "--task classify: each text is a pair \"first<TAB>second\" (a TSV line label<TAB>first<TAB>second), read as [CLS] first [SEP] second [SEP] with token types 0 and 1: a cross-encoder.")
    boolean pairs;

    @Option(names = "--validation", description = "--task classify: share of each class's training texts set aside as a validation split, scored before and after like the held-out texts, to choose settings (rates, budgets) without looking at the held-out ones; the held-out texts stay the same. Default 0 (none).")
    Double validation;

    @Option(names = "--eval-bytes", defaultValue = "200000", description = "Score at most this many held-out bytes; 0 for all (default ${DEFAULT-VALUE}).")
    long evalBytes;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the initialisation, data order and dropout (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Checkpoint every N steps (and at the end; default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--stop-after", hidden = true, description = "Stop once this many steps are done (the schedule still spans --steps); for testing resume.")
    Integer stopAfter;

    @Option(names = "--resume", description = "Continue from OUT/checkpoint.safetensors with the same options.")
    boolean resume;

    @Option(names = "--init", defaultValue = "lora",
            description = "Adapter initialisation: lora (A random, B = 0), pissa (top-r singular triplets of W, residual frozen; the adapter is written for the original base with rank 2r) or svfit (only the top-r singular values of W train; written as a rank-r adapter). Default ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--adapter", defaultValue = "lora",
            description = "Adapter kind: lora; full (every weight trains, the baseline; writes a decoder folder); lrc[:norms=1|0] (WeLore: a compressed folder's own low-rank factors and the norms train, its dense projections stay frozen; writes a low-rank folder); or a variant with options as NAME:KEY=VALUE..., e.g. nola:basis=128, sora:xi=1e-3:xi-max=2e-2:stages=5:schedule=log, nola:budget=107520, salt:rank=8:lora-rank=4, loldu:rank=16, loca:frequencies=1000, s2lora:rank=8:xi=1e-2, flora:view=heads:budget=107520, flora:ranks=4,8,8:view=heads, snell:rank=8:sparsity=0.9, snella:rank=8:target-sparsity=0.8 (--rank/--alpha are the variants' defaults). Or butterfly[:sites=output,down:blocks=2:fit-steps=500:fit-rate=0.05:form=butterfly|low-rank]: the named projections replaced by butterfly products fitted to their weights (form=low-rank: truncated SVDs of equal size, the control), then trained with the rest frozen; writes replaced.safetensors and the record, no model folder. With --task classify: lora, full (every encoder weight; writes the encoder folder and its head) or a variant. Default ${DEFAULT-VALUE}.")
    String adapter;

    @Option(names = "--head-start", defaultValue = "probe",
            description = "--task classify: where the head starts training, probe (from its fit on the frozen features, which gives the 'before' figures), probe:l2=λ (from a second fit with the L2 penalty (λ/2)·‖W‖², which stops short of separating the training texts, so the adapters get a gradient; the 'before' figures stay the plain probe's) or zero (set back to zero, as a new Hugging Face head). Default ${DEFAULT-VALUE}.")
    String headStart;

    @Option(names = "--squeeze-to", paramLabel = "R", description = "LoRA-Squeeze during tuning (In-Squeeze): start at --rank and squeeze the "
            + "adapters to rank R in --squeeze-events steps of a geometric rank sequence, spread over the first --squeeze-until share of the "
            + "steps; AdamW restarts after each, the schedule runs on. By default each squeeze keeps the stored values of its rank, "
            + "Fisher-weighted on the training text (--squeeze-weighting, --squeeze-by).")
    Integer squeezeTo;

    @Option(names = "--squeeze-events", paramLabel = "K", description = "With --squeeze-to: how many squeezes, at ranks R0·(R/R0)^(k/K) (default 1).")
    Integer squeezeEvents;

    @Option(names = "--squeeze-until", paramLabel = "F", description = "With --squeeze-to: the share of the steps by which the last squeeze "
            + "happens (default 0.6).")
    Double squeezeUntil;

    @Option(names = "--squeeze-weighting", paramLabel = "W", description = "With --squeeze-to: fisher (the default: each module's error "
            + "weighted by its inputs and by the loss's gradients at its outputs), inputs (activation-aware) or none (the SVD of each "
            + "module's own update, no calibration), calibrated on --squeeze-windows windows of the training text, never the held-out "
            + "tail, as adapter squeeze --weighting does after a run.")
    String squeezeWeighting;

    @Option(names = "--squeeze-by", paramLabel = "HOW", description = "With --squeeze-to: budget (the default with a calibrated "
            + "weighting: each squeeze keeps the stored values of its rank, spent across modules by the weighting's estimate of the loss, "
            + "the ranks written as PEFT's rank_pattern; adapter squeeze --budget) or rank (every module at the same rank; the default "
            + "with --squeeze-weighting none, where a budget by energy kept less).")
    String squeezeBy;

    @Option(names = "--squeeze-compensate", description = "With a calibrated --squeeze-weighting: squeeze the modules in the model's "
            + "order, each one fitted to the inputs the modules squeezed before it give (adapter squeeze --compensate; ~3x the time of "
            + "the squeeze, and within 0.3 points of it after tuning on in results/in-squeeze-calibrated).")
    boolean squeezeCompensate;

    @Option(names = "--squeeze-windows", paramLabel = "N", description = "With a calibrated --squeeze-weighting: calibration windows of "
            + "the model's context per squeeze (default 64).")
    Integer squeezeWindows;

    @Option(names = "--init-adapter", paramLabel = "DIR",
            description = "Start from this PEFT LoRA adapter folder (its factors, rank, alpha and targets; --rank, --alpha, --targets are then not used), e.g. one squeezed by `adapter squeeze`: LoRA-Squeeze's continued tuning.")
    Path initAdapter;

    @Option(names = "--force", description = "Replace an existing OUT.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (pairs && !task.equals("classify")) {
            throw new IllegalArgumentException("--pairs is for --task classify (a cross-encoder over text pairs)");
        }
        if (validation != null && !task.equals("classify")) {
            throw new IllegalArgumentException("--validation is for --task classify (the language-modelling task holds out --held-out of the text)");
        }
        if ((squeezeEvents != null || squeezeUntil != null || squeezeWeighting != null || squeezeBy != null || squeezeCompensate
                || squeezeWindows != null) && squeezeTo == null) {
            throw new IllegalArgumentException("--squeeze-events, --squeeze-until, --squeeze-weighting, --squeeze-by, --squeeze-compensate "
                    + "and --squeeze-windows shape --squeeze-to R; give it too");
        }
        if (squeezeTo != null && task.equals("classify")) {
            throw new IllegalArgumentException("--squeeze-to is for the language-modelling task; squeeze a classifier's adapter with `adapter squeeze`");
        }
        if (task.equals("classify")) {
            return classify();
        }
        if (!task.equals("lm")) {
            throw new IllegalArgumentException("--task " + task + " is not known; use lm or classify");
        }
        if (data == null) {
            throw new IllegalArgumentException("--task lm needs --data (a .txt file or a folder of them)");
        }
        double heldOut = this.heldOut == null ? 0.1 : this.heldOut;
        DecoderFolder.requireModelFolder(model);
        if (targets == null) {
            targets = ModulePaths.attentionTargets(model);
        }
        if (resume) {
            OutputPlan.of("--out", out, true).folderOutput(true).input("--model", model).input("--data", data).input("--init-adapter", initAdapter)
                    .createdAfterLongWork().check();
        } else {
            OutputPlan.of("--out", out, force).folderOutput(true).input("--model", model).input("--data", data).input("--init-adapter", initAdapter)
                    .whenPresent(FinetuneCommand::earlierRun).createdAfterLongWork().check();
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a file; give a folder");
            }
        }
        org.lowrank4j.adapt.lora.AdapterInit adapterInit = org.lowrank4j.adapt.lora.AdapterInit.parse(init);
        String text = years.read(data);
        ProgressBar bar = ProgressBar.stderr();
        long total = stopAfter == null ? steps : Math.min(steps, stopAfter);
        FineTuneOutcome outcome;
        String unit, tunedLabel;
        try (FolderTokenizer tokenizer = FolderTokenizer.of(model)) { // bytes for the folders lowrank train writes
            unit = tokenizer.unit();
            FineTuneRequest request = new FineTuneRequest(model, text, data.toString(), out, loraSettings(), targets, steps, batch, context, lr, warmup,
                    weightDecay, heldOut, evalBytes, seed, checkpointEvery, resume, stopAfter, adapterInit, adapter, initAdapter, inSqueeze())
                    .withTokenizer(tokenizer.bytes() ? null : tokenizer.tokenizer());
            tunedLabel = request.isFull() ? "tuned  " : "adapted";
            outcome = replacingOut(() -> FineTuning.run(request, new FineTuneListener() {
                @Override
                public void onPhase(String phase, String detail) {
                    bar.note(phase + ": " + detail);
                }

                @Override
                public void onStep(StepReport r) {
                    bar.update("finetune", r.step() + 1, total, String.format(Locale.ROOT, "loss %.4f, %.0f tok/s", r.loss(), r.tokensPerSecond()));
                }
            }));
        }
        System.out.println(FolderTokenizer.heldOutLine("base   ", outcome.before(), unit));
        outcome.notes().forEach(System.out::println);
        System.out.println(FolderTokenizer.heldOutLine(tunedLabel, outcome.after(), unit));
        double reduction = 100 * outcome.perplexityReduction();
        System.out.printf(Locale.ROOT, "perplexity %s; %d steps in %.1f s (%,d trainable of %,d parameters); wrote %s%n",
                Math.abs(reduction) < 0.05 ? "unchanged (within 0.1%)" : String.format(Locale.ROOT, "%.1f%% %s", Math.abs(reduction),
                        reduction > 0 ? "lower" : "higher"), outcome.stepsRun(), outcome.trainSeconds(), outcome.trainable(), outcome.baseParameters(), out);
        return 0;
    }

    /** --rank, --alpha, --dropout and --rslora, each refused by its option name (LoraSettings names PEFT's fields). */
    private LoraSettings loraSettings() {
        LoraSettings.check(rank, alpha, dropout, "--rank", "--alpha", "--dropout");
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("--alpha must be a positive number (the update is scaled by alpha/r, so " + alpha
                    + " trains " + (alpha == 0 ? "nothing" : "against the sign LoRA expects") + "), got " + alpha);
        }
        return new LoraSettings(rank, alpha, dropout, rslora);
    }

    /** The In-Squeeze schedule of --squeeze-to, or null. */
    private org.lowrank4j.adapt.finetune.InSqueeze inSqueeze() {
        if (squeezeTo == null) {
            return null;
        }
        SqueezeForm.Weighting weighting = squeezeWeighting == null ? SqueezeForm.Weighting.FISHER
                : SqueezeForm.Weighting.parse("--squeeze-weighting", squeezeWeighting);
        if (weighting == SqueezeForm.Weighting.NONE && (squeezeCompensate || squeezeWindows != null)) {
            throw new IllegalArgumentException((squeezeCompensate ? "--squeeze-compensate" : "--squeeze-windows")
                    + " is for a calibrated squeeze; give --squeeze-weighting fisher or inputs");
        }
        boolean budget;
        if (squeezeBy == null) {
            budget = weighting != SqueezeForm.Weighting.NONE;
        } else if (squeezeBy.equals("budget") || squeezeBy.equals("rank")) {
            budget = squeezeBy.equals("budget");
        } else {
            throw new IllegalArgumentException("--squeeze-by " + squeezeBy + ": use budget or rank");
        }
        SqueezeForm form = new SqueezeForm(weighting, squeezeCompensate, squeezeWindows == null ? SqueezeForm.DEFAULT_WINDOWS : squeezeWindows);
        return new org.lowrank4j.adapt.finetune.InSqueeze(squeezeTo,
                squeezeEvents == null ? org.lowrank4j.adapt.finetune.InSqueeze.DEFAULT_EVENTS : squeezeEvents,
                squeezeUntil == null ? org.lowrank4j.adapt.finetune.InSqueeze.DEFAULT_UNTIL : squeezeUntil, form, budget);
    }

    private Integer classify() throws Exception {
        if (labels == null || tokenizer == null) {
            throw new IllegalArgumentException("--task classify needs --labels (a TSV or a folder per class) and --tokenizer (tokenizer.json)");
        }
        if (data != null) {
            throw new IllegalArgumentException("--task classify reads --labels, not --data");
        }
        if (adapter.toLowerCase(Locale.ROOT).startsWith("lrc") || adapter.toLowerCase(Locale.ROOT).startsWith("butterfly") || initAdapter != null) {
            throw new IllegalArgumentException("--task classify takes --adapter lora, full or a variant, without --init-adapter");
        }
        HeadStart start = HeadStart.parse(headStart);
        prepareOut(OutputPlan.of("--out", out, resume || force).input("--model", model).input("--labels", labels).input("--tokenizer", tokenizer)
                .whenPresent(FinetuneCommand::earlierRun).createdAfterLongWork());
        EncoderPooling pool = EncoderPooling.parse(pooling);
        LabelledTexts texts = LabelledTexts.load(labels);
        ClassifyRequest request = new ClassifyRequest(model, texts, out, loraSettings(),
                targets == null ? List.of("query", "value") : targets, pool, steps, batch, lr, warmup, weightDecay,
                heldOut == null ? 0.3 : heldOut, seed, checkpointEvery, resume, stopAfter, adapter, start,
                org.lowrank4j.adapt.lora.AdapterInit.parse(init), validation == null ? 0 : validation);
        ProgressBar bar = ProgressBar.stderr();
        long total = stopAfter == null ? steps : Math.min(steps, stopAfter);
        ClassifyOutcome outcome;
        try (HfTokenizer hf = HfTokenizer.load(tokenizer, maxLength)) {
            org.lowrank4j.compress.check.ModelPairs.requireTokenizerFits(tokenizer, hf.vocabularySize(), model); // another model's tokenizer
            outcome = replacingOut(() -> ClassifierFineTuning.run(request, pairs ? pairTokenizer(hf) : text -> toInts(hf.ids(text)),
                    new FineTuneListener() {
                        @Override
                        public void onPhase(String phase, String detail) {
                            bar.note(phase + ": " + detail);
                        }

                        @Override
                        public void onStep(StepReport r) {
                            bar.update("finetune", r.step() + 1, total, String.format(Locale.ROOT, "loss %.4f, %.1f texts/s", r.loss(),
                                    r.tokensPerSecond()));
                        }
                    }));
        }
        String trained = String.format(Locale.ROOT, "%-21s", (adapter.equalsIgnoreCase("lora") ? "LoRA" : adapter.split(":")[0]) + " + head");
        System.out.println(metrics("frozen encoder + head", "held-out", outcome.before()));
        System.out.println(metrics(trained, "held-out", outcome.after()));
        if (outcome.validationBefore() != null) {
            System.out.println(metrics("frozen encoder + head", "validation", outcome.validationBefore()));
            System.out.println(metrics(trained, "validation", outcome.validationAfter()));
        }
        System.out.printf(Locale.ROOT, "%d held-out texts (%d train, classes %s); %d steps in %.1f s (%,d trainable parameters); wrote %s%n",
                outcome.testCount(), outcome.trainCount(), shortList(outcome.classNames()), outcome.stepsRun(), outcome.trainSeconds(), outcome.trainable(), out);
        return 0;
    }

    /** The class names as a list, the first ten and a count when there are more (a 300-class summary stays one line). */
    static String shortList(List<String> names) {
        return names.size() <= 10 ? names.toString()
                : names.subList(0, 10).toString().replaceFirst("]$", ", … " + names.size() + " in all]");
    }

    private static int[] toInts(long[] ids) {
        return java.util.Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }

    /** "first<TAB>second" as a BERT pair; a text without a tab is refused. */
    private static org.lowrank4j.adapt.classify.TextTokenizer pairTokenizer(HfTokenizer hf) {
        int separator = Math.toIntExact(hf.pairSeparator());
        return new org.lowrank4j.adapt.classify.TextTokenizer() {
            @Override
            public int[] ids(String text) {
                int tab = text.indexOf('\t');
                if (tab < 0 || text.substring(tab + 1).isBlank() || text.substring(0, tab).isBlank()) {
                    String shown = text.strip();
                    throw new IllegalArgumentException("--pairs: the text \"" + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown)
                            + "\" is not a pair: each line must be label<TAB>first<TAB>second with both texts non-empty (a folder per class"
                            + " holds single texts, not pairs)");
                }
                return toInts(hf.pairIds(text.substring(0, tab).strip(), text.substring(tab + 1).strip()));
            }

            @Override
            public int pairSeparator() {
                return separator;
            }
        };
    }

    /**
     * What an existing --out left by an earlier run holds, for the refusal without --force: a checkpoint (--resume
     * continues it if it stopped early), or only a log, from a run stopped before its first checkpoint; null for anything
     * else (OutputPlan's plain refusal).
     */
    static String earlierRun(Path out) {
        if (!Files.isDirectory(out)) {
            return null;
        }
        if (Files.isRegularFile(out.resolve(FineTuning.CHECKPOINT))) {
            return "holds an earlier run's " + FineTuning.CHECKPOINT + ": --resume continues it if it stopped early (with the same options),"
                    + " --force replaces it, or choose another folder";
        }
        try (java.util.stream.Stream<Path> entries = Files.list(out)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).toList();
            if (!names.isEmpty() && names.stream().allMatch(n -> n.equals(FineTuning.LOG))) {
                return "holds only the log of a run stopped before its first checkpoint (nothing to resume): --force replaces it, or choose"
                        + " another folder";
            }
        } catch (java.io.IOException unreadable) {
            return null; // the plain refusal names the folder
        }
        return null;
    }

    private void prepareOut(OutputPlan plan) throws java.io.IOException {
        plan.check();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file; give a folder");
        }
    }

    /**
     * Runs the training that writes {@code --out} ({@link org.lowrank4j.formats.io.AtomicFiles#restartingIn}): an earlier OUT
     * (only there with {@code --force}) comes back when the run fails before its first checkpoint, and goes once the run has
     * one (so that --resume can continue it) or has finished. A {@code --resume} run trains on in OUT itself.
     */
    private <T> T replacingOut(Callable<T> training) throws Exception {
        if (resume) {
            return training.call();
        }
        return org.lowrank4j.formats.io.AtomicFiles.restartingIn(out, folder -> Files.isRegularFile(folder.resolve(FineTuning.CHECKPOINT)), training);
    }

    private static String metrics(String what, String split, ClassificationMetrics m) {
        return String.format(Locale.ROOT, "%s %s accuracy %.4f, macro-F1 %.4f (%d texts)", what, split, m.accuracy(), m.macroF1(), m.examples());
    }

}
