package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.QuantizedCompressor;
import org.lowrank4j.compress.allocation.Allocators;
import org.lowrank4j.compress.allocation.RankAllocator;
import org.lowrank4j.compress.allocation.SensitivityAllocator;
import org.lowrank4j.compress.allocation.SizeTarget;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.methods.QuantizedBase;
import org.lowrank4j.compress.methods.QuantizedMethod;
import org.lowrank4j.compress.methods.QuantizedSite;
import org.lowrank4j.compress.onnx.OnnxCompression;
import org.lowrank4j.compress.tokenize.HfTokenizer;

/**
 * Quantizing methods ({@code rtn}, {@code gptq}, {@code eora}) on an ONNX file: statistics from ONNX Runtime when the
 * method reads them, every linear site quantized (MatMulNBits), branches added where the method has them, embedding
 * tables quantized when asked. The budget is bytes: without {@code --target-size} the method's bits and rank set the
 * size; with it, a method whose branch rank is left open spends what the quantized base leaves under the target on
 * branch ranks (through the allocator), and any other method must fit the target as it is.
 */
final class OnnxQuantizedRoute implements CompressionRoute {
    /** Slack for the names and nodes a branch adds beyond its factors. */
    private static final long BRANCH_OVERHEAD_BYTES = 1024;

    @Override
    public boolean handles(CompressionRequest r) {
        return OnnxRoutes.isOnnxFile(r) && Methods.isQuantized(r.method());
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        OnnxRoutes.checkInputs(r);
        QuantizedMethod m = Methods.quantizedByName(r.method());
        RankAllocator allocator = branchAllocator(m, r);
        boolean budgetRanks = allocator != null;
        OnnxCompression job = OnnxCompression.open(r.model());
        requireWritable(m, job.weights());
        OnnxRoutes.fitEmbeddings(r, job, listener);
        listener.note(String.format(Locale.ROOT, "%s: %d linear sites, method %s (%s)%s", r.model().getFileName(), job.sites().size(), m.name(),
                describe(m.storage()), r.targetBytes() == null ? "" : ", target " + SizeTarget.format(r.targetBytes())));
        if (!m.requirements().isEmpty()) {
            List<String> texts = OnnxRoutes.calibrationText(r, listener);
            try (HfTokenizer tok = HfTokenizer.load(r.tokenizer())) {
                job.calibrate(tok, texts, OnnxRoutes.CALIBRATION_BATCH, r.threadCount(), listener);
            }
        }
        List<QuantizedSite> sites = job.prepareQuantized(m, listener);
        Writer writer = (ranks, allocation) -> job.writeQuantized(m, ranks, allocation, r.out(), listener);
        CompressionOutcome outcome;
        if (budgetRanks) {
            outcome = spendOnBranches(r, job.weights(), sites, allocator, m.storage(), writer, listener);
        } else {
            int[] ranks = QuantizedCompressor.uniformRanks(sites, m.rankWithoutBudget(), m.storage());
            outcome = writer.write(ranks, m.hasBranch() ? "rank " + m.rankWithoutBudget() + " everywhere" : "none");
        }
        if (r.targetBytes() != null && outcome.bytesOut() > r.targetBytes()) {
            Files.deleteIfExists(r.out());
            throw new IllegalArgumentException("the " + m.name() + " model is " + SizeTarget.format(outcome.bytesOut()) + ", above --target-size "
                    + SizeTarget.format(r.targetBytes()) + "; use fewer bits, larger groups or quantized embeddings (embeddings=int8 or int4)");
        }
        return outcome;
    }

    /** Writes a result at the given branch ranks. */
    private interface Writer {
        CompressionOutcome write(int[] ranks, String allocation) throws IOException;
    }

    /**
     * Writes the base alone to learn its size, gives the bytes left under the target to the allocator as branch
     * parameters, and lowers that budget by any overshoot of the written file (at most four writes).
     */
    private static CompressionOutcome spendOnBranches(CompressionRequest r, List<LinearWeight> weights, List<QuantizedSite> sites, RankAllocator allocator,
                                                      QuantizedBase storage, Writer writer, Listener listener) throws IOException {
        long target = r.targetBytes();
        CompressionOutcome base = writer.write(new int[sites.size()], allocator.name());
        if (base.bytesOut() > target) {
            Files.deleteIfExists(r.out());
            throw new IllegalArgumentException("the quantized base alone is " + SizeTarget.format(base.bytesOut()) + ", above --target-size "
                    + SizeTarget.format(target) + "; use fewer bits, larger groups or quantized embeddings (embeddings=int8 or int4)");
        }
        long overhead = BRANCH_OVERHEAD_BYTES; // per site with a branch: names, node and tensor headers
        long budget = target - base.bytesOut() - overhead * sites.size();
        CompressionOutcome outcome = base;
        for (int attempt = 0; attempt < 4 && budget > 0; attempt++) {
            int[] ranks = QuantizedCompressor.budgetRanks(weights, sites, allocator, budget, storage);
            long parameters = QuantizedCompressor.branchParameters(weights, ranks);
            long branchBytes = QuantizedCompressor.branchBytes(weights, ranks, storage);
            long branched = java.util.Arrays.stream(ranks).filter(x -> x > 0).count();
            outcome = writer.write(ranks, allocator.name());
            listener.note(String.format(Locale.ROOT, "%s: branches of %d parameters in total, file %s", r.out().getFileName(), parameters,
                    SizeTarget.format(outcome.bytesOut())));
            if (outcome.bytesOut() <= target) {
                return outcome;
            }
            // the file tells the real overhead per branch; budget again with it, and a little more
            overhead = Math.max(overhead, (outcome.bytesOut() - base.bytesOut() - branchBytes) / Math.max(1, branched) + 64);
            budget = Math.min(budget - (outcome.bytesOut() - target), target - base.bytesOut() - overhead * sites.size());
        }
        return outcome.bytesOut() <= target ? outcome : writer.write(new int[sites.size()], allocator.name());
    }

