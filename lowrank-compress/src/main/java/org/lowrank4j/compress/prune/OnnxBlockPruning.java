package org.lowrank4j.compress.prune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.formats.onnx.EncoderBlocks;
import org.lowrank4j.formats.onnx.EncoderBlocks.Block;
import org.lowrank4j.formats.onnx.OnnxModel;

/**
 * HierarchicalPrune on an ONNX encoder: measure each block's sensitivity (unless the order is by position), choose the
 * blocks to remove (the first {@code protect} never), and write the graph without them. Budget: the options' blocks or
 * keep, or a ratio of the blocks' linear parameters, or a file size.
 */
public final class OnnxBlockPruning {

    /** What to prune and how much; exactly one budget: the options' count, {@code ratio}, or {@code targetBytes}. */
    public record Request(String method, Path model, Path tokenizer, List<String> probeTexts, Pooling pooling, PruneOptions options, Double ratio,
                          Long targetBytes, int threads, Path out) {
    }

    private OnnxBlockPruning() {
    }

    /** Recognises the blocks and checks the budget; call before long work. */
    public static List<Block> check(OnnxModel model, Request r) {
        List<Block> blocks = EncoderBlocks.find(model, r.model().toString());
        int layers = blocks.size();
        if (r.options().countGiven()) {
            r.options().removedCount(layers, r.model().getFileName().toString());
        } else if (r.options().protectedBlocks(layers) >= layers) {
            throw new IllegalArgumentException(PruneOptions.NAME + ": protect=" + r.options().protectedBlocks(layers) + " protects every one of the "
                    + layers + " blocks of " + r.model().getFileName());
        }
        return blocks;
    }

    public static CompressionOutcome run(Request r, Listener listener) throws IOException {
        long start = System.nanoTime();
        OnnxModel model = OnnxModel.read(r.model());
        List<Block> blocks = check(model, r);
        int layers = blocks.size();
        PruneOptions o = r.options();
        int protect = o.protectedBlocks(layers);
        double[] sensitivity = null;
        double calibrationSeconds = 0;
        if (o.order() == PruneOptions.Order.SENSITIVITY) {
            long t = System.nanoTime();
            try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
                sensitivity = BlockSensitivity.measure(model, r.model(), blocks, tok, r.probeTexts(), r.pooling(), r.threads(), listener);
            }
            calibrationSeconds = (System.nanoTime() - t) / 1e9;
            StringBuilder line = new StringBuilder("block sensitivity (1 − cosine with the block removed):");
            for (int j = 0; j < layers; j++) {
                line.append(String.format(Locale.ROOT, " %d:%.4f", j, sensitivity[j]));
            }
            listener.note(line.toString());
        }
        List<Integer> order = BlockOrder.removalOrder(layers, protect, sensitivity, o.order());
        long targetedBefore = blocks.stream().mapToLong(Block::linearParameters).sum();
        TreeSet<Integer> removed = new TreeSet<>();
        OnnxModel pruned;
        if (o.countGiven()) {
            removed.addAll(order.subList(0, o.removedCount(layers, r.model().getFileName().toString())));
            pruned = EncoderBlocks.withoutBlocks(model, blocks, removed);
        } else if (r.ratio() != null) {
            long gone = 0;
            for (int j : order) {
                if (gone >= r.ratio() * targetedBefore) {
                    break;
                }
                removed.add(j);
                gone += blocks.get(j).linearParameters();
            }
            if (gone < r.ratio() * targetedBefore) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--ratio %.3f: removing every unprotected block (%d of %d) removes only"
                        + " %.3f of the blocks' parameters; lower the ratio or protect fewer blocks", r.ratio(), order.size(), layers,
                        (double) gone / targetedBefore));
            }
            pruned = EncoderBlocks.withoutBlocks(model, blocks, removed);
        } else {
            pruned = null;
            for (int j : order) {
                removed.add(j);
                pruned = EncoderBlocks.withoutBlocks(model, blocks, removed);
                if (pruned.toProto().getSerializedSize() <= r.targetBytes()) {
                    break;
                }
            }
            long size = pruned.toProto().getSerializedSize();
            if (size > r.targetBytes()) {
                throw new IllegalArgumentException("could not reach --target-size " + SizeTarget.format(r.targetBytes()) + ": removing every"
                        + " unprotected block (" + removed.size() + " of " + layers + ") leaves " + SizeTarget.format(size) + "; choose a larger target");
            }
        }
        listener.note(String.format(Locale.ROOT, "%s: removing blocks %s of %d (protected: the first %d; order %s)", r.model().getFileName(), removed,
                layers, protect, o.order().name().toLowerCase(Locale.ROOT)));
        if (sensitivity != null) {
            pruned.putMetadata(EncoderBlocks.BLOCK_SENSITIVITIES, java.util.Arrays.stream(sensitivity).mapToObj(Double::toString)
                    .collect(java.util.stream.Collectors.joining(",")));
        }
        pruned.write(r.out());

        List<SiteResult> kept = new ArrayList<>();
        for (LinearWeight w : OnnxCompression.open(r.model()).weights()) {
            if (w.block() >= 0 && !removed.contains(w.block())) {
                kept.add(new SiteResult(w, Math.min(w.outFeatures(), w.inFeatures()), new Dense(w.weight()), new double[0], 0));
            }
        }
        long targetedAfter = targetedBefore - removed.stream().mapToLong(j -> blocks.get(j).linearParameters()).sum();
        double achieved = 1 - (double) targetedAfter / targetedBefore;
        String label = org.lowrank4j.compress.methods.MethodSpec.parse(r.method()).label();
        CompressionResult result = new CompressionResult(label, o.order().name().toLowerCase(Locale.ROOT), r.ratio() != null ? r.ratio() : achieved,
                kept, targetedBefore, targetedAfter);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("blocks_before", layers);
        details.put("blocks_after", layers - removed.size());
        details.put("removed_blocks", List.copyOf(removed));
        details.put("protected_blocks", protect);
        details.put("order", o.order().name().toLowerCase(Locale.ROOT));
        if (sensitivity != null) {
            details.put("sensitivity", "1 - mean cosine of pooled embeddings with the block alone removed, over " + r.probeTexts().size()
                    + " calibration sentences");
            details.put("block_sensitivities", sensitivity);
        }
        details.put("targeted_layer_ratio_definition", "parameters of the removed blocks' linear sites / parameters of all blocks' linear sites");
        return new CompressionOutcome(result, r.model(), r.out(), Files.size(r.model()), Files.size(r.out()), OnnxCompression.countParameters(model),
                OnnxCompression.countParameters(pruned), 0, calibrationSeconds, (System.nanoTime() - start) / 1e9 - calibrationSeconds, null, details);
    }
}
