package org.lowrank4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
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

    @Override
    public Integer call() throws Exception {
        String content = DecoderFolder.readText(text, from, to, "--text");
        LlamaModel decoder = DecoderFolder.loadModel(model);
        ByteTokenizer tokenizer = DecoderFolder.loadTokenizer(model);
        int w = window == null ? decoder.maxPositions() : window;
        int[] tokens = tokenizer.encode(content);
        long bytes = content.getBytes(StandardCharsets.UTF_8).length;
        long start = System.nanoTime();
        PerplexityResult r = Perplexity.evaluate(decoder, tokens, w, bytes);
        double wall = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %,d tokens predicted in %d windows of %d; %.4f nats/token, perplexity %.4f, %.4f bits per byte (%.1f s)%n",
                text.getFileName(), r.tokens(), r.windows(), w, r.meanNll(), r.perplexity(), r.bitsPerByte(), wall);
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
            Files.writeString(json, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n", StandardCharsets.UTF_8);
        }
        return 0;
    }
}
