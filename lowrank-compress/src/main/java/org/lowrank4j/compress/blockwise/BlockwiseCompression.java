package org.lowrank4j.compress.blockwise;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.Dense;
import org.lowrank4j.compress.Factorization;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.methods.CompressionMethod;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.runtime.RuntimeCalibration;
import org.lowrank4j.compress.runtime.RuntimeSite;
import org.lowrank4j.compress.runtime.SequentialCompressor;
import org.lowrank4j.compress.runtime.WeightInstaller;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.FloatTensor;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Compression of a decoder folder (LLaMA or GPT-2 family) one transformer block at a time, in memory bounded by one block rather
 * than the model. Produces the factors the in-memory route ({@code RuntimeCompression} over the loaded model, with the
 * uniform allocation) produces, from the same statistics in the same order:
 *
 * <ol>
 *   <li>The calibration windows are embedded batch by batch and the block inputs spilled to disk
 *       ({@link ActivationSpill}); then the embedding table is dropped.</li>
 *   <li>Block i is read from the folder ({@link DecoderBlocks#readBlock}). Every batch of the original stream runs
 *       through it once: its sites' input Grams accumulate per group (as {@link RuntimeCalibration} does) and its
 *       outputs are spilled as block i + 1's inputs.</li>
 *   <li>A method that reads only these statistics prepares the block's sites and factorises them at the allocator's
 *       ranks. A sequential method ({@link SequentialCompressor}: SVD-LLM's update, SAES) also carries the compressed
 *       model's stream: group by group (q/k/v, o, gate/up, down), its batches run through the partly compressed block
 *       to give the compressed-prefix statistics (and, for the cross moment, the original block's inputs of the same
 *       rows), the group is prepared again and factorised, and finally the block's compressed outputs are spilled.</li>
 *   <li>The block's tensors (factors, norms, dense sites) are written as one shard, and the block is dropped.</li>
 * </ol>
 *
 * <p>Memory: one block's weights (float32 in the block, float64 in the sites' copies) and their factors, the block's
 * statistics (one n×n Gram in float64 per site, two per site for the cross moment), one batch's activations through
 * the block, and the embedding table or output projection while those are written. Disk: the spilled activations, one
 * or two streams of tokens × hidden float32 values, twice (a block's inputs and its outputs).
 *
 * <p>Ranks come from the allocator per block, so only allocators whose rank for a site depends on that site alone are
 * taken ({@code uniform}); global ones need every site's spectrum before the first factorisation.
 */
public final class BlockwiseCompression {
    /** Allocators whose rank for a site does not depend on the other sites. */
    static final List<String> LOCAL_ALLOCATORS = List.of("uniform");

    /** What the run produced: the result (sites summarised, no weights held) and the parameter counts. */
    public record Outcome(CompressionResult result, Map<String, Integer> ranks, List<String> denseSites, long modelParametersBefore,
                   long modelParametersAfter, double calibrationSeconds) {
    }

    private final DecoderBlocks model;
    private final int[][] windows; // (count, T + 1); null for a method that reads no data
    private final int windowsPerBatch;
    private final CompressionMethod method;
    private final RankAllocator allocator;
    private final double ratio;
    private final Path spillFolder;
    private final Progress progress;
    private final boolean sequential, cross;
    private double calibrationSeconds;
    private final List<ActivationSpill> spills = new ArrayList<>();
    private ShardedFolderWriter.ShardWrite shardWrite = ShardedFolderWriter.ShardWrite.DIRECT;
    private static final com.fasterxml.jackson.databind.ObjectMapper MANIFEST_JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    /**
     * @param model           the folder, opened blockwise
     * @param windows         calibration windows (count, T + 1), or null for a method that reads no data
     * @param windowsPerBatch windows run through a block at once (the blockwise route runs 8)
     * @param spillFolder     where the activations are spilled (temporary files, deleted when done)
     * @throws IllegalArgumentException for an allocator that is not local, a method that needs gradients, or a bad ratio
     */
    public BlockwiseCompression(DecoderBlocks model, int[][] windows, int windowsPerBatch, CompressionMethod method, RankAllocator allocator, double ratio,
                         Path spillFolder, Progress progress) {
        if (!LOCAL_ALLOCATORS.contains(allocator.name())) {
            throw new IllegalArgumentException("--allocation " + allocator.name() + " ranks every site against all others, which needs every"
                    + " block's spectra before the first is written; blockwise compression takes " + LOCAL_ALLOCATORS);
        }
        if (method.requirements().contains(Requirement.GRADIENTS)) {
            throw new IllegalArgumentException("--method " + method.name() + " needs gradients through the whole model; blockwise compression"
                    + " takes methods that read the layers' inputs only");
        }
        if (!method.requirements().isEmpty() && windows == null) {
            throw new IllegalArgumentException("--method " + method.name() + " reads calibration windows; none were given");
        }
        RankRules.requireRatio(ratio);
        this.model = model;
        this.windows = method.requirements().isEmpty() ? null : windows;
        this.windowsPerBatch = windowsPerBatch;
        this.method = method;
        this.allocator = allocator;
        this.ratio = ratio;
        this.spillFolder = spillFolder;
        this.progress = progress;
        this.sequential = SequentialCompressor.isSequential(method);
        this.cross = method.requirements().contains(Requirement.CROSS_MOMENT);
    }

    /** Replaces how shards reach the disk (tests simulate a disk that fills). */
    BlockwiseCompression withShardWrite(ShardedFolderWriter.ShardWrite write) {
        this.shardWrite = write;
        return this;
    }

    /**
     * Compresses and writes the low-rank folder {@code out} atomically (built in a hidden sibling folder, renamed into
     * place when complete, removed on any failure): one shard for the embedding, one per block, one for the final norm
     * and output projection, their index, {@code config.json}, the manifest and the tokenizer.
     *
     * @param source    how the manifest names the input model
     * @param label     the method's name for the manifest
     * @param tokenizer the tokenizer.json to copy
     * @param inputs    paths the output must not replace
     */
    public Outcome writeFolder(Path out, String source, String label, Path tokenizer, Path... inputs) throws IOException {
        Outcome[] outcome = new Outcome[1];
        LowRankFolder.writeFolder(out, tokenizer, inputs, temp -> {
            outcome[0] = run(new ShardedFolderWriter(temp, model.blockCount() + 2, shardWrite));
            model.config().write(temp.resolve(HfConfig.FILE_NAME));
            Outcome o = outcome[0];
            CompressionResult r = o.result();
            LowRankFolder.Manifest manifest = new LowRankFolder.Manifest(LowRankFolder.FORMAT_VERSION, source, label, allocator.name(), ratio,
                    r.achievedRatio(), 1 - (double) o.modelParametersAfter() / o.modelParametersBefore(), r.targetedParametersBefore(),
                    r.targetedParametersAfter(), o.modelParametersBefore(), o.modelParametersAfter(), o.ranks(), o.denseSites(), null);
            Files.writeString(temp.resolve(LowRankFolder.MANIFEST), MANIFEST_JSON.writeValueAsString(manifest.toJson()) + "\n",
                    StandardCharsets.UTF_8);
        });
        return outcome[0];
    }

    /** Runs every block, writing embedding, blocks and head as shards of {@code out} (blocks + 2 shards). */
    Outcome run(ShardedFolderWriter out) throws IOException {
        int batches = windows == null ? 0 : (windows.length + windowsPerBatch - 1) / windowsPerBatch;
        ActivationSpill original = null, compressed = null;
        List<SiteResult> sites = new ArrayList<>();
        Map<String, Integer> ranks = new LinkedHashMap<>();
        List<String> dense = new ArrayList<>();
        long before = 0, after = 0, others = 0;
        try {
            if (windows != null) {
                long start = System.nanoTime();
                original = embed(batches);
                calibrationSeconds += (System.nanoTime() - start) / 1e9;
            }
            Map<String, String> embedding = model.embeddingTensors();
            out.shardFrom(model.source(), embedding);
            others += elements(embedding.values());
            compressed = sequential ? copy(original, batches) : null;
            for (int i = 0; i < model.blockCount(); i++) {
                progress.update("blockwise (" + method.name() + ")", i, model.blockCount(), "block " + i);
                PreNormBlock block = model.readBlock(i);
                List<RuntimeSite> blockSites = sites(block, i);
                WeightInstaller installer = new WeightInstaller(blockSites);
                ActivationSpill nextOriginal = null, nextCompressed = null;
                Map<String, LayerStats> stats = new LinkedHashMap<>();
                if (original != null) {
                    long start = System.nanoTime();
                    nextOriginal = spill("block" + (i + 1), batches);
                    stats = statistics(block, blockSites, original, nextOriginal);
                    calibrationSeconds += (System.nanoTime() - start) / 1e9;
                }
                List<SiteResult> results = sequential ? sequentialBlock(block, blockSites, stats, installer, original, compressed)
                        : perSiteBlock(blockSites, stats, installer);
                if (sequential) {
                    nextCompressed = spill("compressed" + (i + 1), batches);
                    for (int b = 0; b < batches; b++) {
                        nextCompressed.write(b, ActivationSpill.floats(block.forward(tensor(compressed.read(b), b), null)));
                    }
                    compressed.close();
                    compressed = nextCompressed;
                }
                if (original != null) {
                    original.close();
                    original = nextOriginal;
                }
                long blockAfter = 0;
                for (int k = 0; k < results.size(); k++) {
                    SiteResult s = results.get(k);
                    before += s.weight().denseParameters();
                    after += s.factorization().parameterCount();
                    blockAfter += s.factorization().parameterCount();
                    String name = blockSites.get(k).linear().name();
                    if (s.factorization() instanceof Dense) {
                        dense.add(name);
                    } else {
                        ranks.put(name, s.rank());
                    }
                    sites.add(s);
                }
                Map<String, Tensor> tensors = model.factorTensors(block, i);
                // what the block stores besides its sites' weights or factors: norms, biases
                long rest = tensors.values().stream().mapToLong(Tensor::size).sum() - blockAfter;
                if (rest < 0) {
                    throw new IllegalStateException("block " + i + " stores " + (rest + blockAfter) + " values, fewer than its sites' "
                            + blockAfter + " after compression");
                }
                others += rest;
                out.shard(tensors);
            }
            progress.update("blockwise (" + method.name() + ")", model.blockCount(), model.blockCount(), "");
            Map<String, String> head = model.headTensors();
            out.shardFrom(model.source(), head);
            others += elements(head.values());
            out.finish();
        } finally {
            for (ActivationSpill spill : spills) { // every one, also those of a block that failed half way
                spill.close();
            }
            spills.clear();
        }
        CompressionResult result = new CompressionResult(method.name(), allocator.name(), ratio, sites, before, after);
        return new Outcome(result, ranks, dense, others + before, others + after, calibrationSeconds);
    }

    /** A new spill, closed (deleted) at the latest when the run ends, however it ends. */
    private ActivationSpill spill(String name, int batches) throws IOException {
        ActivationSpill spill = ActivationSpill.create(spillFolder, name, batches);
        spills.add(spill);
        return spill;
    }

    /** The embedded calibration batches (block 0's inputs). */
    private ActivationSpill embed(int batches) throws IOException {
        Embedding table = model.readEmbedding();
        ActivationSpill spill = spill("block0", batches);
        for (int b = 0; b < batches; b++) {
            progress.update("embed", b, batches, "");
            int first = b * windowsPerBatch, batch = Math.min(windowsPerBatch, windows.length - first), time = windows[0].length - 1;
            int[] ids = new int[batch * time];
            for (int w = 0; w < batch; w++) {
                System.arraycopy(windows[first + w], 0, ids, w * time, time);
            }
            spill.write(b, ActivationSpill.floats(table.forward(ids, null, batch, time, model.positionOffset())));
        }
        return spill;
    }

    private ActivationSpill copy(ActivationSpill from, int batches) throws IOException {
        if (from == null) {
            return null;
        }
        ActivationSpill to = spill("compressed0", batches);
        for (int b = 0; b < batches; b++) {
            to.write(b, from.read(b));
        }
        return to;
    }

    /** Runs the original stream through the block: per-site input statistics, and the block's outputs into {@code next}. */
    private Map<String, LayerStats> statistics(PreNormBlock block, List<RuntimeSite> blockSites, ActivationSpill in, ActivationSpill next) {
        List<List<RuntimeSite>> groups = RuntimeSite.groups(blockSites);
        List<LayerStats> perGroup = new ArrayList<>();
        for (List<RuntimeSite> g : groups) {
            perGroup.add(new LayerStats(g.get(0).inFeatures()));
        }
        for (int b = 0; b < in.batches(); b++) {
            Tensor y = block.forward(tensor(in.read(b), b), null);
            for (int g = 0; g < groups.size(); g++) {
                Tensor x = RuntimeCalibration.sharedInput(groups.get(g));
                float[] rows = RuntimeSite.realRows(x, null);
                perGroup.get(g).accumulate(rows, 0, rows.length / x.dim(-1));
            }
            next.write(b, ActivationSpill.floats(y));
        }
        return org.lowrank4j.compress.runtime.RuntimeCalibration.perSite(groups, perGroup); // mutable: sites drop theirs when done
    }

    /**
     * A method that reads the original statistics only: each site prepared, given its rank and installed, as the
     * in-memory route does for all sites at once (a site's factors depend on its own weight and statistics only), one
     * site at a time when the method reads statistics (so that one site's Gram root and decomposition are held at once),
     * a site per core when it reads none; a site's statistics are dropped when it is done.
     */
    private List<SiteResult> perSiteBlock(List<RuntimeSite> blockSites, Map<String, LayerStats> stats, WeightInstaller installer) {
        List<SiteResult> results = new ArrayList<>();
        Compressor compressor = new Compressor(method, allocator);
        // a method without statistics holds a weight and its SVD per site: as many sites at once as cores (each on one thread
        // with single-threaded BLAS, as Compressor.prepare runs them); one that whitens also holds an n×n Gram and its root
        int atOnce = method.requirements().isEmpty() ? Math.max(1, Runtime.getRuntime().availableProcessors()) : 1;
        for (int first = 0; first < blockSites.size(); first += atOnce) {
            List<RuntimeSite> chunk = blockSites.subList(first, Math.min(blockSites.size(), first + atOnce));
            List<LinearWeight> weights = chunk.stream().map(RuntimeSite::weight).toList();
            CompressionResult result = compressor.build(weights, Compressor.prepare(method, weights, stats, Progress.NONE), ratio);
            for (int k = 0; k < chunk.size(); k++) {
                SiteResult s = result.sites().get(k);
                installer.install(chunk.get(k).name(), s.factorization());
                results.add(summary(s));
                stats.remove(chunk.get(k).name());
            }
        }
        return results;
    }

    /**
     * The sequential pass over one block's groups, on the carried compressed stream ({@link SequentialCompressor}'s
     * order); within a group the sites are prepared one at a time (each on its own statistics, as in the in-memory pass).
     */
    private List<SiteResult> sequentialBlock(PreNormBlock block, List<RuntimeSite> blockSites, Map<String, LayerStats> stats,
                                             WeightInstaller installer, ActivationSpill original, ActivationSpill compressed) {
        List<SiteResult> results = new ArrayList<>();
        for (List<RuntimeSite> group : RuntimeSite.groups(blockSites)) {
            boolean any = group.stream().anyMatch(s -> RankRules.saves(s.outFeatures(), s.inFeatures(), rankOf(s)));
            LayerStats prefix = any ? prefixStatistics(block, group, installer, original, compressed) : null;
            List<LowRank> factors = new ArrayList<>();
            for (RuntimeSite s : group) {
                LinearWeight w = s.weight();
                int rank = rankOf(s);
                if (!RankRules.saves(s.outFeatures(), s.inFeatures(), rank)) {
                    results.add(summary(new SiteResult(w, Math.min(w.outFeatures(), w.inFeatures()), new Dense(w.weight()), new double[0], 0)));
                    factors.add(null);
                    continue;
                }
                PreparedSite again;
                stats.get(s.name()).setCompressedPrefix(prefix);
                try {
                    again = Compressor.prepare(method, List.of(w), stats, Progress.NONE).get(0);
                } finally {
                    stats.get(s.name()).setCompressedPrefix(null);
                }
                LowRank f = again.factorAt(rank);
                double[] spectrum = again.spectrum();
                factors.add(f);
                results.add(summary(new SiteResult(w, rank, f, spectrum, org.lowrank4j.compress.Spectra.tailFraction(spectrum, rank))));
                stats.remove(s.name());
            }
            for (int k = 0; k < group.size(); k++) { // installed after the whole group, as the in-memory pass does
                if (factors.get(k) != null) {
                    installer.install(group.get(k).name(), factors.get(k));
                }
            }
        }
        return results;
    }

    private int rankOf(RuntimeSite s) {
        return RankRules.rankForRatio(s.outFeatures(), s.inFeatures(), ratio);
    }

    /** The group's input statistics in the partly compressed block over the compressed stream (+ the cross moment). */
    private LayerStats prefixStatistics(PreNormBlock block, List<RuntimeSite> group, WeightInstaller installer, ActivationSpill original,
                                        ActivationSpill compressed) {
        long start = System.nanoTime();
        LayerStats prefix = new LayerStats(group.get(0).inFeatures());
        for (int b = 0; b < compressed.batches(); b++) {
            float[] xf = null;
            if (cross) {
                Tensor in = tensor(original.read(b), b);
                installer.withOriginalWeights(() -> block.forward(in, null));
                xf = RuntimeSite.ownRealRows(RuntimeCalibration.sharedInput(group), null);
            }
            block.forward(tensor(compressed.read(b), b), null);
            Tensor x = RuntimeCalibration.sharedInput(group);
            float[] xc = RuntimeSite.realRows(x, null);
            int count = xc.length / x.dim(-1);
            prefix.accumulate(xc, 0, count);
            if (cross) {
                prefix.accumulateCross(xf, xc, 0, count);
            }
        }
        calibrationSeconds += (System.nanoTime() - start) / 1e9;
        return prefix;
    }

    /** The block's sites as the in-memory route names and groups them. */
    private List<RuntimeSite> sites(PreNormBlock block, int i) {
        List<RuntimeSite> out = new ArrayList<>();
        for (Map.Entry<String, Linear> e : model.sites(block, i).entrySet()) {
            String role = e.getKey().substring(e.getKey().lastIndexOf(' ') + 1).replace("mlp.", "ffn.");
            out.add(new RuntimeSite(e.getKey(), role, i, stageOf(role), e.getValue()));
        }
        return out;
    }

    private static int stageOf(String role) {
        return switch (role) {
            case "attention.query", "attention.key", "attention.value" -> 0;
            case "attention.output" -> 1;
            case "ffn.gate", "ffn.up" -> 2;
            default -> 3;
        };
    }

    /** The site's result without its weights and factors (kept for the record: shape, rank, parameters, spectrum). */
    private static SiteResult summary(SiteResult s) {
        LinearWeight w = s.weight();
        LinearWeight shape = new LinearWeight(w.name(), w.role(), w.block(), DoubleMatrix.filled(0, w.outFeatures(), w.inFeatures()), w.hasBias());
        Factorization f = s.factorization();
        Factorization kept = f instanceof LowRank lr
                ? new LowRank(DoubleMatrix.filled(0, lr.a().rows(), lr.rank()), DoubleMatrix.filled(0, lr.rank(), lr.b().cols()))
                : new Dense(shape.weight());
        return new SiteResult(shape, s.rank(), kept, s.spectrum(), s.relativeLoss());
    }

    private long elements(java.util.Collection<String> names) {
        long total = 0;
        for (String n : names) {
            total += java.util.Arrays.stream(model.source().info(n).shape()).reduce(1, (a, b) -> a * b);
        }
        return total;
    }

    private Tensor tensor(float[] values, int batch) {
        int first = batch * windowsPerBatch, count = Math.min(windowsPerBatch, windows.length - first), time = windows[0].length - 1;
        return FloatTensor.wrap(values, count, time, model.config().hiddenSize());
    }
}
