package org.lowrank4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.eval.EvalOptions;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lowrank eval}: the one evaluation protocol, reference against candidate, one JSON per run. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Compare a candidate encoder with its reference: cosine and recall@10 on the in-domain held-out set and on each"
                + " out-of-domain set (vendored Moby Dick narrative and dialogue), linear probe, latency, sizes.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--reference", required = true, description = "The original ONNX model.")
    Path reference;

    @Option(names = "--candidate", required = true, description = "The compressed ONNX model.")
    Path candidate;

    @Option(names = "--tokenizer", required = true, description = "The models' tokenizer.json.")
    Path tokenizer;

    @Option(names = "--pooling", defaultValue = "mean", description = "mean (MiniLM) | cls (bge) (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--text", description = "Held-out sentences: a .txt file or a folder (default: the vendored held-out set).")
    Path text;

    @Option(names = "--sentences", defaultValue = "500", description = "At most this many sentences of the held-out set and of each"
            + " out-of-domain set (default ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--no-out-of-domain", description = "Skip the out-of-domain sets (held-out fidelity only, as before they existed).")
    boolean noOutOfDomain;

    @Option(names = "--set", paramLabel = "NAME=FILE", description = "Also measure fidelity on this text (repeatable): a .txt file or"
            + " folder, one text a line, reported as NAME beside the out-of-domain sets.")
    List<String> sets = new java.util.ArrayList<>();

    @Option(names = "--probe", description = "Probe set: a label<TAB>text file or a SpamAssassin folder (default: vendored SOTU party probe).")
    Path probe;

    @Option(names = "--out", description = "Write the JSON here (default: print only).")
    Path out;

    @Option(names = "--force", description = "Replace the output file if it exists (never an input).")
    boolean force;

    @Option(names = "--threads", description = "ONNX Runtime threads (default: all cores).")
    Integer threads;

    @Option(names = "--other-tool", description = "The candidate was not written by lowrank4j (e.g. the int8 file another quantizer made):"
            + " skip the check that it derives from --reference; the graph inputs and outputs must still match.")
    boolean otherTool;

    @Override
    public Integer call() throws Exception {
        if (threads != null) {
            Inputs.atLeast("--threads", threads, 1);
        }
        Inputs.atLeast("--sentences", sentences, 1);
        Inputs.requireFile(reference, "--reference");
        Inputs.requireFile(candidate, "--candidate");
        if (otherTool) {
            ModelPairs.requireSameInterface(reference, "--reference", candidate, "--candidate");
        } else {
            ModelPairs.requireDerived(reference, "--reference", candidate, "--candidate");
        }
        List<Object> inputs = new java.util.ArrayList<>(java.util.Arrays.asList("--reference", reference, "--candidate", candidate,
                "--tokenizer", tokenizer, "--text", text, "--probe", probe));
        List<Evaluation.TextSet> userSets = new java.util.ArrayList<>();
        for (String spec : sets) {
            Evaluation.TextSet set = Evaluation.userSet(spec, sentences, "--set");
            userSets.add(set);
            inputs.addAll(List.of("--set", Path.of(set.source())));
        }
        if (out != null) {
            Inputs.requireOutput("--out", out, force, inputs.toArray());
        }
        List<String> heldOut = (text == null ? TextCorpus.heldOut() : TextCorpus.sentences(text)).first(sentences);
        List<Evaluation.TextSet> outOfDomain = new java.util.ArrayList<>(noOutOfDomain ? List.of() : Evaluation.outOfDomainSets(sentences));
        outOfDomain.addAll(userSets);
        LabelledTexts probeSet = probe == null ? TextCorpus.partyProbe() : LabelledTexts.load(probe);
        EvalOptions options = EvalOptions.defaults().withThreads(threads == null ? Runtime.getRuntime().availableProcessors() : threads);
        EvalReport report;
        try (HfTokenizer tok = HfTokenizer.load(Inputs.requireFile(tokenizer, "--tokenizer"))) {
            ModelPairs.requireTokenizerFits(tokenizer, tok.vocabularySize(), reference);
            report = Evaluation.compare(reference, candidate, tok, parsePooling(pooling), heldOut, outOfDomain, probeSet, options);
        }
        print(report);
        if (out != null) {
            report.writeJson(out);
            System.out.println("wrote " + out);
        }
        return 0;
    }

    static Pooling parsePooling(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new IllegalArgumentException("--pooling must be mean or cls, got " + name);
        };
    }

    static void print(EvalReport r) {
        if (r.sets().isEmpty()) {
            var f = r.fidelity();
            System.out.printf(Locale.ROOT, "fidelity on %d sentences: mean cosine %.4f, p5 cosine %.4f, recall@%d %.4f%n", f.sentences(), f.meanCosine(),
                    f.p5Cosine(), f.neighbours(), f.recallAtK());
        } else {
            for (var s : r.sets()) {
                var f = s.fidelity();
                System.out.printf(Locale.ROOT, "fidelity on %-20s %-13s %3d sentences: mean cosine %.4f, p5 cosine %.4f, recall@%d %.4f%n", s.name(),
                        s.inDomain() ? "(in-domain)" : "(out-of-domain)", f.sentences(), f.meanCosine(), f.p5Cosine(), f.neighbours(), f.recallAtK());
            }
            if (r.sets().size() > 1) {
                var w = r.worst();
                System.out.printf(Locale.ROOT, "worst set: mean cosine %.4f (%s), p5 cosine %.4f (%s), recall@%d %.4f (%s)%n", w.meanCosine(),
                        w.meanCosineSet(), w.p5Cosine(), w.p5CosineSet(), r.fidelity().neighbours(), w.recallAtK(), w.recallSet());
            }
        }
        var p = r.probe();
        System.out.printf(Locale.ROOT, "probe %s: accuracy reference %.4f, candidate %.4f%n", p.task(), p.accuracyReference(), p.accuracyCandidate());
        if (r.latency() != null) {
            var l = r.latency();
            System.out.printf(Locale.ROOT, "latency per sentence (%d threads): reference %.2f ms, candidate %.2f ms, ratio %.3f%n", l.intraOpThreads(),
                    l.msReference(), l.msCandidate(), l.ratio());
        }
        System.out.printf(Locale.ROOT, "size: %.1f MB → %.1f MB%n", r.sizes().bytesReference() / 1e6, r.sizes().bytesCandidate() / 1e6);
    }
}
