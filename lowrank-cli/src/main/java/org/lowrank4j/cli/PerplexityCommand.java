package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.eval.DecoderPerplexity;
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

    @picocli.CommandLine.Mixin
    YearRange years = new YearRange();

    @Option(names = "--window", description = "Tokens per window (default: the model's context, at most 2,048).")
    Integer window;

    @Option(names = "--json", description = "Also write the figures to this JSON file.")
    Path json;

    @Option(names = "--force", description = "Replace the --json file if it exists (never an input).")
    boolean force;

    @Option(names = "--max-bytes", description = "Evaluate only the first N bytes of the text (default: all).")
    Long maxBytes;

    @Option(names = "--blockwise", description = "LLaMA- or GPT-2-family folder: read the model one block at a time (activations spilled to disk beside"
            + " the model folder), for models larger than the heap; same windows, figures equal to rounding.")
    boolean blockwise;

    @Override
    public Integer call() throws Exception {
        DecoderPerplexity.Report report = DecoderPerplexity.run(new DecoderPerplexity.Request(model, text, years.from, years.to, window, maxBytes, json, force, blockwise),
                ProgressBar.stderr());
        PerplexityResult r = report.result();
        System.out.printf(Locale.ROOT, "%s: %,d tokens predicted in %d windows of %d; %.4f nats/token, perplexity %.4f, %.4f bits per byte (%.1f s)%n",
                text.getFileName(), r.tokens(), r.windows(), report.window(), r.meanNll(), r.perplexity(), r.bitsPerByte(), report.seconds());
        System.out.printf(Locale.ROOT, "unigram model fitted on this same text: perplexity %.4f per token, %.4f bits per byte%n",
                report.unigramPerplexity(), report.unigramBitsPerByte());
        return 0;
    }
}
