// Held-out accuracy and macro-F1 of a classifier folder written by `finetune --task classify` (or one of its
// checkpoints' folders), on the held-out part of the same split: LabelledTexts.stratifiedSplit(labels, 0.7, 42).
// Run from the repository root:
//   M=$M DATA=... ADAPTER=$WORK/spam-r8 jshell --class-path lowrank-cli/target/lowrank.jar results/lora-encoder/score-classifier.jsh
import java.nio.file.Path;
import java.util.Arrays;
import org.lowrank4j.adapt.classify.*;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.LabelledTexts;

Path m = Path.of(System.getenv("M"));
LabelledTexts data = LabelledTexts.load(Path.of(System.getenv("DATA")));
int[] labels = data.labels();
LabelledTexts.Split split = LabelledTexts.stratifiedSplit(labels, 0.7, 42);
SequenceClassifier classifier = ClassifierFolder.load(m.resolve("model.onnx"), Path.of(System.getenv("ADAPTER")), Precision.FLOAT32);
HfTokenizer tokenizer = HfTokenizer.load(m.resolve("tokenizer.json"), 128);
int n = split.test().length;
int[][] ids = new int[n][];
int[] truth = new int[n];
for (int i = 0; i < n; i++) {
    ids[i] = Arrays.stream(tokenizer.ids(data.texts().get(split.test()[i]))).mapToInt(Math::toIntExact).toArray();
    truth[i] = labels[split.test()[i]];
}
Integer[] order = new Integer[n];
for (int i = 0; i < n; i++) order[i] = i;
Arrays.sort(order, (a, b) -> Integer.compare(ids[a].length, ids[b].length));
int[] predicted = new int[n];
for (int start = 0; start < n; start += 16) {
    int k = Math.min(16, n - start);
    int[][] batch = new int[k][];
    for (int b = 0; b < k; b++) batch[b] = ids[order[start + b]];
    int[] p = classifier.predict(batch);
    for (int b = 0; b < k; b++) predicted[order[start + b]] = p[b];
}
ClassificationMetrics metrics = ClassificationMetrics.of(predicted, truth, 2);
System.out.printf(java.util.Locale.ROOT, "{\"held_out\": %d, \"accuracy\": %.4f, \"macro_f1\": %.4f, \"per_class_f1\": %s}%n", n, metrics.accuracy(),
        metrics.macroF1(), Arrays.toString(metrics.perClassF1()));
tokenizer.close();
/exit
