package org.lowrank4j.compress.route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.check.ModelPairs;
import org.lowrank4j.compress.eval.EmbeddingRunner;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.eval.Evaluation;
import org.lowrank4j.compress.eval.Pooling;
import org.lowrank4j.compress.recover.DistillOptions;
import org.lowrank4j.compress.recover.Distiller;
import org.lowrank4j.compress.recover.OnnxRecovery;
import org.lowrank4j.compress.recover.RecoveryRecord;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.compress.recover.WeightDistance;
import org.lowrank4j.compress.recover.SetFidelity;
import org.lowrank4j.compress.recover.SentenceBatches;
import org.lowrank4j.compress.text.TextCorpus;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Recovery of an ONNX encoder that {@code compress} factorised: teacher and student are loaded into the JVM runtime's
 * BERT, the factors (and optionally the norms) are distilled on sentences ({@link Distiller#encoder}), fidelity is
 * measured in ONNX Runtime on held-out sentences before and after, and the trained values are written into a copy of
 * the compressed graph.
 */
final class OnnxRecoveryRoute {
    static final int DEFAULT_STEPS = 800;
    /** Out-of-domain sets are measured when --eval-sentences exceeds this (recall@10 needs more than ten sentences). */
    static final int OUT_OF_DOMAIN_MIN = 10;

    private OnnxRecoveryRoute() {
    }

    static RecoveryRun run(RecoveryRequest r, Path checkpoint, Path json, Listener listener) throws IOException {
        long start = System.nanoTime();
        if (r.window() != null || r.evalText() != null || r.evalMaxBytes() != null || r.textFrom() != null || r.textTo() != null) {
            throw new IllegalArgumentException("--window, --text-from/--text-to, --eval-text and --eval-max-bytes apply to decoder model folders; "
                    + r.compressed() + " is an ONNX file");
        }
        if (r.original() == null || !Files.isRegularFile(r.original())) {
            throw new IllegalArgumentException("--original " + r.original() + " does not exist or is not a file");
        }
        if (!Files.isRegularFile(r.compressed())) {
            throw new IllegalArgumentException("--compressed " + r.compressed() + " does not exist or is not a file");
        }
        if (r.tokenizer() == null || !Files.isRegularFile(r.tokenizer())) {
            throw new IllegalArgumentException(r.tokenizer() == null ? "--tokenizer is needed with --original (the bundled model brings its own)"
                    : "--tokenizer " + r.tokenizer() + " does not exist or is not a file");
        }
        ModelPairs.requireRecoverable(r.original(), r.compressed());
        int maxTokens = r.maxTokens() == null ? 128 : r.maxTokens();
        int evalSentences = r.evalSentences() == null ? 500 : r.evalSentences();
        if (maxTokens < 2 || evalSentences < 0) {
            throw new IllegalArgumentException("--max-tokens must be at least 2 and --eval-sentences at least 0");
        }
        int steps = r.steps() == null ? DEFAULT_STEPS : r.steps();
        Pooling pool = r.pooling() == null ? Pooling.MEAN : r.pooling();
        double outputWeight = r.outputWeight() != null ? r.outputWeight() : 10;
        DistillOptions options = Recovery.options(r, steps, outputWeight);
        List<String> texts = r.text() == null ? TextCorpus.mix().texts() : TextCorpus.sentences(r.text()).texts();
        int threads = r.threadCount();

        try (HfTokenizer tok = HfTokenizer.load(r.tokenizer(), maxTokens)) {
            ModelPairs.requireTokenizerFits(r.tokenizer(), tok.vocabularySize(), r.original());
            SentenceBatches batches = new SentenceBatches(texts, tok, r.batch(), r.seed());
            OnnxRecovery.Models models = OnnxRecovery.load(r.original(), r.compressed(), Precision.FLOAT32);
            if (models.student().blocks().size() != models.teacher().blocks().size()) {
                listener.note("block-pruned student: student block ← teacher block (distillation weight): " + models.blocks());
            }
            Distiller distiller = Distiller.encoder(models.teacher(), models.student(), models.blocks(), options).checkpointTo(checkpoint, r.resume());
            if (r.stopAfter() != null) {
                distiller.stopAfter(r.stopAfter());
            }
            // the in-domain held-out sentences, then the out-of-domain sets (Moby Dick narrative and dialogue); each model's
            // embeddings of all of them come from one ONNX Runtime session, the original's once for before and after
            List<Evaluation.TextSet> sets = evalSentences > OUT_OF_DOMAIN_MIN ? Evaluation.outOfDomainSets(evalSentences) : List.of();
            List<List<String>> evaluated = new ArrayList<>();
            if (evalSentences > 0) {
                evaluated.add(TextCorpus.heldOut().first(evalSentences));
                sets.forEach(set -> evaluated.add(set.texts()));
            }
            List<float[][]> references = embed(r.original(), tok, evaluated, pool, threads);
            List<EvalReport.Fidelity> before = fidelities(references, embed(r.compressed(), tok, evaluated, pool, threads));
            listener.note(String.format(Locale.ROOT, "%s: %d factor pairs; %d sentences from %s, %d a step, %d steps%s", r.compressed().getFileName(),
                    distiller.factorPairs().size(), texts.size(), r.text() == null ? "the vendored mix (Moby Dick ch. 1-67 + SOTU)" : r.text(), r.batch(), steps,
                    r.resume() ? ", resuming from " + checkpoint : ""));
            Recovery.notePasses(listener, steps, (double) steps / batches.batchesPerPass(), texts.size(), "sentences");
            List<WeightDistance> distanceBefore = distiller.weightDistances();
            RecoveryResult result = distiller.run(batches, listener);
            if (!result.finished()) {
                return new RecoveryRun(result, distiller.factorPairs().size(), r.out(), null, first(before), null, null, null, null,
                        perSet(sets, before, null));
            }
            OnnxRecovery.write(models, distiller.trainableParameters(), r.out());
            List<EvalReport.Fidelity> after = fidelities(references, embed(r.out(), tok, evaluated, pool, threads));
            List<SetFidelity> outOfDomain = perSet(sets, before, after);
            new RecoveryRecord(r.original().toString(), r.compressed().toString(), r.out().toString(), options, result.firstStep(), result.endStep(),
                    result.initialLoss(), result.finalLoss(), result.seconds(), (System.nanoTime() - start) / 1e9, first(before), first(after), outOfDomain,
                    distanceBefore, distiller.weightDistances()).writeJson(json);
            return new RecoveryRun(result, distiller.factorPairs().size(), r.out(), json, first(before), first(after), null, null, null, outOfDomain);
        }
    }

    /** Embeddings of each list of sentences, from one ONNX Runtime session of {@code model}. */
    private static List<float[][]> embed(Path model, HfTokenizer tok, List<List<String>> lists, Pooling pool, int threads) {
        if (lists.isEmpty()) {
            return List.of();
        }
        try (EmbeddingRunner runner = EmbeddingRunner.open(model, new EmbeddingRunner.Options(threads, 32))) {
            runner.requireMatches(tok);
            List<float[][]> out = new ArrayList<>();
            for (List<String> sentences : lists) {
                out.add(runner.embed(tok, sentences, pool, true));
            }
            return out;
        }
    }

    private static List<EvalReport.Fidelity> fidelities(List<float[][]> references, List<float[][]> candidates) {
        List<EvalReport.Fidelity> out = new ArrayList<>();
        for (int i = 0; i < references.size(); i++) {
            out.add(Evaluation.fidelity(references.get(i), candidates.get(i), 10));
        }
        return out;
    }

    /** The in-domain figure (the first list), or null when nothing was evaluated. */
    private static EvalReport.Fidelity first(List<EvalReport.Fidelity> fidelities) {
        return fidelities.isEmpty() ? null : fidelities.get(0);
    }

    /** The out-of-domain figures (lists 1…) by set; {@code after} null while the run has not finished. */
    private static List<SetFidelity> perSet(List<Evaluation.TextSet> sets, List<EvalReport.Fidelity> before, List<EvalReport.Fidelity> after) {
        List<SetFidelity> out = new ArrayList<>();
        for (int i = 0; i < sets.size(); i++) {
            out.add(new SetFidelity(sets.get(i).name(), before.get(i + 1), after == null ? null : after.get(i + 1)));
        }
        return out;
    }
}
