package org.lowrank4j.algorithms.anncur;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a cross-encoder comes from: the ONNX encoder with the classifier's adapter merged in, its tokenizer.json, the
 * classifier folder (head and labels), the positive label (null for the first) and the pair length it was trained with.
 */
public record CrossEncoderFiles(Path model, Path tokenizer, Path classifier, String positive, int maxLength) {
    public CrossEncoderFiles {
        if (model == null || tokenizer == null || classifier == null) {
            throw new IllegalArgumentException("a cross-encoder needs --model (merged ONNX), --tokenizer and --classifier (the finetune folder)");
        }
        if (maxLength < 4) {
            throw new IllegalArgumentException("--max-length " + maxLength + " is too short for a pair; give at least 4 tokens");
        }
    }

    /**
     * Checks that the three paths are what the options promise, naming the option at fault, before anything is read or
     * written (a missing --model used to surface as a bare file name, from the hashing of the scorer's files).
     */
    public void requireFiles() {
        if (!java.nio.file.Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model " + model + " does not exist or is not a file (give the cross-encoder's ONNX encoder)");
        }
        if (!java.nio.file.Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("--tokenizer " + tokenizer + " does not exist or is not a file (give its tokenizer.json)");
        }
        for (String file : new String[] {"classifier.json", "adapter_model.safetensors"}) {
            if (!java.nio.file.Files.isRegularFile(classifier.resolve(file))) {
                throw new IllegalArgumentException("--classifier " + classifier + " has no " + file
                        + "; give the folder `lowrank finetune --task classify --pairs` wrote");
            }
        }
    }

    /**
     * Refuses a tokenizer.json whose vocabulary does not fit the ONNX encoder's word embedding, as {@code finetune --task
     * classify} does: more ids than rows, or far fewer (a byte-level tokenizer given to a word-piece encoder). Another
     * model's tokenizer was taken without a word, and every pair scored as if it were other text.
     */
    static void requireTokenizerFits(Path tokenizer, Path model) throws IOException {
        try (org.lowrank4j.compress.tokenize.HfTokenizer tok = org.lowrank4j.compress.tokenize.HfTokenizer.load(tokenizer)) {
            org.lowrank4j.compress.check.ModelPairs.requireTokenizerFits(tokenizer, tok.vocabularySize(), model);
        }
    }

    public OnnxCrossEncoder open() throws IOException {
        return OnnxCrossEncoder.open(model, tokenizer, classifier, positive, maxLength, 32);
    }

    /** What a cached score file must have been computed with, for these queries and items. */
    public ScoreMatrixFile.Inputs inputs(java.util.List<String> queries, java.util.List<String> items) throws IOException {
        requireFiles();
        return ScoreMatrixFile.Inputs.of(queries, items, model, classifier.resolve("classifier.json"), classifier.resolve("adapter_model.safetensors"));
    }

    /**
     * The exact scores of every query against every item, from {@code cache} when it holds them (continued when it holds
     * some), computed with this cross-encoder otherwise.
     */
    public double[][] scores(java.util.List<String> queries, java.util.List<String> items, Path cache, java.util.function.IntConsumer progress)
            throws IOException {
        ScoreMatrixFile.Inputs inputs = inputs(queries, items);
        if (java.nio.file.Files.exists(cache)) {
            java.util.Map<String, String> m = ScoreMatrixFile.metadata(cache);
            if (Integer.toString(queries.size()).equals(m.get("rows_done")) && inputs.queriesSha256().equals(m.get("queries_sha256"))
                    && inputs.itemsSha256().equals(m.get("items_sha256")) && inputs.scorerSha256().equals(m.get("scorer_sha256"))) {
                return ScoreMatrixFile.read(cache); // finished: no need to open the model
            }
        }
        try (OnnxCrossEncoder ce = open()) {
            return ScoreMatrixFile.computeOrResume(cache, inputs, queries.size(), items.size(), q -> ce.score(queries.get(q), items), progress);
        }
    }
}