    /**
     * Refuses, before any work, what ONNX Runtime's kernels cannot run or the weights cannot take: bits other than 2, 4
     * and 8, a group that is not a power of two from 16 to 256, or one that does not divide a site's inputs.
     */
    static void requireWritable(QuantizedMethod m, List<LinearWeight> weights) {
        QuantizedBase s = m.storage();
        if (s.scheme() == QuantizedBase.Scheme.NF && s.bits() != 4) {
            throw new IllegalArgumentException(m.name() + ": scheme=nf with bits=" + s.bits() + " cannot be written to ONNX (MatMulBnb4 takes NF4 only)");
        }
        if (s.bits() != 2 && s.bits() != 4 && s.bits() != 8) {
            throw new IllegalArgumentException(m.name() + ": bits=" + s.bits() + " cannot be written to ONNX (ONNX Runtime's MatMulNBits takes 2, 4 or 8 bits)");
        }
        if (s.group() < 16 || s.group() > 256 || Integer.bitCount(s.group()) != 1) {
            throw new IllegalArgumentException(m.name() + ": group=" + s.group() + " cannot be written to ONNX (MatMulNBits takes groups of 16, 32, 64, 128 or 256)");
        }
        if (s.quantizedBranch() && !m.hasBranch()) {
            throw new IllegalArgumentException(m.name() + ": branch=" + s.branch().name().toLowerCase(Locale.ROOT) + " sets how a low-rank branch is stored, and this "
                    + "method has none (use eora, svdquant or lq-lora)");
        }
        if (s.quantizedBranch() && m.fixedRank() > 0 && m.fixedRank() % s.rankStep() != 0) {
            throw new IllegalArgumentException(m.name() + ": rank=" + m.fixedRank() + " with branch=" + s.branch().name().toLowerCase(Locale.ROOT)
                    + " must be a multiple of " + s.rankStep() + " (MatMulNBits' blocks along the rank); use "
                    + Math.max(s.rankStep(), m.fixedRank() / s.rankStep() * s.rankStep()) + " or " + (m.fixedRank() / s.rankStep() + 1) * s.rankStep());
        }
        for (LinearWeight w : weights) {
            if (w.inFeatures() % s.group() != 0) {
                throw new IllegalArgumentException(m.name() + ": group=" + s.group() + " does not divide the " + w.inFeatures() + " inputs of " + w.name());
            }
        }
        if (s.embeddingFormat() != null) {
            int g = s.embeddingFormat().groupSize();
            if (g < 16 || Integer.bitCount(g) != 1) {
                throw new IllegalArgumentException(m.name() + ": egroup=" + g + " cannot be written to ONNX (GatherBlockQuantized takes a power of two from 16)");
            }
        }
    }

    private static String describe(QuantizedBase s) {
        return s.bits() + "-bit " + s.scheme().name().toLowerCase(Locale.ROOT) + " groups of " + s.group() + ", embeddings "
                + s.embeddings().name().toLowerCase(Locale.ROOT);
    }

    /**
     * The allocator that spends a byte budget on the branch ranks of {@code m}, or null when the ranks are not budgeted
     * (no branch, a fixed rank, or no {@code --target-size}). Shared by the ONNX and decoder-folder quantizing routes.
     *
     * @throws IllegalArgumentException for a sensitivity allocation, which measures removed parameters, not bytes
     */
    static RankAllocator branchAllocator(QuantizedMethod m, CompressionRequest r) {
        if (!(m.hasBranch() && m.fixedRank() < 0 && r.targetBytes() != null)) {
            return null;
        }
        if (SensitivityAllocator.isSensitivity(r.allocation())) {
            throw new IllegalArgumentException("--allocation " + r.allocation() + " is not available for " + m.name()
                    + "; its branch ranks take uniform, global, energy, d-rank, welore or svd-llm-v2");
        }
        return Allocators.byName(r.allocation());
    }
}
