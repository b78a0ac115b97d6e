package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.adapt.rmm.ReversibleMerge;
import org.lowrank4j.adapt.rmm.RmmFolder;
import org.lowrank4j.formats.io.OutputPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank adapter rmm} and {@code adapter revert}: RMM's reversible merging of several adapters of one base. */
final class AdapterRmmVerbs {
    private AdapterRmmVerbs() {
    }

    @Command(name = "rmm", mixinStandardHelpOptions = true,
            description = "Reversible merge (RMM): n LoRA adapters of one base stored as k basis adapters plus k coefficients per task and factor; "
                    + "`adapter revert` rebuilds any of them (exactly when k = n).")
    static final class Merge implements Callable<Integer> {
        @Option(names = "--adapter", required = true, description = "A PEFT LoRA adapter folder, optionally NAME=FOLDER; give two or more.")
        List<String> adapters;

        @Option(names = "--bases", required = true, description = "k, the basis adapters kept (1..n; n reverts exactly).")
        int bases;

        @Option(names = "--out", required = true, description = "The merged folder (new): rmm_config.json and rmm_model.safetensors.")
        Path out;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            if (adapters.size() < 2) {
                throw new IllegalArgumentException("--adapter: give two or more adapters to merge, got " + adapters.size());
            }
            if (bases < 1 || bases > adapters.size()) {
                throw new IllegalArgumentException("--bases must be in 1.." + adapters.size() + " (the number of adapters given), got " + bases);
            }
            OutputPlan plan = OutputPlan.of("--out", out, force);
            List<String> names = new ArrayList<>();
            List<PeftAdapter> read = new ArrayList<>();
            for (String arg : adapters) {
                int eq = arg.indexOf('=');
                String name = eq > 0 ? arg.substring(0, eq) : Path.of(arg).getFileName().toString();
                Path folder = Path.of(eq > 0 ? arg.substring(eq + 1) : arg);
                if (names.contains(name)) {
                    throw new IllegalArgumentException("--adapter " + arg + ": the name " + name + " is given twice; name them NAME=FOLDER");
                }
                names.add(name);
                plan = plan.input("--adapter", folder);
                PeftAdapter adapter = PeftFolder.read(folder);
                String base = adapter.config().baseModel(), firstBase = read.isEmpty() ? null : read.get(0).config().baseModel();
                if (base != null && !base.isBlank() && firstBase != null && !firstBase.isBlank() && !base.equals(firstBase)) {
                    throw new IllegalArgumentException("--adapter " + arg + " is for base model " + base + " but " + names.get(0) + " is for "
                            + firstBase + ": only adapters of one base can be merged");
                }
                read.add(adapter);
            }
            plan.check();
            ReversibleMerge merge = ReversibleMerge.of(read, bases);
            AdapterCommand.writeReplacing(out, staging -> RmmFolder.write(staging, merge, names));
            System.out.printf(Locale.ROOT, "merged %d adapters %s into %d bases over %d modules: %,d values stored against %,d apart (%.2fx); "
                    + "factor energy discarded %.3g%%; wrote %s%n", merge.tasks(), names, merge.bases(), merge.modules().size(), merge.storedValues(),
                    merge.separateValues(), (double) merge.storedValues() / merge.separateValues(), 100 * merge.discardedShare(), out);
            return 0;
        }
    }

    @Command(name = "revert", mixinStandardHelpOptions = true,
            description = "Rebuild one task's PEFT adapter from a folder `adapter rmm` wrote (scaling 1: lora_alpha = r).")
    static final class Revert implements Callable<Integer> {
        @Option(names = "--merged", required = true, description = "The folder `adapter rmm` wrote.")
        Path merged;

        @Option(names = "--task", required = true, description = "The task's name (as listed by `adapter rmm`) or its 0-based index.")
        String task;

        @Option(names = "--out", required = true, description = "The PEFT adapter folder to write (new).")
        Path out;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            OutputPlan.of("--out", out, force).input("--merged", merged).check();
            RmmFolder.Stored stored = RmmFolder.read(merged);
            int index = stored.task(task);
            PeftAdapter adapter = stored.merge().revert(index);
            AdapterCommand.writeReplacing(out, staging -> PeftFolder.write(staging, adapter));
            System.out.printf(Locale.ROOT, "task %s (%d of %d) rebuilt from %d bases: %d modules, %,d parameters; wrote %s%n", stored.taskNames().get(index),
                    index, stored.merge().tasks(), stored.merge().bases(), adapter.modules().size(), adapter.parameterCount(), out);
            return 0;
        }
    }
}
