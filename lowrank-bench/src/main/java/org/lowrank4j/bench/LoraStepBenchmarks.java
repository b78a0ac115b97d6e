package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lowrank4j.adapt.finetune.AdapterLanguageModel;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LanguageModel;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * A LoRA training step against a full fine-tuning step on one decoder folder (issue 14: a LoRA step should cost at most
 * 0.75× a full one). Two copies of the model: one with every parameter trained by AdamW, one with LoRA adapters on the
 * attention projections (the other linears frozen, their weight gradients skipped). The steps alternate, one of each per
 * round, on the same batches, so that load from other processes falls on both alike. Each step is the one {@code finetune}
 * runs ({@link Trainer#runStep}, the gradient clipped at norm 1). The medians are reported with the
 * trainable values and the optimizer state (AdamW's two moments) of each. Each step is timed twice: wall clock, and the CPU
 * time of the whole process (all its threads, OpenBLAS's included), which on a machine shared with other jobs measures the
 * work of a step rather than the waiting; the median of the per-round ratios is given beside the ratio of the medians.
 * The ratio of medians comes with its 95% bootstrap interval over the rounds (drawn in pairs): on a shared 2-core machine
 * one run's interval spanned ±0.03–0.09 at 15 rounds (results/lora-comparison/sixteenth-look/bootstrap-output.txt), hence the
 * 31 rounds (about 40 s on the SOTU decoder).
 */
final class LoraStepBenchmarks {
    /** The optimizer {@code finetune} uses, LoRA and full alike (its default weight decay is 0). */
    private static final AdamW.Settings FINETUNE_ADAMW = AdamW.Settings.fineTuning(0);

    private final int rounds;

    LoraStepBenchmarks(boolean quick) {
        this.rounds = quick ? 5 : 31;
    }

    void steps(ObjectNode out, Path modelFolder, Path text, int rank, int batch, int context) throws IOException {
        LlamaModel fullModel = LlamaModel.load(modelFolder, Precision.FLOAT32);
        LlamaModel loraModel = LlamaModel.load(modelFolder, Precision.FLOAT32);
        int[] tokens = new ByteTokenizer().encode(Files.readString(text, StandardCharsets.UTF_8));
        int window = context == 0 ? fullModel.maxPositions() : context;
        LanguageModel full = new LlamaLanguageModel(fullModel);
        AdamW fullAdam = new AdamW(full.parameters(), FINETUNE_ADAMW);

        LoraModel lora = LoraModel.over(ModulePaths.decoder(loraModel), 42);
        List<String> targets = List.of("q_proj", "k_proj", "v_proj", "o_proj");
        lora.addAdapter("default", TargetModules.names(targets), m -> LoraSettings.of(rank, 2.0 * rank), new Random(42));
        lora.freezeOthers();
        LanguageModel adapted = new AdapterLanguageModel(new LlamaLanguageModel(loraModel), lora);
        Parameter.freezeAllBut(loraModel.parameters(), adapted.parameters()); // as finetune does: the embedding and norms too
        AdamW loraAdam = new AdamW(adapted.parameters(), FINETUNE_ADAMW);
        // each trainer draws its own windows from the same seed, so both see the same batches in the same order
        TrainingOptions options = TrainingOptions.of(batch, Integer.MAX_VALUE, LearningRateSchedule.constant(1e-4)); // clipping at 1, as finetune
        Trainer fullTrainer = new Trainer(full, fullAdam, new TokenWindows(tokens, fullModel.vocabSize(), window, 42), null, options, null);
        Trainer loraTrainer = new Trainer(adapted, loraAdam, new TokenWindows(tokens, fullModel.vocabSize(), window, 42), null, options, null);

        System.out.printf("LoRA step vs full step: %s, batch %d x %d tokens, r = %d on %s, %d rounds (+2 warm-up)%n", modelFolder, batch, window,
                rank, targets, rounds);
        double[] fullSeconds = new double[rounds], loraSeconds = new double[rounds], fullCpu = new double[rounds], loraCpu = new double[rounds];
        for (int round = -2; round < rounds; round++) {
            double[] f = step(fullTrainer), l = step(loraTrainer);
            if (round >= 0) {
                fullSeconds[round] = f[0];
                loraSeconds[round] = l[0];
                fullCpu[round] = f[1];
                loraCpu[round] = l[1];
            }
        }
        double fullMedian = Stopwatch.median(fullSeconds), loraMedian = Stopwatch.median(loraSeconds);
        double[] wallRatios = new double[rounds], cpuRatios = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            wallRatios[i] = loraSeconds[i] / fullSeconds[i];
            cpuRatios[i] = loraCpu[i] / fullCpu[i];
        }
        out.put("model", modelFolder.toString());
        out.put("text", text.toString());
        out.put("batch", batch);
        out.put("context", window);
        out.put("rounds", rounds);
        out.put("lora_rank", rank);
        out.put("step", "Trainer.runStep: zero the gradients, forward and backward, clip at global norm " + options.maxGradientNorm()
                + ", AdamW (beta2 0.999, no weight decay), as finetune runs it");
        out.putPOJO("lora_targets", targets);
        out.set("full", describe(fullSeconds, fullCpu, full.parameters(), fullAdam));
        out.set("lora", describe(loraSeconds, loraCpu, adapted.parameters(), loraAdam));
        double[] interval = Stopwatch.ratioOfMediansInterval(loraSeconds, fullSeconds, 4000, 1);
        out.put("lora_over_full_median_step", loraMedian / fullMedian);
        out.putPOJO("lora_over_full_median_step_bootstrap_95", interval);
        out.put("lora_over_full_median_of_round_ratios", Stopwatch.median(wallRatios));
        out.put("lora_over_full_median_cpu_step", Stopwatch.median(loraCpu) / Stopwatch.median(fullCpu));
        out.put("lora_over_full_median_of_round_cpu_ratios", Stopwatch.median(cpuRatios));
        out.put("load_average_after", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("  full: median %.3f s/step, %,d trainable, AdamW state %,d bytes%n", fullMedian, count(full.parameters()),
                stateBytes(fullAdam));
        System.out.printf("  LoRA: median %.3f s/step, %,d trainable, AdamW state %,d bytes%n", loraMedian, count(adapted.parameters()),
                stateBytes(loraAdam));
        System.out.printf("  LoRA / full = %.3f (wall, ratio of medians), %.3f (median of round ratios); CPU time: %.3f s vs %.3f s, %.3f%n",
                loraMedian / fullMedian, Stopwatch.median(wallRatios), Stopwatch.median(loraCpu), Stopwatch.median(fullCpu), Stopwatch.median(loraCpu) / Stopwatch.median(fullCpu));
        System.out.printf("  95%% bootstrap interval of the ratio of medians over the %d rounds: %.3f-%.3f%n", rounds, interval[0], interval[1]);
    }

    /** One optimizer step as {@code finetune} runs it (zero, forward + backward, clip, AdamW): wall and process CPU seconds. */
    private static double[] step(Trainer trainer) {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        trainer.runStep();
        return new double[] {(System.nanoTime() - start) / 1e9, (processCpuNanos() - cpu) / 1e9};
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static ObjectNode describe(double[] seconds, double[] cpu, List<Parameter> parameters, AdamW adam) {
        ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        o.put("median_step_seconds", Stopwatch.median(seconds));
        o.put("median_step_cpu_seconds", Stopwatch.median(cpu));
        ArrayNode all = o.putArray("step_seconds");
        Arrays.stream(seconds).forEach(all::add);
        ArrayNode allCpu = o.putArray("step_cpu_seconds");
        Arrays.stream(cpu).forEach(allCpu::add);
        o.put("trainable_values", count(parameters));
        o.put("optimizer_state_bytes", stateBytes(adam));
        o.put("gradient_bytes_of_trainable", 4 * count(parameters));
        return o;
    }

    private static long count(List<Parameter> parameters) {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.size();
        }
        return n;
    }

    /** Bytes of AdamW's first and second moments over its parameters. */
    private static long stateBytes(AdamW adam) {
        long bytes = 0;
        for (Parameter p : adam.parameters()) {
            AdamW.Moments m = adam.moments(p);
            bytes += (long) (m.first().size() + m.second().size()) * (m.first().precision() == Precision.FLOAT64 ? 8 : 4);
        }
        return bytes;
    }


}
