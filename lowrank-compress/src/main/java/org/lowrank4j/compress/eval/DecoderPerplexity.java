package org.lowrank4j.compress.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.blockwise.BlockwisePerplexity;
import org.lowrank4j.compress.blockwise.SpillFolder;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.generate.DecoderBlocks;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.formats.io.OutputPlan;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TextFolder;

/**
 * The one entry point of {@code perplexity}: a decoder folder (dense or low-rank) on held-out text, over fixed
 * non-overlapping windows, with bits per UTF-8 byte and, as a floor any context-free model is held to, the entropy of
 * the unigram model fitted on the same text. Optionally written as JSON.
 */
public final class DecoderPerplexity {

    private DecoderPerplexity() {
    }

    /**
     * @param model    a decoder model folder
     * @param text     a .txt file or a folder of them; {@code from}/{@code to} select YEAR_*.txt files of a folder
     * @param window   tokens per window (null: the model's context)
     * @param maxBytes only the first N bytes of the text (null: all)
     * @param json     where to write the figures (null: nowhere); replaced only with {@code force}
     * @param blockwise  LLaMA- and GPT-2-family folders: read the model one block at a time ({@link BlockwisePerplexity}), for models
     *                   larger than the heap
     */
    public record Request(Path model, Path text, Integer from, Integer to, Integer window, Long maxBytes, Path json, boolean force,
                          boolean blockwise) {

        /** A request that loads the whole model. */
        public Request(Path model, Path text, Integer from, Integer to, Integer window, Long maxBytes, Path json, boolean force) {
            this(model, text, from, to, window, maxBytes, json, force, false);
        }
    }

    /** The measured figures. */
    public record Report(PerplexityResult result, int window, double seconds, double unigramPerplexity, double unigramBitsPerByte) {
    }

    /** As {@link #run(Request, Progress)}, silently. */
    public static Report run(Request q) throws IOException {
        return run(q, Progress.NONE);
    }

    /** Reports the windows scored as phase "perplexity". */
    public static Report run(Request q, Progress progress) throws IOException {
        if (q.json() != null) {
            OutputPlan.of("--json", q.json(), q.force()).file().input("--model", q.model()).input("--text", q.text()).check();
        }
        if (q.window() != null && q.window() < 1) {
            throw new IllegalArgumentException("--window must be at least 1 token, got " + q.window());
        }
        if (q.maxBytes() != null && q.maxBytes() < 2) {
            throw new IllegalArgumentException("--max-bytes must be at least 2, got " + q.maxBytes());
        }
        String content = TextFolder.readText(q.text(), q.from(), q.to(), "--text");
        if (q.blockwise()) {
            return runBlockwise(q, content, progress);
        }
        CausalLanguageModel decoder = DecoderFolder.loadDecoder(q.model());
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(q.model(), decoder.vocabSize());
        int window = q.window() == null ? decoder.defaultWindow() : q.window();
        if (window > decoder.maxPositions()) {
            throw new IllegalArgumentException("--window " + window + " is longer than the model's " + decoder.maxPositions() + " positions");
        }
        if (q.maxBytes() != null) {
            content = TextFolder.firstBytes(content, q.maxBytes());
        }
        int[] tokens = tokenizer.encode(content);
        long bytes = content.getBytes(StandardCharsets.UTF_8).length;
        double unigram = unigramNatsPerToken(tokens, tokenizer.vocabSize());
        long start = System.nanoTime();
        PerplexityResult r = Perplexity.evaluate(decoder, tokens, window, bytes,
                (done, total) -> progress.update("perplexity", done, total, "windows")).requireFinite(q.model());
        Report report = new Report(r, window, (System.nanoTime() - start) / 1e9, Math.exp(unigram), unigram * tokens.length / bytes / Math.log(2));
        if (q.json() != null) {
            write(q, report);
        }
        return report;
    }

    /** The same figures with the model read one block at a time; activations are spilled beside the model's folder ({@link SpillFolder}). */
    private static Report runBlockwise(Request q, String content, Progress progress) throws IOException {
        DecoderFolder.requireModelFolder(q.model());
        try (DecoderBlocks model = DenseDecoders.openBlocks(q.model(), Precision.FLOAT32)) {
            Tokenizer tokenizer = DecoderFolder.loadTokenizer(q.model(), model.config().vocabSize());
            int window = q.window() == null ? CausalLanguageModel.defaultWindow(model.positions()) : q.window();
            if (q.maxBytes() != null) {
                content = TextFolder.firstBytes(content, q.maxBytes());
            }
            int[] tokens = tokenizer.encode(content);
            long bytes = content.getBytes(StandardCharsets.UTF_8).length;
            double unigram = unigramNatsPerToken(tokens, tokenizer.vocabSize());
            long start = System.nanoTime();
            PerplexityResult r;
            try (SpillFolder spill = SpillFolder.beside(q.model().toAbsolutePath().normalize())) { // hidden, cleared by the next run if this one is killed
                r = BlockwisePerplexity.evaluate(model, tokens, window, bytes, spill.path(),
                        (done, total) -> progress.update("perplexity (blockwise)", done, total, "windows")).requireFinite(q.model());
            }
            Report report = new Report(r, window, (System.nanoTime() - start) / 1e9, Math.exp(unigram), unigram * tokens.length / bytes / Math.log(2));
            if (q.json() != null) {
                write(q, report);
            }
            return report;
        }
    }

    private static void write(Request q, Report report) throws IOException {
        PerplexityResult r = report.result();
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        node.put("model", q.model().toString());
        node.put("text", q.text().toString());
        if (q.from() != null) {
            node.put("from", q.from());
        }
        if (q.to() != null) {
            node.put("to", q.to());
        }
        node.put("window", report.window());
        if (q.blockwise()) {
            node.put("blockwise", true);
        }
        node.put("tokens", r.tokens());
        node.put("windows", r.windows());
        node.put("bytes", r.bytes());
        node.put("total_nll", r.totalNll());
        node.put("mean_nll", r.meanNll());
        node.put("perplexity", r.perplexity());
        node.put("bits_per_byte", r.bitsPerByte());
        node.put("seconds", report.seconds());
        node.put("unigram_same_text_perplexity", report.unigramPerplexity());
        node.put("unigram_same_text_bits_per_byte", report.unigramBitsPerByte());
        if (q.maxBytes() != null) {
            node.put("max_bytes", q.maxBytes());
        }
        AtomicFiles.writeString(q.json(), mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
    }

    /**
     * Entropy in nats per token of the maximum-likelihood unigram model fitted on the tokens themselves: the best
     * any model that ignores context can do on this text (an optimistic baseline).
     */
    static double unigramNatsPerToken(int[] tokens, int vocab) {
        long[] counts = new long[vocab];
        for (int t : tokens) {
            counts[t]++;
        }
        double entropy = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / tokens.length;
                entropy -= p * Math.log(p);
            }
        }
        return entropy;
    }
}
