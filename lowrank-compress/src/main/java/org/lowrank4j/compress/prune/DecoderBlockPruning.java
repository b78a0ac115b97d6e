package org.lowrank4j.compress.prune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.safetensors.SafetensorsModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.TextFolder;

/**
 * HierarchicalPrune on a decoder model folder: each block's sensitivity is the rise of the mean log-likelihood loss
 * ({@code ln ppl}) on calibration windows when that block alone is removed; the chosen blocks' tensors are dropped, the
 * later ones renumbered and {@code num_hidden_layers} lowered; the folder is written whole (config.json,
 * model.safetensors, tokenizer.json) into a hidden sibling and renamed into place.
 */
public final class DecoderBlockPruning {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Exactly one budget: the options' count, {@code ratio} (of the blocks' linear parameters), or {@code targetBytes} (float32). */
    public record Request(String method, Path model, Path calibration, PruneOptions options, Double ratio, Long targetBytes, Path out) {
    }

    private DecoderBlockPruning() {
    }

    /** The model of {@code folder} without {@code removed}, read from {@code source}. */
    static LlamaModel without(HfConfig config, SafetensorsModel source, Set<Integer> removed) {
        ObjectNode raw = config.raw();
        raw.put("num_hidden_layers", config.numHiddenLayers() - removed.size());
        HfConfig pruned;
        try {
            pruned = HfConfig.parse(JSON.writeValueAsString(raw), source.path().toString());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return LlamaModel.load(pruned, new RenumberedLayers(source, config.numHiddenLayers(), removed), Precision.FLOAT32);
    }

    public static CompressionOutcome run(Request r, Listener listener) throws IOException {
        long start = System.nanoTime();
        DecoderFolder.requireModelFolder(r.model());
        if (!isDecoderFolder(r.out())) { // an earlier pruned model is a plain decoder folder, which --force replaces
            org.lowrank4j.nn.arch.llama.LowRankFolder.requireOutput(r.out(), r.model());
        }
        HfConfig config = HfConfig.read(r.model());
        int layers = config.numHiddenLayers();
        PruneOptions o = r.options();
        String name = r.model().getFileName().toString();
        if (o.countGiven()) {
            o.removedCount(layers, name);
        } else if (o.protectedBlocks(layers) >= layers) {
            throw new IllegalArgumentException(PruneOptions.NAME + ": protect=" + o.protectedBlocks(layers) + " protects every one of the " + layers
                    + " blocks of " + name);
        }
        int protect = o.protectedBlocks(layers);
        LlamaModel original = DecoderFolder.loadModel(r.model());
        long[] blockParameters = new long[layers];
        List<LinearWeight> weights = new ArrayList<>();
        for (Map.Entry<String, Linear> e : original.linearSites().entrySet()) {
            int block = blockOf(e.getKey());
            Linear l = e.getValue();
            if (block >= 0) {
                blockParameters[block] += (long) l.outFeatures() * l.inFeatures();
            }
        }
        long targetedBefore = java.util.Arrays.stream(blockParameters).sum();
        double[] sensitivity = null;
        double calibrationSeconds = 0;
        int window = original.defaultWindow();
        try (SafetensorsModel source = SafetensorsModel.open(r.model())) {
            if (o.order() == PruneOptions.Order.SENSITIVITY) {
                long t = System.nanoTime();
                Tokenizer tok = DecoderFolder.loadTokenizer(r.model(), original.vocabSize());
                int[] tokens = probeTokens(tok.encode(TextFolder.readText(r.calibration(), null, null, "--calib")), window, o.probe(), r);
                double base = Perplexity.evaluate(original, tokens, window, tokens.length).meanNll();
                sensitivity = new double[layers];
                for (int j = 0; j < layers; j++) {
                    listener.update("block sensitivity", j, layers, "block " + j);
                    sensitivity[j] = Perplexity.evaluate(without(config, source, Set.of(j)), tokens, window, tokens.length).meanNll() - base;
                }
                listener.update("block sensitivity", layers, layers, "");
                calibrationSeconds = (System.nanoTime() - t) / 1e9;
                StringBuilder line = new StringBuilder("block sensitivity (rise of ln perplexity with the block removed):");
                for (int j = 0; j < layers; j++) {
                    line.append(String.format(Locale.ROOT, " %d:%.4f", j, sensitivity[j]));
                }
                listener.note(line.toString());
            }
            List<Integer> order = BlockOrder.removalOrder(layers, protect, sensitivity, o.order());
            TreeSet<Integer> removed = new TreeSet<>();
            long modelBefore = original.parameterCount();
            if (o.countGiven()) {
                removed.addAll(order.subList(0, o.removedCount(layers, name)));
            } else {
                long gone = 0;
                for (int j : order) {
                    boolean reached = r.ratio() != null ? gone >= r.ratio() * targetedBefore : (modelBefore - gone) * 4 <= r.targetBytes();
                    if (reached) {
                        break;
                    }
                    removed.add(j);
                    gone += blockParameters[j] + blockNormParameters(original, j);
                }
                boolean reached = r.ratio() != null ? gone >= r.ratio() * targetedBefore : (modelBefore - gone) * 4 <= r.targetBytes();
                if (!reached) {
                    throw new IllegalArgumentException("could not reach " + (r.ratio() != null ? "--ratio " + r.ratio() : "--target-size "
                            + SizeTarget.format(r.targetBytes())) + " by removing every unprotected block (" + order.size() + " of " + layers
                            + "); choose a smaller budget or protect fewer blocks");
                }
            }
            listener.note(String.format(Locale.ROOT, "%s: removing blocks %s of %d (protected: the first %d; order %s)", name, removed, layers,
                    protect, o.order().name().toLowerCase(Locale.ROOT)));
            LlamaModel pruned = without(config, source, removed);
            write(pruned, r.model(), r.out());
            List<SiteResult> kept = new ArrayList<>();
            for (Map.Entry<String, Linear> e : pruned.linearSites().entrySet()) {
                Linear l = e.getValue();
                LinearWeight w = new LinearWeight(e.getKey(), "linear", blockOf(e.getKey()),
                        org.lowrank4j.linalg.DoubleMatrix.zeros(l.outFeatures(), l.inFeatures()));
                kept.add(new SiteResult(w, Math.min(l.outFeatures(), l.inFeatures()), new Dense(w.weight()), new double[0], 0));
            }
            long targetedAfter = targetedBefore - removed.stream().mapToLong(j -> blockParameters[j]).sum();
            double achieved = 1 - (double) targetedAfter / targetedBefore;
            CompressionResult result = new CompressionResult(org.lowrank4j.compress.methods.MethodSpec.parse(r.method()).label(),
                    o.order().name().toLowerCase(Locale.ROOT), r.ratio() != null ? r.ratio() : achieved, kept, targetedBefore, targetedAfter);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("blocks_before", layers);
            details.put("blocks_after", layers - removed.size());
            details.put("removed_blocks", List.copyOf(removed));
            details.put("protected_blocks", protect);
            details.put("order", o.order().name().toLowerCase(Locale.ROOT));
            if (sensitivity != null) {
                details.put("sensitivity", "rise of the mean negative log-likelihood (ln perplexity) with the block alone removed, over "
                        + o.probe() + " calibration windows of " + window + " tokens");
                details.put("block_sensitivities", sensitivity);
            }
            details.put("targeted_layer_ratio_definition", "parameters of the removed blocks' linear sites / parameters of all blocks' linear sites");
            return new CompressionOutcome(result, r.model(), r.out(), Files.size(r.model().resolve("model.safetensors")),
                    Files.size(r.out().resolve("model.safetensors")), modelBefore, pruned.parameterCount(), sensitivity == null ? 0
                    : (long) o.probe() * window, calibrationSeconds, (System.nanoTime() - start) / 1e9 - calibrationSeconds, null, details);
        }
    }

    /** The block of a site named {@code block I role}, or -1. */
    private static int blockOf(String site) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^block (\\d+) ").matcher(site);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The norm parameters of block j (what goes with its linear sites when the block is removed). */
    private static long blockNormParameters(LlamaModel model, int j) {
        return 2L * model.config().hiddenSize();
    }

    /** {@code probe} windows of {@code window} tokens spread evenly over the calibration tokens, joined (plus one token). */
    private static int[] probeTokens(int[] tokens, int window, int probe, Request r) {
        if (tokens.length < window + 1) {
            throw new IllegalArgumentException("--calib " + r.calibration() + " holds " + tokens.length + " tokens, too few for one window of "
                    + (window + 1));
        }
        int count = Math.min(probe, (tokens.length - 1) / window);
        int[] out = new int[count * window + 1];
        long span = tokens.length - 1 - window;
        for (int k = 0; k < count; k++) {
            int from = count == 1 ? 0 : (int) (span * k / (count - 1));
            System.arraycopy(tokens, from, out, k * window, window + (k == count - 1 ? 1 : 0));
        }
        return out;
    }

    /** Whether {@code folder} holds a decoder (config.json and its weights), as this pruning writes. */
    private static boolean isDecoderFolder(Path folder) {
        return Files.isRegularFile(folder.resolve("config.json")) && org.lowrank4j.formats.safetensors.CheckpointFolder.hasWeights(folder);
    }

    /** Writes the folder into a hidden sibling, then renames it into place (an earlier output is replaced). */
    private static void write(LlamaModel model, Path input, Path out) throws IOException {
        AtomicFiles.replaceFolder(out.toAbsolutePath().normalize(), temp -> {
            model.save(temp);
            Files.copy(input.resolve(DecoderFolder.TOKENIZER), temp.resolve(DecoderFolder.TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
        });
    }
}
