package org.lowrank4j.adapt.classify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.lowrank4j.adapt.finetune.AdapterLanguageModel;
import org.lowrank4j.adapt.finetune.FineTuneListener;
import org.lowrank4j.adapt.finetune.FineTuneMemory;
import org.lowrank4j.adapt.finetune.FineTuning;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraStart;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.LabelledTexts;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * LoRA sequence classification on a BERT-family encoder (an ONNX file or a safetensors folder), on the runtime's
 * {@link Trainer} like the decoder path ({@link FineTuning}):
 * <ol>
 *   <li>the labelled texts are split per class ({@link LabelledTexts#stratifiedSplit}, seeded), tokenized;</li>
 *   <li>adapters go on the target projections (B = 0, so the encoder starts unchanged); every other weight is frozen;</li>
 *   <li>the head (K, C) is fitted on the frozen encoder's pooled training features ({@link HeadFit}): its held-out
 *       metrics are the "before" figures, a linear probe of the frozen embeddings;</li>
 *   <li>adapters and head then train together (AdamW, warm-up and cosine decay, gradient clipping at 1), batches
 *       drawn by {@link LabelledBatches}; checkpoints hold both with the optimizer state, so {@code resume} continues
 *       bit for bit;</li>
 *   <li>the held-out texts are scored again: accuracy and macro-F1 "after".</li>
 * </ol>
 * Writes into {@code out}: the {@link ClassifierFolder} (PEFT adapter + head + classifier.json),
 * {@code checkpoint.safetensors}, {@code finetune-log.csv} and {@code finetune.json}.
 */
public final class ClassifierFineTuning {
    /** The step log's header: the decoder's ({@link FineTuning}) with texts per second where it counts tokens. */
    static final String LOG_HEADER = "step,loss,lr,grad_norm,texts_per_s";
    private static final int EVAL_BATCH = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassifierFineTuning() {
    }

    /**
     * @throws IllegalArgumentException for labelled texts with one class or a class of one text, a text the tokenizer
     *                                  turns into nothing, token ids outside the model's vocabulary, targets that match
     *                                  no projection, a missing or mismatched checkpoint on resume
     */
    public static ClassifyOutcome run(ClassifyRequest request, TextTokenizer tokenizer, FineTuneListener listener) throws IOException {
        FineTuneListener events = listener == null ? FineTuneListener.NONE : listener;
        if (!request.isLora() && (request.resume() || request.stopAfter() != null)) {
            throw new IllegalArgumentException("--resume and --stop-after are for LoRA runs; a --adapter " + request.adapter() + " run starts afresh");
        }
        Path checkpoint = request.out().resolve(FineTuning.CHECKPOINT);
        if (request.resume() && !Files.isRegularFile(checkpoint)) {
            throw new IllegalArgumentException("--resume: " + checkpoint + " does not exist (run without --resume first)");
        }
        Prepared p = prepare(request, tokenizer);
        if (!request.isLora()) {
            return ClassifierWeightTraining.run(request, p, events);
        }
        BertModel encoder = p.encoder();
        LabelledTexts data = p.data();
        LabelledTexts.Split split = p.split();
        int[][] trainIds = p.trainIds();
        int[] trainLabels = p.trainLabels();

        LoraModel lora = LoraModel.over(ModulePaths.bert(encoder), request.seed());
        LoraStart begin = LoraStart.attach(lora, request.init(), request.targets(), request.lora(), request.seed());
        int classes = data.classNames().size();
        SequenceClassifier classifier = new SequenceClassifier(encoder, request.pooling(), SequenceClassifier.zeroHead(encoder, classes),
                p.pairSeparator());

        events.onPhase("frozen features", p.describe());
        lora.setEnabled(begin.adaptersAreBase());
        Scores before = probe(classifier, p, request.headStart());
        lora.setEnabled(true);

        List<Parameter> extra = new java.util.ArrayList<>(begin.extraParameters()); // SVFit's singular values, and the head
        extra.addAll(classifier.parameters());
        AdapterLanguageModel model = new AdapterLanguageModel(new LabelledBatches(classifier, trainIds, trainLabels), lora, extra);
        freezeUntrained(encoder, model.parameters());
        long trainable = 0;
        for (Parameter param : model.parameters()) {
            trainable += param.size();
        }
        AdamW adam = new AdamW(model.parameters(), AdamW.Settings.fineTuning(request.weightDecay()));
        LearningRateSchedule schedule = new LearningRateSchedule(request.learningRate(), request.learningRate() / 10,
                Math.min(request.warmup(), request.steps()), request.steps());
        int runUntil = request.stopAfter() == null ? request.steps() : Math.min(request.steps(), request.stopAfter());
        TrainingOptions options = new TrainingOptions(request.batch(), 1, runUntil, schedule, 1.0, 0, 0, request.checkpointEvery(), checkpoint);
        PeftConfig config = PeftConfig.lora(request.lora(), request.targets(), request.model().toAbsolutePath().normalize().toString(), "SEQ_CLS");

        Files.createDirectories(request.out());
        ClassifierLog.FolderWriter saveFolder = () -> ClassifierFolder.write(request.out(), begin.written(config),
                classifier.head(), data.classNames(), request.pooling(), p.pairSeparator() >= 0);
        ClassifierLog log = new ClassifierLog(request.out().resolve(FineTuning.LOG), LOG_HEADER, events, saveFolder);
        Trainer trainer = new Trainer(model, adam, LabelledBatches.indexWindows(trainIds.length, request.seed()), null, options, log);
        if (request.resume()) {
            trainer.resume(checkpoint);
            model.setPasses(trainer.step());
        }
        log.truncateFrom(trainer.step());
        events.onPhase("training", String.format(Locale.ROOT, "%,d trainable parameters (%d layers adapted + head), step %d of %d",
                trainable, begin.layers(), trainer.step(), runUntil));
        long firstStep = trainer.step();
        long start = System.nanoTime();
        trainer.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        log.close();
        saveFolder.write();
        FineTuneMemory memory = FineTuneMemory.measure(model.parameters(), model.parameters(), adam);

        events.onPhase("adapted metrics", String.format(Locale.ROOT, "%d held-out texts", split.test().length));
        Scores after = score(classifier, p);
        ClassifyOutcome outcome = new ClassifyOutcome(before.test(), after.test(), data.classNames(), trainIds.length, split.test().length,
                trainer.step() - firstStep, trainer.step(), seconds, trainable, log.lastLoss(), request.out(), before.validation(),
                after.validation());
        ObjectNode record = record(request, data, outcome);
        record.put("pair_input", p.pairSeparator() >= 0);
        record.put("seconds_per_step", outcome.stepsRun() == 0 ? 0 : seconds / outcome.stepsRun());
        record.set("memory_bytes", memory.toJson());
        AtomicFiles.writeString(request.out().resolve(FineTuning.RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        return outcome;
    }

    /**
     * A request's texts, tokenized and split, and the encoder they run through.
     *
     * @param split per-class split: indices of {@code data} to train on (validation included) and to hold out
     * @param validIds the validation split's texts (carved from the training side; empty without one)
     * @param pairSeparator the tokenizer's {@link TextTokenizer#pairSeparator()}: ≥ 0 when each text is a pair
     */
    record Prepared(LabelledTexts data, BertModel encoder, LabelledTexts.Split split, int[][] trainIds, int[] trainLabels, int[][] testIds,
            int[] testLabels, int[][] validIds, int[] validLabels, int pairSeparator) {

        boolean hasValidation() {
            return validIds.length > 0;
        }

        /** "N texts (a train, v validation, t held out), C classes" for the progress notes. */
        String describe() {
            return String.format(Locale.ROOT, "%d texts (%d train, %s%d held out), %d classes", data.size(), trainIds.length,
                    hasValidation() ? validIds.length + " validation, " : "", testIds.length, data.classNames().size());
        }
    }

    static Prepared prepare(ClassifyRequest request, TextTokenizer tokenizer) throws IOException {
        LabelledTexts data = request.data();
        requireClasses(data);
        int[] labels = data.labels();
        LabelledTexts.Split split = LabelledTexts.stratifiedSplit(labels, 1 - request.heldOutFraction(), request.seed());
        int[] train = split.train();
        if (train.length == 0 || split.test().length == 0) { // the splits need the labels alone: checked before the encoder loads
            throw new IllegalArgumentException("--held-out " + request.heldOutFraction() + " leaves " + train.length + " training and "
                    + split.test().length + " held-out texts; give more labelled texts or another fraction");
        }
        int[] valid = new int[0];
        if (request.validationFraction() > 0) {
            // a second stratified split of the training side only: the held-out texts stay those of a run without validation
            LabelledTexts.Split inner = LabelledTexts.stratifiedSplit(select(labels, train), 1 - request.validationFraction(),
                    request.seed() + 1);
            valid = select(train, inner.test());
            train = select(train, inner.train());
            if (valid.length == 0 || train.length == 0) {
                throw new IllegalArgumentException("--validation " + request.validationFraction() + " leaves " + train.length
                        + " training and " + valid.length + " validation texts; give more labelled texts or another fraction");
            }
        }
        BertModel encoder = EncoderModels.load(request.model(), Precision.FLOAT32);
        int[][] ids = tokenize(data, tokenizer, encoder);
        return new Prepared(data, encoder, split, select(ids, train), select(labels, train), select(ids, split.test()),
                select(labels, split.test()), select(ids, valid), select(labels, valid), tokenizer.pairSeparator());
    }

    /** Metrics on the held-out texts and on the validation split (null without one). */
    record Scores(ClassificationMetrics test, ClassificationMetrics validation) {
    }

    /**
     * Fits the head on the frozen encoder's features (whatever adapters there are must be off), scores the held-out and
     * validation texts with it — the run's "before" figures — and sets the head where training starts from.
     */
    static Scores probe(SequenceClassifier classifier, Prepared p, HeadStart start) {
        Tensor features = pooled(classifier, p.trainIds());
        HeadFit.fit(classifier.head(), features, p.trainLabels(), 0);
        Scores before = score(classifier, p);
        if (start.kind() == HeadStart.Kind.ZERO || start.l2() > 0) {
            for (Parameter param : classifier.head().parameters()) {
                param.value().fill(0);
            }
        }
        if (start.l2() > 0) {
            HeadFit.fit(classifier.head(), features, p.trainLabels(), start.l2());
        }
        return before;
    }

    /** The classifier as it stands on the held-out texts and the validation split. */
    static Scores score(SequenceClassifier classifier, Prepared p) {
        return new Scores(evaluate(classifier, p.testIds(), p.testLabels()),
                p.hasValidation() ? evaluate(classifier, p.validIds(), p.validLabels()) : null);
    }

    /**
     * Marks every encoder parameter outside {@code trained} as frozen, so that the embedding tables accumulate no
     * gradient (MiniLM's word table alone would cost 47 MB of gradient for nothing).
     */
    static void freezeUntrained(BertModel encoder, List<Parameter> trained) {
        Parameter.freezeAllBut(encoder.parameters(), trained);
    }

    /** Held-out metrics of the classifier as it stands (adapter dropout off). */
    static ClassificationMetrics evaluate(SequenceClassifier classifier, int[][] texts, int[] labels) {
        Tensor logits = classifier.head().forward(pooled(classifier, texts));
        return ClassificationMetrics.of(SequenceClassifier.argmax(logits), labels, classifier.classes());
    }

    /**
     * The pooled encoder output (N, C) of texts, in their order; computed in batches of texts of similar length (less
     * padding), which does not change the values (padding is masked).
     */
    static Tensor pooled(SequenceClassifier classifier, int[][] texts) {
        Integer[] order = new Integer[texts.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(texts[a].length, texts[b].length));
        int width = classifier.encoder().config().hiddenSize();
        Tensor out = Tensor.zeros(classifier.encoder().precision(), texts.length, width);
        for (int start = 0; start < texts.length; start += EVAL_BATCH) {
            int n = Math.min(EVAL_BATCH, texts.length - start);
            int[][] batch = new int[n][];
            for (int b = 0; b < n; b++) {
                batch[b] = texts[order[start + b]];
            }
            Tensor p = classifier.pooled(batch);
            for (int b = 0; b < n; b++) {
                int row = order[start + b];
                for (int j = 0; j < width; j++) {
                    out.set(row * width + j, p.get(b * width + j));
                }
            }
        }
        return out;
    }

    /** At least two classes, each with two texts or more (one to train on, one to hold out). */
    static void requireClasses(LabelledTexts data) {
        int[] counts = data.classCounts();
        if (counts.length < 2) {
            throw new IllegalArgumentException(data.source() + " has one class (" + data.classNames().get(0)
                    + "); classification needs texts of at least two labels");
        }
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < 2) {
                throw new IllegalArgumentException(data.source() + ": label \"" + data.classNames().get(c) + "\" has " + counts[c]
                        + " text; each label needs at least 2 (one to train on, one to hold out)");
            }
        }
    }

    private static int[][] tokenize(LabelledTexts data, TextTokenizer tokenizer, BertModel encoder) {
        int vocabulary = encoder.config().vocabSize();
        int positions = encoder.config().maxPositions();
        int[][] ids = new int[data.size()][];
        for (int i = 0; i < ids.length; i++) {
            int[] t;
            try {
                t = tokenizer.ids(data.texts().get(i));
            } catch (IllegalArgumentException e) { // the tokenizer's own refusal, placed in the file
                throw new IllegalArgumentException(data.source() + ": text " + (i + 1) + ": " + e.getMessage(), e);
            }
            if (t.length == 0) {
                throw new IllegalArgumentException(data.source() + ": text " + (i + 1) + " gives no tokens");
            }
            if (t.length > positions) {
                throw new IllegalArgumentException(data.source() + ": text " + (i + 1) + " has " + t.length + " tokens but the model has "
                        + positions + " positions; truncate (--max-length)");
            }
            for (int id : t) {
                if (id < 0 || id >= vocabulary) {
                    throw new IllegalArgumentException("the tokenizer gives id " + id + " for text " + (i + 1) + " but the model's vocabulary "
                            + "has " + vocabulary + " ids: is it the model's tokenizer.json?");
                }
            }
            ids[i] = t;
        }
        return ids;
    }

    static ObjectNode record(ClassifyRequest request, LabelledTexts data, ClassifyOutcome outcome) {
        ObjectNode root = JSON.createObjectNode();
        root.put("task", "classify");
        root.put("model", request.model().toString());
        root.put("data", data.source());
        root.putPOJO("classes", data.classNames());
        root.putPOJO("class_counts", data.classCounts());
        root.put("pooling", request.pooling().label());
        root.put("method", request.init().label());
        root.put("rank", request.lora().rank());
        root.put("alpha", request.lora().alpha());
        root.put("dropout", request.lora().dropout());
        root.put("use_rslora", request.lora().useRslora());
        root.putPOJO("targets", request.targets());
        root.put("steps", outcome.stepsDone());
        root.put("batch", request.batch());
        root.put("learning_rate", request.learningRate());
        root.put("warmup", request.warmup());
        root.put("weight_decay", request.weightDecay());
        root.put("seed", request.seed());
        root.put("held_out_fraction", request.heldOutFraction());
        root.put("train_texts", outcome.trainCount());
        root.put("held_out_texts", outcome.testCount());
        if (outcome.validationBefore() != null) {
            ObjectNode validation = root.putObject("validation");
            validation.put("fraction", request.validationFraction());
            validation.put("split_seed", request.seed() + 1);
            validation.set("before", metrics(outcome.validationBefore()));
            validation.set("after", metrics(outcome.validationAfter()));
        }
        root.put("head_fit", "full-batch AdamW, " + HeadFit.ITERATIONS + " iterations at " + HeadFit.RATE + " on the frozen pooled features");
        root.put("head_start", request.headStart().label());
        root.put("trainable_parameters", outcome.trainable());
        root.put("train_seconds_this_call", outcome.trainSeconds());
        root.put("last_loss", outcome.lastLoss());
        root.set("before", metrics(outcome.before()));
        root.set("after", metrics(outcome.after()));
        return root;
    }

    static ObjectNode metrics(ClassificationMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("examples", m.examples());
        o.put("accuracy", m.accuracy());
        o.put("macro_f1", m.macroF1());
        o.putPOJO("per_class_f1", m.perClassF1());
        return o;
    }

    static int[][] select(int[][] rows, int[] indices) {
        int[][] out = new int[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            out[i] = rows[indices[i]];
        }
        return out;
    }

    static int[] select(int[] values, int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = values[indices[i]];
        }
        return out;
    }
}
