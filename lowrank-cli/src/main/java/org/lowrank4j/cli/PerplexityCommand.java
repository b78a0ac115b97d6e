package org.lowrank4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TextFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank perplexity}: a trained decoder's perplexity and bits per byte over fixed non-overlapping windows. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity and bits per byte of a trained decoder on text, over fixed-length non-overlapping windows.")
final class PerplexityCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model folder (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--text", required = true, description = "A .txt file or a folder of them.")
    Path text;

    @Option(names = "--from", description = "With a folder: only files named YEAR_*.txt with YEAR >= this.")
    Integer from;

    @Option(names = "--to", description = "With a folder: only files named YEAR_*.txt with YEAR <= this.")
    Integer to;

    @Option(names = "--window", description = "Tokens per window (default: the model's context).")
    Integer window;

    @Option(names = "--json", description = "Also write the figures to this JSON file.")
    Path json;

    @Option(names = "--force", description = "Replace the --json file if it exists (never an input).")
    boolean force;

    @Option(names = "--max-bytes", description = "Evaluate only the first N bytes of the text (default: all).")
    Long maxBytes;

    @Override
    public Integer call() throws Exception {
        if (json != null) {
            Inputs.requireOutput("--json", json, force, "--model", model, "--text", text);
        }
        String content = TextFolder.readText(text, from, to, "--text");
        LlamaModel decoder = DecoderFolder.loadModel(model);
        Tokenizer tokenizer = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        int w = window == null ? decoder.maxPositions() : window;
        if (maxBytes != null) {
            if (maxBytes < 2) {
                throw new IllegalArgumentException("--max-bytes must be at least 2, got " + maxBytes);
            }
            content = TextFolder.firstBytes(content, maxBytes);
        }
        int[] tokens = tokenizer.encode(content);
        long bytes = content.getBytes(StandardCharsets.UTF_8).length;
        double unigram = unigramNatsPerToken(tokens, tokenizer.vocabSize());
        double unigramBitsPerByte = unigram * tokens.length / bytes / Math.log(2);
        long start = System.nanoTime();
        PerplexityResult r = Perplexity.evaluate(decoder, tokens, w, bytes).requireFinite(model);
        double wall = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %,d tokens predicted in %d windows of %d; %.4f nats/token, perplexity %.4f, %.4f bits per byte (%.1f s)%n",
                text.getFileName(), r.tokens(), r.windows(), w, r.meanNll(), r.perplexity(), r.bitsPerByte(), wall);
        System.out.printf(Locale.ROOT, "unigram model fitted on this same text: perplexity %.4f per token, %.4f bits per byte%n",
                Math.exp(unigram), unigramBitsPerByte);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = mapper.createObjectNode();
            node.put("model", model.toString());
            node.put("text", text.toString());
            if (from != null) {
                node.put("from", from);
            }
            if (to != null) {
                node.put("to", to);
            }
            node.put("window", w);
            node.put("tokens", r.tokens());
            node.put("windows", r.windows());
            node.put("bytes", r.bytes());
            node.put("total_nll", r.totalNll());
            node.put("mean_nll", r.meanNll());
            node.put("perplexity", r.perplexity());
            node.put("bits_per_byte", r.bitsPerByte());
            node.put("seconds", wall);
            node.put("unigram_same_text_perplexity", Math.exp(unigram));
            node.put("unigram_same_text_bits_per_byte", unigramBitsPerByte);
            if (maxBytes != null) {
                node.put("max_bytes", maxBytes);
            }
            org.lowrank4j.formats.io.AtomicFiles.writeString(json, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        }
        return 0;
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
