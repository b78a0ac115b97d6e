package org.lowrank4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.compress.model.DecoderFolder;

/** lowrank finetune and lowrank adapter inspect|squeeze|merge|perplexity on a tiny decoder: files, figures, one-line refusals. */
class AdapterCommandsTest {
    private static final String TEXT = """
            Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and
            nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of
            the world.
            """.repeat(5);

    private static Object[] run(String... args) {
        return CliRun.run(args);
    }

    private static String ok(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stderr: %s", r[2]).isZero();
        return (String) r[1];
    }

    private static String refused(String... args) {
        Object[] r = run(args);
        assertThat((int) r[0]).as("stdout: %s", r[1]).isEqualTo(2);
        String err = ((String) r[2]).strip();
        assertThat(err).doesNotContain("\n");
        return err;
    }

    @Test
    void finetuneThenInspectSqueezeMergeAndScore(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path adapter = dir.resolve("adapter");
        String out = ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "4",
                "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2");
        assertThat(out).contains("base    held-out perplexity").contains("adapted held-out perplexity").contains("% lower");
        assertThat(adapter.resolve("adapter_config.json")).exists();
        assertThat(adapter.resolve("adapter_model.safetensors")).exists();

        assertThat(ok("adapter", "inspect", "--adapter", adapter.toString())).contains("model.layers.0.self_attn.q_proj").contains("r 4");
        Path squeezed = dir.resolve("squeezed");
        assertThat(ok("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--out", squeezed.toString()))
                .contains("squeezed 4 modules");
        assertThat(ok("adapter", "perplexity", "--model", base.toString(), "--adapter", squeezed.toString(), "--data", text.toString(),
                "--held-out", "0.2")).contains("adapted held-out perplexity");
        // a total budget: half the stored values, the ranks chosen across modules
        Path budgeted = dir.resolve("budgeted");
        assertThat(ok("adapter", "squeeze", "--adapter", adapter.toString(), "--budget", "50%", "--out", budgeted.toString()))
                .contains("squeezed 4 modules to rank");
        assertThat(org.lowrank4j.adapt.peft.PeftFolder.read(budgeted).parameterCount() * 2)
                .isLessThanOrEqualTo(org.lowrank4j.adapt.peft.PeftFolder.read(adapter).parameterCount());
        // calibrated on the head of the text the adapter was trained on: Fisher-weighted by default, or by the inputs alone
        Path aware = dir.resolve("aware");
        assertThat(ok("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--data", text.toString(),
                "--held-out", "0.2", "--calibration-windows", "4", "--out", aware.toString())).contains("of the Fisher-weighted energy kept");
        assertThat(ok("adapter", "inspect", "--adapter", aware.toString())).contains("r 2");
        assertThat(ok("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--data", text.toString(),
                "--held-out", "0.2", "--calibration-windows", "4", "--weighting", "inputs", "--out", dir.resolve("inputs").toString()))
                .contains("of the updates' output energy kept");
        // module after module, each fitted to the original adapter's outputs from the inputs the squeezed ones before it give
        Path compensated = dir.resolve("compensated");
        assertThat(ok("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--data", text.toString(),
                "--held-out", "0.2", "--calibration-windows", "4", "--compensate", "--out", compensated.toString()))
                .contains("of the compensated Fisher-weighted energy kept");
        assertThat(ok("adapter", "inspect", "--adapter", compensated.toString())).contains("r 2");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--compensate", "--out",
                dir.resolve("compensated2").toString())).contains("--compensate needs --model and --data");
        // then tuned towards the original adapter's next-byte distributions
        Path distilled = dir.resolve("distilled");
        assertThat(ok("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--data", text.toString(),
                "--held-out", "0.2", "--calibration-windows", "4", "--tune-steps", "2", "--tune-batch", "2", "--out", distilled.toString()))
                .contains("then 2 steps towards the original adapter's next-token distributions: KL").contains("nats per byte");
        assertThat(ok("adapter", "inspect", "--adapter", distilled.toString())).contains("r 2");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--tune-steps", "2", "--out",
                dir.resolve("distilled2").toString())).contains("--tune-steps needs --model and --data");
        // the same tuning for a folder squeezed before: the squeeze computed once, tuned as long as wanted
        Path distilledLater = dir.resolve("distilled-later");
        assertThat(ok("adapter", "distil", "--adapter", squeezed.toString(), "--teacher", adapter.toString(), "--model", base.toString(),
                "--data", text.toString(), "--held-out", "0.2", "--steps", "2", "--batch", "2", "--out", distilledLater.toString()))
                .contains("distilled 4 modules over 2 steps: KL to the teacher").contains("windows of the held-out tail");
        assertThat(ok("adapter", "inspect", "--adapter", distilledLater.toString())).contains("r 2");
        // a batch of more windows than the text holds (it said "tensor of shape [100000, ...] is too large for one array")
        assertThat(refused("adapter", "distil", "--adapter", squeezed.toString(), "--teacher", adapter.toString(), "--model", base.toString(),
                "--data", text.toString(), "--held-out", "0.2", "--steps", "1", "--batch", "100000", "--out", dir.resolve("distilled5").toString()))
                .startsWith("lowrank adapter distil: --batch (--tune-batch of adapter squeeze) 100000 is more than the ").contains("lower it to");
        assertThat(refused("adapter", "distil", "--adapter", squeezed.toString(), "--teacher", adapter.toString(), "--model", base.toString(),
                "--data", text.toString(), "--steps", "0", "--out", dir.resolve("distilled3").toString()))
                .isEqualTo("lowrank adapter distil: --steps must be 1 or more, got 0");
        assertThat(refused("adapter", "distil", "--adapter", squeezed.toString(), "--teacher", adapter.toString(), "--model", base.toString(),
                "--data", text.toString(), "--out", squeezed.toString())).contains("is the --adapter input");
        Path qv = dir.resolve("qv");
        ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", qv.toString(), "--rank", "2", "--targets", "q_proj,v_proj",
                "--steps", "1", "--batch", "2", "--context", "16", "--held-out", "0.2");
        assertThat(refused("adapter", "distil", "--adapter", qv.toString(), "--teacher", adapter.toString(), "--model", base.toString(),
                "--data", text.toString(), "--held-out", "0.2", "--steps", "1", "--out", dir.resolve("distilled4").toString()))
                .contains("adapts other modules than the teacher (it lacks the teacher's model.layers.");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--weighting", "fisher", "--out",
                dir.resolve("fisher2").toString())).contains("--weighting fisher needs --model and --data");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--data",
                text.toString(), "--weighting", "hessian", "--out", dir.resolve("fisher3").toString())).contains("--weighting hessian: use fisher or inputs");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--from", "1990", "--out",
                dir.resolve("fisher4").toString())).contains("--from/--to needs --model and --data");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--out",
                dir.resolve("aware2").toString())).contains("needs both --model").contains("--data");
        // In-Squeeze: rank 4 to 2 during one run, by the plain squeeze
        Path during = dir.resolve("during");
        assertThat(ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", during.toString(), "--rank", "4",
                "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2",
                "--squeeze-to", "2", "--squeeze-events", "1", "--squeeze-until", "0.5", "--squeeze-weighting", "none"))
                .contains("adapted held-out perplexity");
        assertThat(ok("adapter", "inspect", "--adapter", during.toString())).contains("r 2");
        // ... and by the default: Fisher-weighted on the training text, rank 2's values spent across the modules
        Path calibrated = dir.resolve("during-calibrated");
        assertThat(ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", calibrated.toString(), "--rank", "4",
                "--alpha", "8", "--steps", "4", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2",
                "--squeeze-to", "2", "--squeeze-until", "0.5", "--squeeze-windows", "2")).contains("adapted held-out perplexity");
        assertThat(org.lowrank4j.adapt.peft.PeftFolder.read(calibrated).parameterCount())
                .isLessThanOrEqualTo(org.lowrank4j.adapt.peft.PeftFolder.read(during).parameterCount());
        com.fasterxml.jackson.databind.JsonNode in = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(calibrated.resolve("finetune.json").toFile()).get("in_squeeze");
        assertThat(in.get("squeeze").asText()).isEqualTo("Fisher-weighted");
        assertThat(in.get("budget").asBoolean()).isTrue();
        assertThat(in.get("calibration_windows").asInt()).isEqualTo(2);
        // LoRA-Squeeze's continued tuning: the squeezed adapter trained on, keeping its rank
        Path continued = dir.resolve("continued");
        assertThat(ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", continued.toString(), "--init-adapter",
                squeezed.toString(), "--steps", "2", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "0", "--held-out", "0.2"))
                .contains("adapted held-out perplexity");
        assertThat(ok("adapter", "inspect", "--adapter", continued.toString())).contains("r 2");
        assertThat(ok("adapter", "perplexity", "--model", base.toString(), "--data", text.toString(), "--held-out", "0.2"))
                .contains("model   held-out perplexity").doesNotContain("adapted");
        Path merged = dir.resolve("merged");
        assertThat(ok("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString()))
                .contains("merged 4 modules");
        assertThat(merged.resolve("model.safetensors")).exists();
        assertThat(merged.resolve("tokenizer.json")).exists();

        Path restored = dir.resolve("restored");
        assertThat(ok("adapter", "unmerge", "--model", merged.toString(), "--adapter", adapter.toString(), "--out", restored.toString()))
                .contains("subtracted 4 modules");
        assertThat(restored.resolve("model.safetensors")).exists();
        assertThat(refused("adapter", "unmerge", "--model", merged.toString(), "--adapter", squeezed.toString(), "--out",
                dir.resolve("not-merged").toString())).contains("is not one of the 1 adapter(s) merged into");
        assertThat(dir.resolve("not-merged")).doesNotExist();
        assertThat(refused("adapter", "unmerge", "--model", restored.toString(), "--adapter", adapter.toString(), "--out",
                dir.resolve("twice").toString())).contains("has no merged_adapters.json").contains("--merged-elsewhere");
        assertThat(dir.resolve("twice")).doesNotExist();

        Path combined = dir.resolve("combined");
        assertThat(ok("adapter", "combine", "--adapter", adapter + ":0.5", "--adapter", squeezed + ":-0.25", "--out", combined.toString()))
                .contains("combined 2 adapters over 4 modules: exact weighted sum");
        assertThat(ok("adapter", "inspect", "--adapter", combined.toString())).contains("r 6");
        // a weight so large that the summed update overflows float32 (it was written, finite factors of 1e22 whose product is not)
        assertThat(refused("adapter", "combine", "--adapter", adapter.toString(), "--adapter", squeezed + ":1e45", "--out",
                dir.resolve("huge").toString())).contains("is not finite in float32").contains("give smaller weights");
        assertThat(dir.resolve("huge")).doesNotExist();
        Path truncated = dir.resolve("truncated");
        assertThat(ok("adapter", "combine", "--adapter", adapter.toString(), "--adapter", squeezed.toString(), "--rank", "3", "--out",
                truncated.toString())).contains("SVD of the weighted sum to rank 3");
        // a --rank above the sum's own rank (4 + 2 here) writes what the sum has, and says so
        assertThat(ok("adapter", "combine", "--adapter", adapter.toString(), "--adapter", squeezed.toString(), "--rank", "40", "--out",
                dir.resolve("wide").toString())).contains("SVD of the weighted sum to rank 6 (--rank 40 is above the sum's own rank)");
        assertThat(refused("adapter", "combine", "--adapter", adapter.toString(), "--adapter", squeezed.toString(), "--out", adapter.toString()))
                .contains("is the --adapter input");
        assertThat(refused("adapter", "combine", "--adapter", adapter.toString(), "--adapter", squeezed.toString(), "--out", combined.toString()))
                .contains("already exists; pass --force");
        assertThat(refused("adapter", "combine", "--adapter", adapter + ":x", "--adapter", squeezed.toString(), "--out", dir.resolve("c2").toString()))
                .contains("must be a number");

        Path pissa = dir.resolve("pissa");
        assertThat(ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", pissa.toString(), "--rank", "4",
                "--alpha", "8", "--steps", "2", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2",
                "--init", "pissa")).contains("adapted held-out perplexity");
        assertThat(ok("adapter", "inspect", "--adapter", pissa.toString())).contains("r 8"); // PEFT's conversion: rank 2r for the original base
        assertThat(Files.readString(pissa.resolve("finetune.json"))).contains("\"method\" : \"pissa\"");
        Path svfit = dir.resolve("svfit");
        assertThat(ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", svfit.toString(), "--rank", "3",
                "--steps", "2", "--batch", "2", "--context", "16", "--lr", "1e-2", "--warmup", "1", "--held-out", "0.2", "--init", "svfit"))
                .contains("adapted held-out perplexity");
        assertThat(ok("adapter", "inspect", "--adapter", svfit.toString())).contains("r 3");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("p2").toString(),
                "--init", "olora", "--steps", "1")).contains("--init must be lora, pissa or svfit");

        // refusals: one line, exit 2
        assertThat(refused("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", base.toString()))
                .contains("is the --model input");
        assertThat(refused("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString()))
                .contains("already exists; pass --force");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--out", squeezed.toString() + "2"))
                .contains("exactly one of --rank, --energy and --budget");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--budget", "lots", "--out", squeezed.toString() + "2"))
                .contains("--budget lots");
        assertThat(refused("adapter", "squeeze", "--adapter", adapter.toString(), "--budget", "10", "--out", squeezed.toString() + "2"))
                .contains("below one rank per module");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("s2").toString(),
                "--squeeze-events", "2", "--steps", "4")).contains("give it too");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("s4").toString(),
                "--squeeze-by", "rank", "--steps", "4")).contains("give it too");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("s7").toString(),
                "--squeeze-to", "2", "--squeeze-by", "energy", "--steps", "4")).contains("--squeeze-by energy: use budget or rank");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("s5").toString(),
                "--squeeze-to", "2", "--squeeze-weighting", "none", "--squeeze-compensate", "--steps", "4"))
                .contains("--squeeze-compensate is for a calibrated squeeze");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("s6").toString(),
                "--squeeze-to", "2", "--squeeze-weighting", "hessian", "--steps", "4")).contains("--squeeze-weighting hessian: use fisher");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("s3").toString(),
                "--squeeze-to", "2", "--squeeze-events", "5", "--steps", "4")).contains("do not fall on distinct steps");
        assertThat(refused("finetune", "--model", base.toString(), "--data", text.toString(), "--out", dir.resolve("q").toString(),
                "--targets", "query,value", "--steps", "1")).contains("target modules [query, value] match none");
        Files.write(adapter.resolve("adapter_model.safetensors"), new byte[] {1, 2, 3});
        assertThat(refused("adapter", "inspect", "--adapter", adapter.toString())).contains("is not a valid safetensors file");
    }

    /** Numeric options are refused by their own name and value, before any calibration or scoring starts. */
    @Test
    void badNumbersAreRefusedByTheirOptionNames(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path adapter = dir.resolve("adapter");
        String[] tune = {"finetune", "--model", base.toString(), "--data", text.toString(), "--steps", "1", "--batch", "2", "--context", "16",
            "--held-out", "0.2", "--out"};
        ok(concat(tune, adapter.toString(), "--rank", "4"));
        String[] squeeze = {"adapter", "squeeze", "--adapter", adapter.toString(), "--rank", "2", "--model", base.toString(), "--data",
            text.toString(), "--held-out", "0.2", "--tune-steps", "1", "--out", dir.resolve("squeezed").toString()};
        assertThat(refused(concat(squeeze, "--tune-lr", "NaN"))).isEqualTo("lowrank adapter squeeze: --tune-lr must be a positive number, got NaN");
        assertThat(refused(concat(squeeze, "--tune-batch", "0"))).isEqualTo("lowrank adapter squeeze: --tune-batch must be 1 or more, got 0");
        String[] score = {"adapter", "perplexity", "--model", base.toString(), "--adapter", adapter.toString(), "--data", text.toString()};
        assertThat(refused(concat(score, "--held-out", "NaN"))).isEqualTo("lowrank adapter perplexity: --held-out must be in (0, 1), got NaN");
        assertThat(refused(concat(score, "--held-out", "0"))).contains("--held-out must be in (0, 1)");
        assertThat(refused(concat(score, "--eval-bytes", "-5"))).isEqualTo("lowrank adapter perplexity: --eval-bytes must be 0 (all) or more, got -5");
        Path out = dir.resolve("second");
        assertThat(refused(concat(tune, out.toString(), "--rank", "0"))).isEqualTo("lowrank finetune: --rank must be at least 1, got 0");
        assertThat(refused(concat(tune, out.toString(), "--alpha", "NaN"))).contains("--alpha must be a finite number");
        assertThat(refused(concat(tune, out.toString(), "--dropout", "1"))).contains("--dropout must be in [0, 1)");
        assertThat(refused(concat(tune, out.toString(), "--alpha", "0"))).contains("--alpha must be a positive number").contains("trains nothing");
        assertThat(refused(concat(tune, out.toString(), "--alpha", "-1"))).contains("--alpha must be a positive number");
        assertThat(refused(concat(tune, out.toString(), "--targets", "q_proj,qproj"))).contains("--targets qproj matches none of the model's linear layers");
        assertThat(refused(concat(tune, out.toString(), "--adapter", "sora:rank=2", "--targets", "q_proj,qproj")))
                .contains("--targets qproj matches none of the model's linear layers");
        assertThat(refused(concat(tune, out.toString(), "--adapter", "lora:rank=4"))).contains("--adapter lora takes no NAME:KEY=VALUE options")
                .doesNotContain("unknown adapter variant");
        assertThat(refused(concat(tune, out.toString(), "--eval-bytes", "-5"))).isEqualTo("lowrank finetune: --eval-bytes must be 0 or more, got -5");
        assertThat(refused(concat(tune, out.toString(), "--warmup", "-1"))).isEqualTo("lowrank finetune: --warmup must be 0 or more, got -1");
        assertThat(refused(concat(tune, out.toString(), "--weight-decay", "Infinity"))).contains("--weight-decay must be a non-negative number");
        assertThat(out).doesNotExist();
    }

    /** The arguments with {@code option}'s value replaced. */
    private static String[] with(String[] args, String option, String value) {
        String[] out = args.clone();
        out[java.util.Arrays.asList(out).indexOf(option) + 1] = value;
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void anEarlierRunInOutIsNamedWithWhatToDo(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        String[] tune = {"finetune", "--model", base.toString(), "--data", text.toString(), "--steps", "4", "--batch", "2", "--context", "16",
            "--held-out", "0.2", "--rank", "2", "--out"};
        Path stopped = dir.resolve("stopped");
        ok(concat(tune, stopped.toString(), "--checkpoint-every", "1", "--stop-after", "2"));
        assertThat(stopped.resolve("checkpoint.safetensors")).exists();
        assertThat(refused(concat(tune, stopped.toString()))).contains("holds an earlier run's checkpoint.safetensors")
                .contains("--resume continues it").contains("--force replaces it");
        assertThat(refused(concat(tune, stopped.toString(), "--init-adapter", stopped.toString()))).contains("is the --init-adapter input");
        // other options than the checkpoint's: --rank failed on a tensor's shape, --data was taken without a word
        assertThat(refused(concat(with(tune, "--rank", "4"), stopped.toString(), "--resume"))).isEqualTo("lowrank finetune: --resume --rank: "
                + stopped.resolve("checkpoint.safetensors") + " was made with 2, this run gives 4; resume with the options of the run it continues,"
                + " or start a new run with --force");
        Path otherText = Files.writeString(dir.resolve("other.txt"), TEXT.toUpperCase(java.util.Locale.ROOT));
        assertThat(refused(concat(with(tune, "--data", otherText.toString()), stopped.toString(), "--resume")))
                .startsWith("lowrank finetune: --resume --data: ").contains("was made from another text (" + text + " as it was then) than " + otherText);
        assertThat(ok(concat(tune, stopped.toString(), "--resume"))).contains("adapted held-out perplexity");
        Path early = Files.createDirectory(dir.resolve("early")); // a run stopped before its first checkpoint: the log's header alone
        Files.writeString(early.resolve("finetune-log.csv"), "step,loss,lr,grad_norm,tokens_per_s\n");
        assertThat(refused(concat(tune, early.toString()))).contains("holds only the log of a run stopped before its first checkpoint");
        ok(concat(tune, early.toString(), "--force"));
        // an --out the file system refuses is refused before the base is scored (it failed creating the folder after that)
        Path tooLong = dir.resolve("x".repeat(300));
        assertThat(refused(concat(tune, tooLong.toString()))).startsWith("lowrank finetune: --out " + tooLong + " cannot be created (");
        // a batch of more windows than the text holds is refused before the base is scored (it ran out of memory after that)
        Path fresh = dir.resolve("fresh");
        assertThat(refused(concat(with(tune, "--batch", "100000"), fresh.toString()))).startsWith("lowrank finetune: --batch 100000 is more than the ")
                .contains("training windows of 16 tokens").contains("lower it to");
        assertThat(fresh).doesNotExist();
        // a run that fails before its first checkpoint takes the folder it created away (it left finetune-log.csv alone in it,
        // and the next run had to pass --force)
        Object[] diverged = run(concat(tune, fresh.toString(), "--lr", "1e30"));
        assertThat((int) diverged[0]).isEqualTo(2);
        assertThat((String) diverged[2]).contains("training stopped at step 1");
        assertThat(fresh).doesNotExist();
        ok(concat(tune, fresh.toString()));
        Path other = Files.createDirectory(dir.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        assertThat(refused(concat(tune, other.toString()))).contains("already exists").contains("--force");
    }

    /**
     * --out . --force named the folder the command runs in: the merge was written, its rename failed on ".", and the
     * staging folder stayed beside it until the process ended. Swapped --model and --adapter are named as such.
     */
    @Test
    void mergeIntoTheCurrentFolderOrWithSwappedOptionsIsRefusedBeforeItIsWritten(@TempDir Path dir) throws IOException {
        Path base = CliRun.tinyDecoder(dir, 2, 1);
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT);
        Path adapter = dir.resolve("adapter");
        ok("finetune", "--model", base.toString(), "--data", text.toString(), "--out", adapter.toString(), "--rank", "2", "--steps", "1",
                "--batch", "2", "--context", "16", "--held-out", "0.2");
        Path here = Path.of("").toAbsolutePath();
        assertThat(refused("adapter", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", ".", "--force"))
                .isEqualTo("lowrank adapter merge: cannot replace .: it is the current folder " + here.toRealPath() + ", which the command runs in;"
                        + " choose another path, or run the command from another folder");
        String staged = "." + here.getFileName() + ".lowrank-" + ProcessHandle.current().pid() + "-";
        try (java.util.stream.Stream<Path> files = Files.list(here.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(staged));
        }

        // --model and --adapter the wrong way round said only "model folder … has no config.json"
        for (String verb : new String[] {"merge", "unmerge"}) {
            assertThat(refused("adapter", verb, "--model", adapter.toString(), "--adapter", base.toString(), "--out", dir.resolve("swapped").toString()))
                    .isEqualTo("lowrank adapter " + verb + ": --model " + adapter + " is an adapter folder (it holds adapter_config.json) and --adapter "
                            + base + " is a model: the two options look swapped; give --model " + base + " --adapter " + adapter);
        }
        assertThat(refused("adapter", "merge", "--model", adapter.toString(), "--adapter", adapter.toString(), "--out", dir.resolve("swapped").toString()))
                .contains("is an adapter folder (it holds adapter_config.json), not a model; give the base model with --model");
        assertThat(dir.resolve("swapped")).doesNotExist();
    }
}
