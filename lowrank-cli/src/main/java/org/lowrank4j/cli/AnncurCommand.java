package org.lowrank4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank4j.algorithms.anncur.AnnCurEvaluation;
import org.lowrank4j.algorithms.anncur.AnnCurExperiment;
import org.lowrank4j.algorithms.anncur.AnnCurIndexing;
import org.lowrank4j.algorithms.anncur.CrossEncoderFiles;
import org.lowrank4j.formats.io.OutputPlan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lowrank anncur index|search|evaluate}: k-NN search over a cross-encoder with a CUR index (spec 16). */
@Command(name = "anncur", mixinStandardHelpOptions = true,
        description = "ANNCUR: k-nearest-neighbour search over a cross-encoder from a few calls per query, with a CUR index of anchor queries' exact scores.",
        subcommands = {AnncurCommand.Index.class, AnncurCommand.Search.class, AnncurCommand.Evaluate.class})
final class AnncurCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: index, search or evaluate");
    }

    /** The cross-encoder: a pair classifier from `finetune --task classify --pairs`, its adapter merged into the ONNX file. */
    static final class CrossEncoderOptions {
        @Option(names = "--model", required = true, description = "The cross-encoder's ONNX encoder (its adapter merged in by `lowrank adapter merge`).")
        Path model;

        @Option(names = "--tokenizer", required = true, description = "Its tokenizer.json.")
        Path tokenizer;

        @Option(names = "--classifier", required = true, description = "The `finetune --task classify --pairs` folder (head and labels).")
        Path classifier;

        @Option(names = "--positive", description = "The label whose log-odds is the score (default: the folder's first label).")
        String positive;

        @Option(names = "--max-length", defaultValue = "64", description = "Tokens per pair, as trained (default ${DEFAULT-VALUE}).")
        int maxLength;

        CrossEncoderFiles files() {
            return new CrossEncoderFiles(model, tokenizer, classifier, positive, maxLength);
        }
    }

    @Command(name = "index", mixinStandardHelpOptions = true,
            description = "Offline: the exact scores of every anchor query against every item (k_q x |I| cross-encoder calls), into an index folder.")
    static final class Index implements Callable<Integer> {
        @Mixin
        CrossEncoderOptions crossEncoder = new CrossEncoderOptions();

        @Option(names = "--items", required = true, description = "The items, one text per line.")
        Path items;

        @Option(names = "--queries", required = true, description = "The anchor queries, one per line (not the test queries).")
        Path queries;

        @Option(names = "--out", required = true, description = "The index folder to write.")
        Path out;

        @Option(names = "--resume", description = "Continue an unfinished index of the same inputs in OUT.")
        boolean resume;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            OutputPlan.of("--out", out, force || resume).input("--items", items).input("--queries", queries).input("--model", crossEncoder.model)
                    .check();
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " is a file; give a folder");
            }
            ProgressBar bar = ProgressBar.stderr();
            long queryCount = Files.readAllLines(queries).stream().filter(s -> !s.isBlank()).count();
            long start = System.nanoTime();
            long pairs = AnnCurIndexing.index(items, queries, crossEncoder.files(), out, force && !resume,
                    done -> bar.update("anchor queries", done, queryCount, ""));
            System.out.printf(Locale.ROOT, "index of %,d exact pair scores written to %s (%.1f s this run)%n", pairs, out, (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = "One query: k_i anchor calls, approximate scores of all items from the index, exact re-rank of the best so that the calls total --budget.")
    static final class Search implements Callable<Integer> {
        @Mixin
        CrossEncoderOptions crossEncoder = new CrossEncoderOptions();

        @Option(names = "--index", required = true, description = "The folder `anncur index` wrote.")
        Path index;

        @Option(names = "--items", required = true, description = "The items the index was built over.")
        Path items;

        @Option(names = "--query", required = true, description = "The text to search for.")
        String query;

        @Option(names = "--anchor-items", defaultValue = "50", description = "k_i, anchor items scored exactly first (default ${DEFAULT-VALUE}).")
        int anchorItems;

        @Option(names = "--budget", defaultValue = "100", description = "Cross-encoder calls in all, anchors included (default ${DEFAULT-VALUE}).")
        int budget;

        @Option(names = "--k", defaultValue = "10", description = "Items to return (default ${DEFAULT-VALUE}).")
        int k;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the anchor items' draw (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() throws Exception {
            AnnCurIndexing.Found found = AnnCurIndexing.search(index, items, crossEncoder.files(), query, anchorItems, budget, k, seed);
            for (AnnCurIndexing.Hit h : found.hits()) {
                System.out.printf(Locale.ROOT, "%8.4f  #%d  %s%n", h.score(), h.item(), h.text());
            }
            System.out.printf(Locale.ROOT, "%d cross-encoder calls (%d anchor items + %d re-ranked)%n", found.calls(), found.anchorItems(),
                    found.calls() - found.anchorItems());
            return 0;
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = "Top-k recall against the exact cross-encoder at equal budgets: ANNCUR vs dual-encoder retrieval + re-rank (and a random shortlist).")
    static final class Evaluate implements Callable<Integer> {
        @Mixin
        CrossEncoderOptions crossEncoder = new CrossEncoderOptions();

        @Option(names = "--index", required = true, description = "The folder `anncur index` wrote.")
        Path index;

        @Option(names = "--items", required = true, description = "The items the index was built over.")
        Path items;

        @Option(names = "--queries", required = true, description = "Held-out test queries, one per line.")
        Path queries;

        @Option(names = "--exact-scores", required = true,
                description = "Cache of the test queries' exact rows (|Q| x |I| calls): computed, continued or reused when its inputs match.")
        Path exactScores;

        @Option(names = "--dual-encoder", required = true, description = "The dual encoder's ONNX model (mean-pooled, normalised: cosine).")
        Path dualEncoder;

        @Option(names = "--dual-tokenizer", description = "Its tokenizer.json (default: --tokenizer).")
        Path dualTokenizer;

        @Option(names = "--budgets", split = ",", defaultValue = "50,100,200", description = "Cross-encoder calls per query (default ${DEFAULT-VALUE}).")
        int[] budgets;

        @Option(names = "--anchor-items", split = ",", defaultValue = "10,20,50,100", description = "k_i values, each tried below each budget (default ${DEFAULT-VALUE}).")
        int[] anchorItems;

        @Option(names = "--k", split = ",", defaultValue = "1,10,100", description = "Recall@k for these k (default ${DEFAULT-VALUE}).")
        int[] ks;

        @Option(names = "--seeds", defaultValue = "5", description = "Anchor-item draws per setting (default ${DEFAULT-VALUE}).")
        int seeds;

        @Option(names = "--out", required = true, description = "The JSON record to write.")
        Path out;

        @Option(names = "--force", description = "Replace an existing OUT.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            OutputPlan.of("--out", out, force).input("--items", items).input("--queries", queries).input("--model", crossEncoder.model)
                    .input("--dual-encoder", dualEncoder).input("--exact-scores", exactScores).check();
            ProgressBar bar = ProgressBar.stderr();
            long queryCount = Files.readAllLines(queries).stream().filter(s -> !s.isBlank()).count();
            AnnCurExperiment experiment = new AnnCurExperiment(index, items, queries, crossEncoder.files(), exactScores, dualEncoder,
                    dualTokenizer == null ? crossEncoder.tokenizer : dualTokenizer, budgets, anchorItems, ks, seeds, out);
            AnnCurExperiment.Outcome o = experiment.run(done -> bar.update("exact rows", done, queryCount, ""));
            System.out.printf(Locale.ROOT, "%d items, %d anchor queries, %d test queries; recall of the exact top-k at equal cross-encoder calls:%n",
                    o.items(), o.anchorQueries(), o.testQueries());
            for (AnnCurEvaluation.Row r : o.rows()) {
                System.out.printf(Locale.ROOT, "budget %4d  k %3d  %-20s %s recall %.4f%s%n", r.budget(), r.k(), r.method(),
                        r.anchorItems() > 0 ? String.format(Locale.ROOT, "k_i %3d", r.anchorItems()) : "       ", r.recall(),
                        r.recallSpread() > 0 ? String.format(Locale.ROOT, " (sd %.4f)", r.recallSpread()) : "");
            }
            System.out.printf(Locale.ROOT, "wrote %s%n", out);
            return 0;
        }
    }
}
