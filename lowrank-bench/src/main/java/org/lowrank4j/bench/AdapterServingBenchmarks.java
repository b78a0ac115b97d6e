package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.adapt.ops.AdapterMerge;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.PinnedWeights;
import org.lowrank4j.nn.tensor.Precision;

/**
 * What serving LoRA adapters unmerged costs in decoding: one base with every adapter attached ({@link AdapterSwitch}, as
 * {@code lowrank serve --adapter} runs it) against the base alone and against a merged copy per adapter, all pinned, in
 * one JVM. Each round runs every configuration once in a rotated order (a prompt of context/4 tokens, then decoding to
 * the full context, as {@link DecoderFolderBenchmarks} does); reported are medians over rounds and, per configuration,
 * the median over rounds of its decode speed divided by the base's in the same round.
 */
final class AdapterServingBenchmarks {
    private final int threads;
    private final boolean quick;

    AdapterServingBenchmarks(int threads, boolean quick) {
        this.threads = threads;
        this.quick = quick;
    }

    /** One configuration: a model, and for the switched one the adapter to use before each run (null: none). */
    private record Config(String name, org.lowrank4j.nn.generate.CausalLanguageModel model, AdapterSwitch adapters, String use) {
    }

    void run(ObjectNode out, Path base, List<Path> adapterFolders) throws IOException {
        Linalg.setThreads(threads);
        int rounds = quick ? 2 : 9;
        List<Config> configs = new ArrayList<>();
        LlamaModel plain = LlamaModel.load(base, Precision.FLOAT32);
        PinnedWeights.of(plain);
        configs.add(new Config("base alone", plain, null, null));
        LlamaModel switched = LlamaModel.load(base, Precision.FLOAT32);
        PinnedWeights.of(switched); // first, as the server does: the adapters' layers wrap the pinned weights
        Map<String, Path> named = new LinkedHashMap<>();
        for (Path folder : adapterFolders) {
            named.put(folder.getFileName().toString(), folder);
        }
        AdapterSwitch adapters = AdapterSwitch.attach(switched, named);
        configs.add(new Config("adapters attached, none in use", switched, adapters, null));
        for (Map.Entry<String, Path> e : named.entrySet()) {
            configs.add(new Config(e.getKey() + " unmerged (switched in)", switched, adapters, e.getKey()));
            org.lowrank4j.nn.generate.CausalLanguageModel merged = AdapterMerge.merged(base, e.getValue());
            PinnedWeights.of(merged);
            configs.add(new Config(e.getKey() + " merged (a copy of the base)", merged, null, null));
        }
        int context = plain.maxPositions(), prompt = context / 4;
        int[] ids = DecoderFolderBenchmarks.prompt(prompt);
        int n = configs.size();
        double[][] prefill = new double[n][rounds], decode = new double[n][rounds];
        for (Config c : configs) {
            run(c, ids, context - prompt); // warm-up
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < n; k++) {
                int i = (k + r) % n; // rotate who goes first
                double[] s = run(configs.get(i), ids, context - prompt);
                prefill[i][r] = s[0];
                decode[i][r] = s[1];
            }
        }
        out.put("base", base.toString());
        out.put("threads", threads);
        out.put("rounds", rounds);
        out.put("prompt_tokens", prompt);
        out.put("new_tokens", context - prompt);
        ArrayNode rows = out.putArray("configurations");
        for (int i = 0; i < n; i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = decode[i][r] / decode[0][r];
            }
            ObjectNode row = rows.addObject();
            row.put("configuration", configs.get(i).name());
            row.put("prefill_tokens_per_s", Math.round(Stopwatch.median(prefill[i]) * 10) / 10.0);
            row.put("decode_tokens_per_s", Math.round(Stopwatch.median(decode[i]) * 10) / 10.0);
            row.put("decode_vs_base_alone", Math.round(Stopwatch.median(ratio) * 1000) / 1000.0);
            System.out.printf("%-44s prefill %6.0f tokens/s, decode %6.1f tokens/s, decode %.3f× the base alone (medians of %d rounds, %d threads)%n",
                    configs.get(i).name(), Stopwatch.median(prefill[i]), Stopwatch.median(decode[i]), Stopwatch.median(ratio), rounds, threads);
        }
    }

    private static double[] run(Config c, int[] ids, int newTokens) {
        if (c.adapters() != null) {
            c.adapters().use(c.use());
        }
        return DecoderFolderBenchmarks.measure(c.model(), ids, newTokens, false);
    }
}
