package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IntSummaryStatistics;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.adapt.ops.AdapterMerge;
import org.lowrank4j.adapt.ops.AdapterSummary;
import org.lowrank4j.adapt.ops.Squeeze;
import org.lowrank4j.adapt.ops.SqueezeForm;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.variant.VariantFolder;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank adapter inspect|merge|unmerge|squeeze|distil|combine|perplexity|rmm|revert}: operations on PEFT LoRA adapter folders. */
@Command(name = "adapter", mixinStandardHelpOptions = true,
        description = "Inspect, merge, unmerge, squeeze, distil, combine, reversibly merge (rmm, revert) or score PEFT LoRA adapter folders (inspect, merge and perplexity also take NOLA and SoRA folders).",
        subcommands = {AdapterCommand.Inspect.class, AdapterCommand.Merge.class, AdapterCommand.Unmerge.class, AdapterCommand.SqueezeVerb.class, AdapterDistilVerb.class,
            AdapterCommand.CombineVerb.class, AdapterCommand.PerplexityVerb.class, AdapterRmmVerbs.Merge.class, AdapterRmmVerbs.Revert.class})
final class AdapterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /**
     * Writes {@code out} with {@code write}, into a staging name first: an existing output (there only with --force, which
     * OutputPlan has checked) is replaced only once the new one is written whole ({@link AtomicFiles#replacing}).
     */
    static void writeReplacing(Path out, Write write) throws Exception {
        AtomicFiles.replacing(out, staging -> {
            write.to(staging);
            return null;
        });
    }

    /** A write into a fresh path, which may fail. */
    @FunctionalInterface
    interface Write {
        void to(Path staging) throws Exception;
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Per module: shapes, r, alpha, norm and spectrum of the update s·B·A.")
    static final class Inspect implements Callable<Integer> {
        @Option(names = "--adapter", required = true, description = "PEFT adapter folder.")
        Path adapter;

        @Override
        public Integer call() throws Exception {
            if (VariantFolder.variantOf(adapter) != null) {
                VariantFolder.Stored stored = VariantFolder.read(adapter);
                VariantFolder.describe(stored).forEach(System.out::println);
                System.out.printf(Locale.ROOT, "%,d stored values, %,d bytes on disk%n", stored.storedValues(), VariantFolder.bytesOnDisk(adapter));
                return 0;
            }
            for (String line : AdapterSummary.lines(PeftFolder.read(adapter))) {
                System.out.println(line);
            }
            return 0;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Merge an adapter into a decoder folder (writes a new model folder) or into an ONNX encoder, model.onnx (writes a plain ONNX file that ONNX Runtime and langchain4j load; a classifier head in the folder is left out).")
    static final class Merge implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Base decoder folder, or an ONNX encoder file.")
        Path model;

        @Option(names = "--adapter", required = true, description = "PEFT adapter folder.")
        Path adapter;

        @Option(names = "--out", required = true, description = "The merged model (new): a folder for a decoder folder, an .onnx file for an ONNX encoder.")
        Path out;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            AdapterMerge.requireModelNotAdapter(model, adapter);
            if (java.nio.file.Files.isRegularFile(model)) { // an ONNX encoder
                OutputPlan.of("--out", out, force).input("--model", model).input("--adapter", adapter).check();
                if (java.nio.file.Files.isDirectory(out)) {
                    throw new IllegalArgumentException("--out " + out + " is a folder; merging into " + model + " writes one ONNX file (e.g. model-merged.onnx)");
                }
                org.lowrank4j.adapt.ops.OnnxEncoderMerge.Merged merged = org.lowrank4j.adapt.ops.OnnxEncoderMerge.mergeInto(model, adapter, out);
                System.out.printf(Locale.ROOT, "merged %d modules (%,d adapter parameters) of %s into the initializers of %s; wrote %s%n",
                        merged.initializers().size(), merged.adapterParameters(), adapter, model, out);
                return 0;
            }
            DecoderFolder.requireModelFolder(model);
            OutputPlan.of("--out", out, force).input("--model", model).input("--adapter", adapter).check();
            // an earlier OUT is replaced only once the new one is whole; the adapter is read once, inside the merge
            AdapterMerge.Outcome merged = AtomicFiles.replacing(out, staging -> AdapterMerge.mergeInto(model, adapter, staging));
            if (merged.variant() != null) {
                VariantFolder.Stored stored = merged.variant();
                System.out.printf(Locale.ROOT, "merged %s adapter (%d modules, %,d stored values) of %s into %s%n", stored.variant().name(),
                        stored.tensors().size(), stored.storedValues(), adapter, out);
            } else {
                System.out.printf(Locale.ROOT, "merged %d modules (%,d adapter parameters) of %s into %s%n", merged.lora().modules().size(),
                        merged.lora().parameterCount(), adapter, out);
            }
            noteQuantizedBase(model, out);
            return 0;
        }

        /** Says so when the base was a quantized folder: the merged folder holds float32 weights, not codes. */
        private static void noteQuantizedBase(Path model, Path out) throws java.io.IOException {
            var manifest = org.lowrank4j.nn.arch.llama.QuantizedFolder.readManifest(model);
            if (manifest.isPresent()) {
                System.out.printf(Locale.ROOT, "note: %s is a quantized folder (%s); %s holds its dequantized weights plus the adapter's updates in"
                        + " float32. To quantize it again: lowrank compress --model %s --method %s --out DIR%n", model, manifest.get().method(), out, out,
                        manifest.get().method());
            }
        }
    }

    @Command(name = "unmerge", mixinStandardHelpOptions = true,
            description = "Undo a merge: subtract the same adapter's update from a merged decoder folder (equal to the base up to float32 rounding).")
    static final class Unmerge implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "A decoder folder that `adapter merge` wrote (its merged_adapters.json"
                + " names the adapters merged into it), or, with --merged-elsewhere, one another tool merged.")
        Path model;

        @Option(names = "--adapter", required = true, description = "The PEFT adapter folder that was merged into it.")
        Path adapter;

        @Option(names = "--out", required = true, description = "The restored model folder (new).")
        Path out;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Option(names = "--merged-elsewhere", description = "--model was merged by another tool, so it has no merged_adapters.json to check"
                + " the adapter against (without this option such a folder is refused).")
        boolean mergedElsewhere;

        @Override
        public Integer call() throws Exception {
            AdapterMerge.requireModelNotAdapter(model, adapter);
            DecoderFolder.requireModelFolder(model);
            OutputPlan.of("--out", out, force).input("--model", model).input("--adapter", adapter).check();
            AdapterMerge.Outcome unmerged = AtomicFiles.replacing(out, staging -> AdapterMerge.unmergeInto(model, adapter, staging, mergedElsewhere,
                    note -> System.out.println("note: " + note)));
            System.out.printf(Locale.ROOT, "subtracted %d modules of %s from %s into %s%n", unmerged.lora().modules().size(), adapter, model, out);
            return 0;
        }
    }

    @Command(name = "combine", mixinStandardHelpOptions = true,
            description = "Weighted sum of adapters of one base: exact (ranks concatenated), or with --rank the SVD of the sum (never formed).")
    static final class CombineVerb implements Callable<Integer> {
        @Option(names = "--adapter", required = true, description = "An adapter folder, optionally :WEIGHT (default 1); give two or more.")
        java.util.List<String> adapters;

        @Option(names = "--rank", description = "Truncate the sum to this rank per module (best rank-K approximation).")
        Integer rank;

        @Option(names = "--out", required = true, description = "The combined adapter folder (new).")
        Path out;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            OutputPlan plan = OutputPlan.of("--out", out, force);
            java.util.List<Path> folders = new java.util.ArrayList<>();
            java.util.List<Double> weights = new java.util.ArrayList<>();
            for (String arg : adapters) {
                int colon = arg.lastIndexOf(':');
                Path folder = Path.of(arg);
                double weight = 1;
                if (colon > 0 && !Files.isDirectory(folder)) {
                    try {
                        weight = Double.parseDouble(arg.substring(colon + 1));
                        folder = Path.of(arg.substring(0, colon));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--adapter " + arg + ": the part after ':' must be a number (the weight)");
                    }
                }
                folders.add(folder);
                weights.add(weight);
                plan = plan.input("--adapter", folder);
            }
            plan.check();
            if (rank != null) {
                Inputs.atLeast("--rank", rank, 1);
            }
            java.util.List<org.lowrank4j.adapt.ops.Combine.Term> terms = new java.util.ArrayList<>();
            for (int i = 0; i < folders.size(); i++) {
                terms.add(new org.lowrank4j.adapt.ops.Combine.Term(folders.get(i).toString(), PeftFolder.read(folders.get(i)), weights.get(i)));
            }
            PeftAdapter combined;
            String how;
            if (rank == null) {
                combined = org.lowrank4j.adapt.ops.Combine.concatenate(terms);
                how = "exact weighted sum (ranks concatenated)";
            } else {
                Squeeze.Result result = org.lowrank4j.adapt.ops.Combine.svd(terms, rank);
                combined = result.adapter();
                double kept = 0, total = 0;
                int written = 0; // the rank the modules got: below --rank where the sum has fewer directions
                for (Squeeze.ModuleReport r : result.modules().values()) {
                    written = Math.max(written, r.toRank());
                    for (int i = 0; i < r.singular().length; i++) {
                        total += r.singular()[i] * r.singular()[i];
                        kept += i < r.toRank() ? r.singular()[i] * r.singular()[i] : 0;
                    }
                }
                how = String.format(Locale.ROOT, "SVD of the weighted sum to rank %d%s, %.2f%% of its energy kept", written,
                        written < rank ? " (--rank " + rank + " is above the sum's own rank)" : "", total == 0 ? 100 : 100 * kept / total);
            }
            writeReplacing(out, staging -> PeftFolder.write(staging, combined));
            System.out.printf(Locale.ROOT, "combined %d adapters over %d modules: %s, %,d parameters; wrote %s%n", terms.size(),
                    combined.modules().size(), how, combined.parameterCount(), out);
            return 0;
        }
    }

    @Command(name = "squeeze", mixinStandardHelpOptions = true,
            description = {"LoRA-Squeeze: lower an adapter's rank by the SVD of s·B·A (never formed); writes a new adapter folder.",
                    "To keep more of the adapter's gain: calibrate (--model, --data) and --compensate (on four r = 16 adapters, 16 -> a quarter "
                            + "of the values kept 83.8-96.6%% of the gain); then --tune-steps 150 towards the original (95.3-99.1%% at that "
                            + "budget; adapter distil does it for a squeezed folder); or tune the squeezed folder on (finetune --init-adapter "
                            + "SQUEEZED, best with a new --seed) or squeeze during tuning (finetune --squeeze-to)."})
    static final class SqueezeVerb implements Callable<Integer> {
        @Option(names = "--adapter", required = true, description = "PEFT adapter folder.")
        Path adapter;

        @Option(names = "--out", required = true, description = "The squeezed adapter folder (new).")
        Path out;

        @Option(names = "--rank", description = "Target rank of every module.")
        Integer rank;

        @Option(names = "--energy", description = "Per module, the smallest rank keeping this share of the energy (e.g. 0.9).")
        Double energy;

        @Option(names = "--budget", description = "At most this many stored values (A and B of all modules), the ranks chosen across "
                + "modules to keep the most energy; N, or P%% of the adapter's own count. With a Fisher-weighted --model squeeze the "
                + "directions are ranked by the estimated loss instead.")
        String budget;

        @Option(names = "--model", description = "Calibrated: the decoder folder the adapter is for; with --data, each module's update "
                + "is truncated for the least estimated loss (see --weighting) over that text, not the least error in its weights.")
        Path model;

        @Option(names = "--data", description = "With --model: calibration text (a .txt file or a folder); its head is used, the "
                + "--held-out tail that finetune and adapter perplexity score is left out.")
        Path data;

        @Option(names = "--held-out", defaultValue = "0.1", description = "With --model: the tail of --data left out (default ${DEFAULT-VALUE}).")
        double heldOut;

        @picocli.CommandLine.Mixin
        YearRange years = new YearRange(); // with --model: the calibration text, as finetune reads it

        @Option(names = "--calibration-windows", defaultValue = "64", description = "With --model: windows of the model's context "
                + "run for calibration (default ${DEFAULT-VALUE}).")
        int calibrationWindows;

        @Option(names = "--weighting", description = "With --model: fisher (the default: each module's error weighted by its inputs and by "
                + "the loss's gradients at its outputs, K-FAC's estimate of the loss's rise; a forward and a backward per window) or inputs "
                + "(the error in its outputs over the text; a forward per window).")
        String weighting;

        @Option(names = "--compensate", description = "With --model: squeeze the modules in the model's order, each one fitted to the "
                + "outputs the original adapter gave from the inputs the modules squeezed before it now give (two forwards of the "
                + "group's block per window and group of modules).")
        boolean compensate;

        @Option(names = "--tune-steps", defaultValue = "0", description = "With --model: then tune the squeezed adapter this many steps to "
                + "give the original adapter's next-byte distributions on the text (KL divergence; LoRA-Squeeze's continued tuning with the "
                + "original as teacher; default ${DEFAULT-VALUE}, none).")
        int tuneSteps;

        @Option(names = "--tune-lr", defaultValue = "2e-3", description = "With --tune-steps: peak learning rate (default ${DEFAULT-VALUE}).")
        double tuneLr;

        @Option(names = "--tune-batch", defaultValue = "4", description = "With --tune-steps: windows per step (default ${DEFAULT-VALUE}).")
        int tuneBatch;

        @Option(names = "--seed", defaultValue = "7", description = "With --tune-steps: the order of the windows (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            if (weighting != null && !weighting.equals("inputs") && !weighting.equals("fisher")) {
                throw new IllegalArgumentException("--weighting " + weighting + ": use fisher or inputs"); // none is the squeeze without --model
            }
            if ((model == null) != (data == null)) {
                throw new IllegalArgumentException("the calibrated squeeze needs both --model (the decoder folder) and --data (calibration text)");
            }
            if ((rank != null ? 1 : 0) + (energy != null ? 1 : 0) + (budget != null ? 1 : 0) != 1) {
                throw new IllegalArgumentException("give exactly one of --rank, --energy and --budget");
            }
            OutputPlan.of("--out", out, force).input("--adapter", adapter).check();
            PeftAdapter read = PeftFolder.read(adapter);
            Squeeze.Target target = rank != null ? Squeeze.Target.rank(rank) : energy != null ? Squeeze.Target.energy(energy)
                    : Squeeze.Target.budget(budgetValues(budget, read.parameterCount()));
            if ((compensate || tuneSteps != 0) && model == null) {
                throw new IllegalArgumentException((compensate ? "--compensate" : "--tune-steps") + " needs --model and --data");
            }
            if (tuneSteps < 0) {
                throw new IllegalArgumentException("--tune-steps must be 0 (none) or more, got " + tuneSteps);
            }
            if (tuneSteps > 0 && tuneBatch < 1) { // checked here, before the calibration, as adapter distil checks --batch
                throw new IllegalArgumentException("--tune-batch must be 1 or more, got " + tuneBatch);
            }
            if (tuneSteps > 0) {
                Inputs.positive("--tune-lr", tuneLr);
            }
            if (model == null && (weighting != null || years.given())) {
                throw new IllegalArgumentException((weighting != null ? "--weighting " + weighting : "--from/--to") + " needs --model and --data");
            }
            if (model != null) {
                DecoderFolder.requireModelFolder(model);
            }
            String text = model == null ? null : years.read(data);
            Squeeze.Result result;
            PeftAdapter written;
            org.lowrank4j.adapt.finetune.SqueezeDistillation.Outcome tuned = null;
            String unit = null;
            try (FolderTokenizer tokenizer = model == null ? null : FolderTokenizer.of(model)) { // read once for both
                result = squeeze(read, target, text, tokenizer);
                written = result.adapter();
                if (tuneSteps > 0) {
                    tuned = AdapterDistilVerb.tune(model, tokenizer, read, written, text, heldOut, tuneSteps, tuneBatch, tuneLr, seed);
                    written = tuned.adapter();
                    unit = tokenizer.unit();
                }
            }
            PeftAdapter squeezed = written;
            writeReplacing(out, staging -> PeftFolder.write(staging, squeezed));
            IntSummaryStatistics ranks = result.modules().values().stream().mapToInt(Squeeze.ModuleReport::toRank).summaryStatistics();
            System.out.printf(Locale.ROOT, "squeezed %d modules to rank %s: %,d -> %,d parameters, %.2f%% of the %s energy kept; wrote %s%n",
                    result.modules().size(), ranks.getMin() == ranks.getMax() ? Integer.toString(ranks.getMin()) : ranks.getMin() + "-" + ranks.getMax(),
                    read.parameterCount(), result.adapter().parameterCount(), 100 * result.keptEnergy(),
                    model == null ? "updates'" : (compensate ? "compensated " : "") + ("inputs".equals(weighting) ? "updates' output" : "Fisher-weighted"),
                    out);
            if (tuned != null) {
                System.out.printf(Locale.ROOT, "then %d steps towards the original adapter's next-token distributions: KL to it %.4f -> %.4f nats per "
                        + "%s over %s%n", tuneSteps, tuned.before(), tuned.after(), unit, tuned.reportedOver());
            }
            return 0;
        }

        /** Plain without a model; calibrated on the head of {@code text} one module at a time, or in the model's order with --compensate. */
        private Squeeze.Result squeeze(PeftAdapter read, Squeeze.Target target, String text, FolderTokenizer tokenizer) throws java.io.IOException {
            if (model == null) {
                return SqueezeForm.PLAIN.apply(read, target, null, null, null);
            }
            SqueezeForm form = new SqueezeForm(weighting == null ? SqueezeForm.Weighting.FISHER : SqueezeForm.Weighting.parse("--weighting", weighting),
                    compensate, calibrationWindows);
            // the tail finetune scores is left out, read by the model's own tokenizer
            int[] head = org.lowrank4j.adapt.ops.SqueezeCalibration.head(text, heldOut, tokenizer.tokenizer());
            ProgressBar bar = ProgressBar.stderr();
            return form.apply(read, target, LlamaModel.load(model, Precision.FLOAT32), head, (phase, done, all) -> bar.update(
                    org.lowrank4j.adapt.ops.SqueezeProgress.WINDOWS.equals(phase) ? "squeeze: calibrating" : "squeeze in order", done, all, phase));
        }

        /** {@code --budget N} or {@code P%} of the adapter's {@code own} stored values. */
        static long budgetValues(String text, long own) {
            String t = text.strip();
            try {
                if (t.endsWith("%")) {
                    double percent = Double.parseDouble(t.substring(0, t.length() - 1));
                    if (!(percent > 0 && percent <= 100)) {
                        throw new IllegalArgumentException("--budget " + text + ": a share must be in (0, 100]%");
                    }
                    return Math.max(1, (long) Math.floor(own * percent / 100));
                }
                return Long.parseLong(t.replace(",", "").replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--budget " + text + ": give a count of values (e.g. 53760) or a share (e.g. 25%)");
            }
        }
    }

    @Command(name = "perplexity", mixinStandardHelpOptions = true,
            description = "Held-out perplexity of a decoder with and without an adapter, on the tail finetune holds out.")
    static final class PerplexityVerb implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Base decoder folder.")
        Path model;

        @Option(names = "--adapter", description = "PEFT adapter folder; without it, --model alone is scored (e.g. a fully fine-tuned model, or"
                + " a folder lowrank export wrote with the adapter in it).")
        Path adapter;

        @Option(names = "--data", required = true, description = "The fine-tuning text (a .txt file or a folder).")
        Path data;

        @picocli.CommandLine.Mixin
        YearRange years = new YearRange();

        @Option(names = "--held-out", defaultValue = "0.1", description = "Tail of the text held out (default ${DEFAULT-VALUE}).")
        double heldOut;

        @Option(names = "--eval-bytes", defaultValue = "200000", description = "Score at most this many held-out bytes; 0 for all (default ${DEFAULT-VALUE}).")
        long evalBytes;

        @Option(names = "--no-base", description = "Score only the adapted model.")
        boolean noBase;

        @Override
        public Integer call() throws Exception {
            if (!(heldOut > 0 && heldOut < 1)) {
                throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOut);
            }
            if (evalBytes < 0) {
                throw new IllegalArgumentException("--eval-bytes must be 0 (all) or more, got " + evalBytes);
            }
            if (adapter != null) {
                DecoderFolder.requireModelFolder(model);
            }
            if (adapter != null && VariantFolder.variantOf(adapter) != null) {
                VariantFolder.read(adapter);
            } else if (adapter != null) {
                PeftFolder.read(adapter);
            }
            String text = years.read(data);
            // any decoder folder alone: a fully fine-tuned one, or an export with its adapter written in
            org.lowrank4j.nn.generate.CausalLanguageModel whole = adapter == null ? DecoderFolder.loadDecoder(model) : null;
            try (FolderTokenizer tokenizer = FolderTokenizer.of(model, whole != null ? whole.vocabSize()
                    : org.lowrank4j.formats.hf.HfConfig.read(model).vocabSize())) {
                org.lowrank4j.adapt.finetune.HeldOut.Part part = org.lowrank4j.adapt.finetune.HeldOut.part(text, heldOut, evalBytes,
                        tokenizer.tokenizer());
                if (whole != null) {
                    print("model  ", org.lowrank4j.adapt.finetune.HeldOut.perplexity(whole, part, model), tokenizer.unit());
                    return 0;
                }
                // the adapted model first: an adapter that does not fit the base is refused before anything is printed
                org.lowrank4j.nn.generate.PerplexityResult adapted = org.lowrank4j.adapt.finetune.HeldOut.perplexity(model, adapter, part);
                if (!noBase) {
                    print("base   ", org.lowrank4j.adapt.finetune.HeldOut.perplexity(model, null, part), tokenizer.unit());
                }
                print("adapted", adapted, tokenizer.unit());
                return 0;
            }
        }

        private static void print(String what, org.lowrank4j.nn.generate.PerplexityResult r, String unit) {
            System.out.println(FolderTokenizer.heldOutLine(what, r, unit));
        }
    }
}
