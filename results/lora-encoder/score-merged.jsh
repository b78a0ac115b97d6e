// The classifier served the way it deploys: the adapter merged into model.onnx ($MERGED, from `adapter merge`), ONNX
// Runtime's mean-pooled embeddings (not normalised) of the held-out mails of split seed 42, and the folder's head
// (classifier.weight, classifier.bias) applied to them. Prints held-out accuracy and macro-F1. Run:
//   M=$M DATA=... ADAPTER=$WORK/spam-r8-step40 MERGED=$WORK/minilm-spam-r8.onnx jshell --class-path lowrank-cli/target/lowrank.jar results/lora-encoder/score-merged.jsh
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lowrank4j.adapt.classify.*;
import org.lowrank4j.compress.eval.*;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.train.LabelledTexts;

Path m = Path.of(System.getenv("M"));
LabelledTexts data = LabelledTexts.load(Path.of(System.getenv("DATA")));
int[] labels = data.labels();
LabelledTexts.Split split = LabelledTexts.stratifiedSplit(labels, 0.7, 42);
List<String> texts = new ArrayList<>();
int[] truth = new int[split.test().length];
for (int i = 0; i < truth.length; i++) { texts.add(data.texts().get(split.test()[i])); truth[i] = labels[split.test()[i]]; }
ClassifierFolder.Stored stored = ClassifierFolder.read(Path.of(System.getenv("ADAPTER")));
float[][] x;
try (HfTokenizer tokenizer = HfTokenizer.load(m.resolve("tokenizer.json"), 128); EmbeddingRunner runner = EmbeddingRunner.open(Path.of(System.getenv("MERGED")))) {
    x = runner.embed(tokenizer, texts, Pooling.MEAN, false);
}
int k = stored.classNames().size(), c = x[0].length;
float[] w = stored.weight().values(), bias = stored.bias().values();
int[] predicted = new int[x.length];
for (int i = 0; i < x.length; i++) {
    double best = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
        double s = bias[j];
        for (int t = 0; t < c; t++) s += w[j * c + t] * x[i][t];
        if (s > best) { best = s; predicted[i] = j; }
    }
}
ClassificationMetrics metrics = ClassificationMetrics.of(predicted, truth, k);
System.out.printf(java.util.Locale.ROOT, "{\"held_out\": %d, \"accuracy\": %.4f, \"macro_f1\": %.4f, \"per_class_f1\": %s}%n", x.length, metrics.accuracy(),
        metrics.macroF1(), Arrays.toString(metrics.perClassF1()));
/exit
